"""privacy: when a webhook's raw payload was erased (a forgotten customer, or retention)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_inbound_erased_received", ["erased_at", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_erased_received")
        batch_op.drop_column("erased_at")
