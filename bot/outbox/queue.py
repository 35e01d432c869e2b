"""Recording what Slack should show, in the same transaction as the change it shows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.records import RedrawPayload, ReplyPayload, ReplyRecord
from bot.storage.models import SlackPlaced
from bot.storage.models.actions import RefundApproval
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.oncall import Alert, MorningDigest
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.sales import Dispute, Payment, SaleDigest
from bot.storage.models.tickets import Ticket


class Subject(StrEnum):
    SALE = "sale"
    TICKET = "ticket"
    DISPUTE = "dispute"
    DIGEST = "digest"
    ALERT = "alert"
    MORNING = "morning"  # the morning digest
    INBOUND = "inbound"  # a stored webhook event: the notice that it was quarantined
    APPROVAL = "approval"  # a big refund waiting for a second owner


SUBJECT_MODELS: dict[str, type[SlackPlaced]] = {
    Subject.SALE: Payment,
    Subject.TICKET: Ticket,
    Subject.DISPUTE: Dispute,
    Subject.DIGEST: SaleDigest,
    Subject.ALERT: Alert,
    Subject.MORNING: MorningDigest,
    Subject.INBOUND: InboundEvent,
    Subject.APPROVAL: RefundApproval,
}


def card_key(subject: str, subject_id: int) -> str:
    return f"{subject}:{subject_id}:card"


def post_card(session: AsyncSession, subject: Subject, subject_id: int, channel: str, now: datetime) -> None:
    _add(
        session, _row(card_key(subject, subject_id), None, channel, OutboxKind.POST_CARD, subject, subject_id, {}, now)
    )


async def post_cards(
    session: AsyncSession, subject: Subject, subject_ids: Sequence[int], channel: str, now: datetime
) -> None:
    """`post_card` for many subjects in one INSERT (a run of new sales), written at once rather than at the flush."""
    if subject_ids:
        kind = OutboxKind.POST_CARD
        rows = [_row(card_key(subject, i), None, channel, kind, subject, i, {}, now) for i in subject_ids]
        await session.execute(insert(cast(Table, OutboxMessage.__table__)), rows)


def reply(
    session: AsyncSession,
    key: str,
    *,
    parent: Subject,
    parent_id: int,
    channel: str,
    text: str,
    now: datetime,
    record: ReplyRecord | None = None,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """A thread reply under `parent`'s card: drawn from `record` when it is sent, or else its text is fixed now,
    because it tells of this moment."""
    payload = ReplyPayload(text, record, blocks).to_json()
    _add(session, _row(key, None, channel, OutboxKind.REPLY, parent, parent_id, payload, now))


def ticket_reply(
    session: AsyncSession,
    key: str,
    ticket_id: int,
    channel: str,
    now: datetime,
    record: ReplyRecord,
) -> None:
    """A reply in a ticket's thread drawn from `record` when it is sent (a message, a warning, a note)."""
    reply(session, key, parent=Subject.TICKET, parent_id=ticket_id, channel=channel, text="", now=now, record=record)


def message_key(message_id: int) -> str:
    """The thread reply that shows a ticket message."""
    return f"ticket-message:{message_id}"


async def is_queued(session: AsyncSession, key: str) -> bool:
    """Whether a message with this key was ever asked for (sent or not)."""
    return await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None


def update_reply(
    session: AsyncSession, reply_key: str, *, parent: Subject, parent_id: int, channel: str, now: datetime
) -> None:
    """Redraw the thread reply recorded under `reply_key` from the records (e.g. a message now shown)."""
    # Never coalesced: each redraw is cheap and draws the records as they are when it is sent.
    key = f"{reply_key}:update:{uuid.uuid4().hex}"
    payload = RedrawPayload(reply_key).to_json()
    _add(session, _row(key, None, channel, OutboxKind.UPDATE_REPLY, parent, parent_id, payload, now))


def alert(
    session: AsyncSession,
    key: str,
    *,
    about: Subject,
    about_id: int,
    channel: str,
    now: datetime,
) -> None:
    """A message of its own in `channel` (on-call), drawn from the records of `about` when it is sent."""
    _add(session, _row(key, None, channel, OutboxKind.ALERT, about, about_id, {}, now))


async def update_card(session: AsyncSession, subject: Subject, subject_id: int, channel: str, now: datetime) -> None:
    """Ask for the card to be redrawn from the records; one waiting request covers any number of changes."""
    # Lock the subject as the outbox does while drawing its card: either the drawing sees this change, or
    # this sees the card already on its way and asks for a redraw.
    if session.get_bind().dialect.name != "sqlite":  # SQLite writers take turns: nothing to lock against
        model = SUBJECT_MODELS[subject]
        await session.execute(select(model.id).where(model.id == subject_id).with_for_update())
    card_status = await session.scalar(
        select(OutboxMessage.status).where(OutboxMessage.dedupe_key == card_key(subject, subject_id))
    )
    if card_status in (OutboxStatus.PENDING, OutboxStatus.FOLDED):
        return  # the card, still to be posted or told in a digest, will be drawn from the records as they are then
    coalesce_key = f"{subject}:{subject_id}:update"
    waiting = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.coalesce_key == coalesce_key, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    if waiting is None:
        key = f"{coalesce_key}:{uuid.uuid4().hex}"
        _add(session, _row(key, coalesce_key, channel, OutboxKind.UPDATE_CARD, subject, subject_id, {}, now))


def _add(session: AsyncSession, row: dict[str, Any]) -> None:
    session.add(OutboxMessage(**row))


def _row(
    key: str,
    coalesce_key: str | None,
    channel: str,
    kind: OutboxKind,
    subject: Subject,
    subject_id: int,
    payload: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "coalesce_key": coalesce_key,
        "channel": channel,
        "kind": kind,
        "subject_type": subject,
        "subject_id": subject_id,
        "payload": payload,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }
