"""home: the people who opened the App Home tab, the view last published to each, and the owners' chart

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_viewers",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "home_charts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hour", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("figures_hash", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hour"),
    )


def downgrade() -> None:
    op.drop_table("home_charts")
    op.drop_table("home_viewers")
