"""reviewers: who may use the desk and with which role

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from stage8.db import column_types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('viewer', 'reviewer', 'admin')", name=op.f("ck_reviewers_role")
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_reviewers_email_lower_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewers")),
        sa.UniqueConstraint("email", name=op.f("uq_reviewers_email")),
    )


def downgrade() -> None:
    op.drop_table("reviewers")
