"""helpdesks: which help desk a ticket came from, its id there, and the last desk state applied

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0015"
# Chained on main's head (0012, the Home tab); a branch merged meanwhile with its own 0013 re-chains this one.
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("source_ref", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("source_assignee", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("source_updated_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("source_updated_at")
        batch_op.drop_column("source_assignee")
        batch_op.drop_column("source_ref")
        batch_op.drop_column("source")
