"""tone head: the deployment's own tone head, retrained on the team's corrections

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:00:00

Numbered 0014, after main's 0013 (PayPal buyer lookups); whoever merges re-chains down_revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bot.storage.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tone_heads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("base_version", sa.String(length=64), nullable=False),
        sa.Column("fitted_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("newest_correction_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("weights", _JSON, nullable=True),
        sa.Column("evaluation", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tone_heads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tone_heads_base_version"), ["base_version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tone_heads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tone_heads_base_version"))
    op.drop_table("tone_heads")
