"""waiting customers and the morning digest: a ticket's response timer, resolved alerts, one digest per opening

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bot.storage.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("respond_by", bot.storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_respond_by"), ["respond_by"], unique=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=300), nullable=True))
    op.create_table(
        "morning_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opening", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("since", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("figures", _JSON, nullable=False),
        sa.Column("slack_channel", sa.String(length=32), nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("opening"),
    )


def downgrade() -> None:
    op.drop_table("morning_digests")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("resolution")
        batch_op.drop_column("resolved_at")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_respond_by"))
        batch_op.drop_column("respond_by")
