"""continuity scores: how alike an image looks to a reference image, once per pair

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from stage8.db import column_types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "continuity_scores",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("reference_image_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("perceptual", sa.Float(), nullable=False),
        sa.Column("gradient", sa.Float(), nullable=False),
        sa.Column("colour", sa.Float(), nullable=False),
        sa.Column("structure", sa.Float(), nullable=False),
        sa.Column("computed_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_continuity_scores_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_image_id"],
            ["images.id"],
            name=op.f("fk_continuity_scores_reference_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "image_id", "reference_image_id", name=op.f("pk_continuity_scores")
        ),
    )
    op.create_index(
        op.f("ix_continuity_scores_reference_image_id"),
        "continuity_scores",
        ["reference_image_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_continuity_scores_reference_image_id"), table_name="continuity_scores")
    op.drop_table("continuity_scores")
