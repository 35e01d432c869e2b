"""dispute evidence: whether the answer to a dispute is staged, submitted or conceded, and when

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        batch.add_column(sa.Column("evidence_state", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("evidence_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        batch.drop_column("evidence_at")
        batch.drop_column("evidence_state")
