"""open and about indexes: open tickets, abusive messages by date, the alerts about a subject, found by index

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 20:00:00

SQLite keeps no statistics: the Home tab grouped every ticket message ever written to find the open tickets'
last ones, and read every message for the abusive ones of the last 90 days, on every change for each viewer;
each customer or team message looked through every open and acknowledged alert for those about its ticket.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_tickets_status", "tickets", ["status"]),
    ("ix_ticket_messages_tone_sent_at", "ticket_messages", ["tone", "sent_at"]),
    ("ix_alerts_about", "alerts", ["about_type", "about_id"]),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
