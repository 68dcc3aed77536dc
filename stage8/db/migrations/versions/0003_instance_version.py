"""instance version: bumped by every decision, so a stale page cannot overwrite a newer one

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "scene_asset_instances",
        sa.Column("version", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    # batch mode: SQLite drops a column by copying the table.
    with op.batch_alter_table("scene_asset_instances") as batch:
        batch.drop_column("version")
