"""actions: people's actions recorded before they run; tickets learn their callback and assignee

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import bot.storage.models

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('actions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=32), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('params', _JSON, nullable=False),
    sa.Column('result', _JSON, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('report', _JSON, nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['actions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_status_not_before', ['status', 'not_before'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_url', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('assignee_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('closed_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
        batch_op.drop_column('assignee_name')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('callback_url')

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actions_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_actions_payment_id'))
        batch_op.drop_index(batch_op.f('ix_actions_parent_id'))
        batch_op.drop_index(batch_op.f('ix_actions_customer_id'))
        batch_op.drop_index('ix_actions_status_not_before')

    op.drop_table('actions')
