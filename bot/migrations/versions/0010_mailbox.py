"""mailbox: how far each IMAP folder has been read, and the Message-IDs that thread mail into tickets

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00

Numbered 0010 because 0009 is taken by another branch; whoever merges re-chains down_revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailbox_marks",
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("folder"),
    )
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("ticket_key", sa.String(length=255), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("subject_key", sa.String(length=500), nullable=True),
        sa.Column("at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", name="uq_mail_messages_message_id"),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index("ix_mail_messages_sender_subject", ["sender", "subject_key", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_messages_ticket_key"), ["ticket_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_messages_ticket_key"))
        batch_op.drop_index("ix_mail_messages_sender_subject")
    op.drop_table("mail_messages")
    op.drop_table("mailbox_marks")
