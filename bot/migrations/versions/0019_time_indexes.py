"""time indexes: what the Home tab, the timers and the digests read by date, found by an index on it

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 19:00:00

SQLite keeps no statistics: a date range on a column without an index read every row of the table, each time a
Home tab was drawn (every change, for each viewer) and every timer pass (each second).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("payments", "paid_at"),
    ("refunds", "refunded_at"),
    ("disputes", "opened_at"),
    ("disputes", "evidence_due_at"),
    ("tickets", "opened_at"),
)


def upgrade() -> None:
    for table, column in _INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(_INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
