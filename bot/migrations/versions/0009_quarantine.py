"""quarantine: an inbound event that can never be applied is set aside (why, when, and its on-call notice)

Events that the processor had given up on (status "failed") become quarantined, with their last error as the
reason, so that `supportbot doctor` lists them too. On SQLite, amounts that earlier releases let in but that are
no whole number (a Stripe "amount": 1e400 was kept as infinity, and broke every card of that customer) become
unknown: PostgreSQL never accepted them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slack_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("slack_ts", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("quarantined_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("quarantine_reason", sa.String(length=500), nullable=True))
    op.execute(
        "UPDATE inbound_events SET status = 'quarantined', "
        "quarantined_at = COALESCE(processed_at, not_before, received_at), "
        "quarantine_reason = SUBSTR('failed ' || attempts || ' times; the last error: ' || "
        "COALESCE(error, 'not recorded'), 1, 500) "
        "WHERE status = 'failed'"
    )
    if op.get_bind().dialect.name == "sqlite":
        # An INTEGER column keeps whatever it is given that is not a whole number as REAL (or TEXT).
        for table, column in (("payments", "amount_minor"), ("refunds", "amount_minor"), ("disputes", "amount_minor")):
            op.execute(f"UPDATE {table} SET {column} = NULL WHERE typeof({column}) NOT IN ('integer', 'null')")  # noqa: S608
        op.execute("UPDATE payments SET amount_refunded_minor = 0 WHERE typeof(amount_refunded_minor) != 'integer'")


def downgrade() -> None:
    op.execute("UPDATE inbound_events SET status = 'failed' WHERE status = 'quarantined'")
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_column("quarantine_reason")
        batch_op.drop_column("quarantined_at")
        batch_op.drop_column("slack_ts")
        batch_op.drop_column("slack_channel")
