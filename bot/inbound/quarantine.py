"""Setting aside a stored event that can never be applied, so that it holds up nobody, and saying so once.

An event whose apply fails for a reason that trying again cannot change (a payload no record can hold, values
the database refuses) is quarantined at once; one that fails for a reason we do not know, after MAX_ATTEMPTS
tries. Trouble with the database itself (unreachable, a lost race between replicas) is not the event's fault:
that is retried for as long as it takes, never quarantined.

A quarantined event is counted on /metrics, listed by `supportbot doctor`, and told once in the on-call
channel with its provider's event id, so a person can look it up; `supportbot events retry` puts it back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import PayloadError, ProviderError
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.storage.db import DatabaseUnavailableError
from bot.storage.models import max_length
from bot.storage.models.inbound import InboundEvent, InboundStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# PostgreSQL's SQLSTATE classes: 22 "data exception" (value too long, out of range, bad encoding) is the
# values' fault; 08 connection, 40 transaction rollback (deadlock, serialization), 53 insufficient resources,
# 57 operator intervention (shutdown) and 58 system error are the database's.
_DATA_CLASS = "22"
_TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57", "58"})


class Verdict(StrEnum):
    RETRY = "retry"
    QUARANTINE = "quarantine"


def judge_failure(exc: BaseException, attempts: int) -> Verdict:
    """Whether an event whose apply failed `attempts` times, the last with `exc`, is worth trying again."""
    if is_transient(exc):
        return Verdict.RETRY
    if is_permanent(exc) or attempts >= MAX_ATTEMPTS:
        return Verdict.QUARANTINE
    return Verdict.RETRY


def is_permanent(exc: BaseException) -> bool:
    """Trying again gives the same answer: the event's own content is at fault."""
    if isinstance(exc, PayloadError | OverflowError | UnicodeError):  # OverflowError: SQLite's int beyond 64 bits
        return True
    if isinstance(exc, ProviderError):
        return not exc.retryable
    return isinstance(exc, DBAPIError) and _sqlstate(exc).startswith(_DATA_CLASS)


def is_transient(exc: BaseException) -> bool:
    """The database (or the network) failed, not the event: it will work once they are back."""
    if isinstance(exc, DatabaseUnavailableError | OperationalError | OSError | TimeoutError):
        return True
    if isinstance(exc, ProviderError):
        return exc.retryable
    return isinstance(exc, DBAPIError) and (
        _sqlstate(exc)[:2] in _TRANSIENT_CLASSES or bool(getattr(exc, "connection_invalidated", False))
    )


def describe(exc: BaseException) -> str:
    """One line about the failure, safe to show in Slack: never the SQL parameters, which quote customers."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    first = lines[0] if lines else ""
    name = type(cause).__name__
    if isinstance(exc, PayloadError):
        return f"the payload cannot be used: {exc}"
    if isinstance(exc, DBAPIError):
        return f"the database refused its values: {first or name}"
    return f"{name}: {first}" if first else name


def notice_key(event_id: int) -> str:
    """The on-call message that tells of an event's quarantine."""
    return f"quarantine:{event_id}"


async def quarantine(
    session: AsyncSession,
    event_id: int,
    reason: str,
    *,
    attempts: int,
    error: str,
    now: datetime,
    channel: str | None,
) -> None:
    """Set the event aside and ask for the on-call notice (once, however often it is quarantined again)."""
    limit = max_length(InboundEvent.quarantine_reason)
    await session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id)
        .values(
            status=InboundStatus.QUARANTINED,
            attempts=attempts,
            error=error[:2000],
            quarantined_at=now,
            quarantine_reason=reason if len(reason) <= limit else reason[: limit - 1] + "…",
            not_before=None,
        )
    )
    if channel is None:
        log.error("event %d quarantined, and no on-call channel is set to say so: see `supportbot doctor`", event_id)
        return
    if not await queue.is_queued(session, notice_key(event_id)):
        queue.alert(session, notice_key(event_id), about=Subject.INBOUND, about_id=event_id, channel=channel, now=now)


async def quarantined(session: AsyncSession, limit: int = 20) -> tuple[list[InboundEvent], int]:
    """The quarantined events, oldest first (at most `limit`), and how many there are in all."""
    where = InboundEvent.status == InboundStatus.QUARANTINED
    events = list(await session.scalars(select(InboundEvent).where(where).order_by(InboundEvent.id).limit(limit)))
    if len(events) < limit:
        return events, len(events)
    return events, await session.scalar(select(func.count()).where(where)) or 0


async def release(session: AsyncSession, provider: str, provider_event_id: str, now: datetime) -> bool:
    """Put a quarantined event back to be applied (its cause fixed); False if no such event is quarantined."""
    result = await session.execute(
        update(InboundEvent)
        .where(
            InboundEvent.provider == provider,
            InboundEvent.event_id == provider_event_id,
            InboundEvent.status == InboundStatus.QUARANTINED,
        )
        .values(status=InboundStatus.PENDING, attempts=0, not_before=now, quarantined_at=None, quarantine_reason=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
