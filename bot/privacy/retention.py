"""Retention: customer message bodies older than SUPPORTBOT_RETENTION_DAYS are erased, wherever they are kept.

Bodies live in three places: ticket messages (and the words their tone verdicts quote), the parameters of
finished reply actions, and the raw webhooks that brought them. Outbox payloads hold none: a message's thread
reply is drawn from its record when sent. Each pass works in small batches whose WHERE skips what is already
erased, so running it again, or in two processes at once, does nothing twice and costs little.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.action_kinds import Kind
from bot.core.clock import Clock
from bot.core.erasure import ERASED
from bot.privacy.forget import ERASED_PAYLOAD, erased_verdict
from bot.storage.db import Database, DatabaseUnavailableError
from bot.storage.models.actions import ActionRecord, ActionStatus
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.tickets import TicketMessage

log = logging.getLogger(__name__)

BATCH = 500
EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class Purged:
    messages: int = 0
    replies: int = 0
    webhooks: int = 0

    def __add__(self, other: Purged) -> Purged:
        return Purged(self.messages + other.messages, self.replies + other.replies, self.webhooks + other.webhooks)

    @property
    def total(self) -> int:
        return self.messages + self.replies + self.webhooks


async def purge_batch(session: AsyncSession, cutoff: datetime, now: datetime, limit: int = BATCH) -> Purged:
    """Erase up to `limit` bodies of each kind written before `cutoff`, in the caller's transaction."""
    return Purged(
        messages=await _messages(session, cutoff, limit),
        replies=await _replies(session, cutoff, limit),
        webhooks=await _webhooks(session, cutoff, now, limit),
    )


async def _messages(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    due = (
        await session.execute(
            select(TicketMessage.id, TicketMessage.tone_verdict)
            .where(TicketMessage.sent_at < cutoff, TicketMessage.body != ERASED)
            .order_by(TicketMessage.id)
            .limit(limit)
        )
    ).all()
    plain = [row.id for row in due if erased_verdict(row.tone_verdict) == row.tone_verdict]
    purged = 0
    if plain:
        result = await session.execute(
            update(TicketMessage)
            .where(TicketMessage.id.in_(plain), TicketMessage.body != ERASED)
            .values(body=ERASED)
            .execution_options(synchronize_session=False)
        )
        purged += result.rowcount or 0  # type: ignore[attr-defined]
    for row in due:
        verdict = erased_verdict(row.tone_verdict)
        if verdict == row.tone_verdict:
            continue
        # The verdict's reasons quote the message: erased with it (tone, score and flags stay).
        result = await session.execute(
            update(TicketMessage)
            .where(TicketMessage.id == row.id, TicketMessage.body != ERASED)
            .values(body=ERASED, tone_verdict=verdict)
            .execution_options(synchronize_session=False)
        )
        purged += result.rowcount or 0  # type: ignore[attr-defined]
    return purged


async def _replies(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    body = ActionRecord.params["body"].as_string()
    due = (
        await session.execute(
            select(ActionRecord.id, ActionRecord.params)
            .where(
                ActionRecord.kind == Kind.REPLY,
                ActionRecord.status.in_([ActionStatus.SUCCEEDED, ActionStatus.FAILED]),
                ActionRecord.created_at < cutoff,
                body != ERASED,
            )
            .order_by(ActionRecord.id)
            .limit(limit)
        )
    ).all()
    purged = 0
    for row in due:
        result = await session.execute(
            update(ActionRecord)
            .where(ActionRecord.id == row.id, body != ERASED)
            .values(params=row.params | {"body": ERASED})
            .execution_options(synchronize_session=False)
        )
        purged += result.rowcount or 0  # type: ignore[attr-defined]
    return purged


async def _webhooks(session: AsyncSession, cutoff: datetime, now: datetime, limit: int) -> int:
    # Applied or set aside: a webhook still to be applied keeps its payload until it is.
    due = list(
        await session.scalars(
            select(InboundEvent.id)
            .where(
                InboundEvent.erased_at.is_(None),
                InboundEvent.received_at < cutoff,
                InboundEvent.status != InboundStatus.PENDING,
            )
            .order_by(InboundEvent.received_at)
            .limit(limit)
        )
    )
    if not due:
        return 0
    result = await session.execute(
        update(InboundEvent)
        .where(InboundEvent.id.in_(due), InboundEvent.erased_at.is_(None))
        .values(payload=ERASED_PAYLOAD, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


class Retention:
    """Erases old bodies now and then; any number of processes may run one."""

    def __init__(self, db: Database, clock: Clock, days: int, *, every_seconds: float = EVERY_SECONDS):
        if days <= 0:
            raise ValueError("retention needs a number of days above 0")
        self.db = db
        self.clock = clock
        self.days = days
        self.every_seconds = every_seconds

    async def run_once(self) -> Purged:
        """One full pass: batch after batch, each its own short transaction, until nothing old is left."""
        total = Purged()
        while True:
            now = self.clock.now()
            cutoff = now - timedelta(days=self.days)
            batch = await self.db.run(lambda session: purge_batch(session, cutoff, now))  # noqa: B023
            total += batch
            if max(batch.messages, batch.replies, batch.webhooks) < BATCH:
                return total

    async def run(self) -> None:
        while True:
            try:
                purged = await self.run_once()
            except DatabaseUnavailableError as exc:
                log.warning("retention: database unavailable (%s); trying again later", exc)
            else:
                if purged.total:
                    log.info(
                        "retention: erased %d message bodies, %d reply bodies, %d webhook payloads older than %d days",
                        purged.messages,
                        purged.replies,
                        purged.webhooks,
                        self.days,
                    )
            await asyncio.sleep(self.every_seconds)
