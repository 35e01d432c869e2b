"""tone: each customer message's tone and its corrections; owners' preferences

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bot.storage.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tone", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("tone_verdict", _JSON, nullable=True))
        batch_op.add_column(sa.Column("tone_corrected_by", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("tone_corrected_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "preferences",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("preferences")
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.drop_column("tone_corrected_at")
        batch_op.drop_column("tone_corrected_by")
        batch_op.drop_column("tone_verdict")
        batch_op.drop_column("tone")
