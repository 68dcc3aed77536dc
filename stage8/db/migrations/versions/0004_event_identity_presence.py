"""decision events say the actor's role, how they were known and a reason code; presence

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from stage8.db import column_types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decision_events") as batch:
        batch.add_column(sa.Column("reason_code", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("actor_source", sa.String(length=20), nullable=True))
    op.create_table(
        "reviewer_presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scene_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("seen_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scene_id"], ["scenes.id"], name=op.f("fk_reviewer_presence_scene_id_scenes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_presence")),
        sa.UniqueConstraint(
            "scene_id", "session_id", name=op.f("uq_reviewer_presence_scene_id_session_id")
        ),
    )
    op.create_index(
        op.f("ix_reviewer_presence_scene_id"), "reviewer_presence", ["scene_id"], unique=False
    )
    op.create_index(
        op.f("ix_reviewer_presence_seen_at"), "reviewer_presence", ["seen_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reviewer_presence_seen_at"), table_name="reviewer_presence")
    op.drop_index(op.f("ix_reviewer_presence_scene_id"), table_name="reviewer_presence")
    op.drop_table("reviewer_presence")
    with op.batch_alter_table("decision_events") as batch:
        batch.drop_column("actor_source")
        batch.drop_column("role")
        batch.drop_column("reason_code")
