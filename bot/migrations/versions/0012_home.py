"""home: the people who opened the App Home tab, and the view last published to each

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_viewers",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", bot.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", bot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("home_viewers")
