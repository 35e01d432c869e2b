"""paypal buyer lookups: the durable search for the buyer of a PayPal sale (orders API, then transaction search)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00

Numbered 0013 after main's 0012; other branches may add migrations at the same time: whoever merges re-chains
down_revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "buyer_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=300), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payment_id"),
    )
    op.create_index("ix_buyer_lookups_status_next_at", "buyer_lookups", ["status", "next_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_buyer_lookups_status_next_at", table_name="buyer_lookups")
    op.drop_table("buyer_lookups")
