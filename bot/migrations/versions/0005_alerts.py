"""alerts: on-call alerts with their acknowledgement and escalation timer

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bot.storage.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("about_type", sa.String(length=16), nullable=False),
        sa.Column("about_id", sa.Integer(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("paged", _JSON, nullable=False),
        sa.Column("raised_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_due", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("acknowledged_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("slack_channel", sa.String(length=32), nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_alerts_status_next_due", "alerts", ["status", "next_due"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alerts_status_next_due", table_name="alerts")
    op.drop_table("alerts")
