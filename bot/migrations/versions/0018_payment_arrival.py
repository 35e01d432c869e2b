"""payment arrival: the inbound event that first told of a payment, to order sales paid in the same second

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, and left empty for the payments already recorded: they sort as the oldest among sales of a second.
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("first_event_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("first_event_id")
