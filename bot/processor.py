"""Applying stored webhook events in the order they arrived; a failing event is retried, never dropped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from bot.apply import Applier
from bot.clock import Clock
from bot.db import Database, DatabaseUnavailableError
from bot.domain import DomainEvent
from bot.models import InboundEvent, InboundStatus

log = logging.getLogger(__name__)

Parser = Callable[[dict[str, Any], datetime], list[DomainEvent]]
MAX_ATTEMPTS = 12
BATCH = 100


class EventProcessor:
    def __init__(
        self,
        db: Database,
        applier: Applier,
        parsers: dict[str, Parser],
        clock: Clock,
        *,
        on_applied: Callable[[], None] = lambda: None,
        poll_seconds: float = 1.0,
    ):
        self.db = db
        self.applier = applier
        self.parsers = parsers
        self.clock = clock
        self.on_applied = on_applied
        self.poll_seconds = poll_seconds
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    async def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                applied = await self.process_batch()
            except DatabaseUnavailableError as exc:
                log.warning("events: database unavailable (%s); retrying", exc)
                applied = 0
            if applied:
                self.on_applied()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)

    async def process_batch(self) -> int:
        """Apply up to BATCH due events; each in its own savepoint, so one bad event spoils no other."""
        now = self.clock.now()
        failures: list[tuple[int, int, str]] = []
        async with self.db.transaction() as session:
            events = list(
                await session.scalars(
                    select(InboundEvent)
                    .where(
                        InboundEvent.status == InboundStatus.PENDING,
                        or_(InboundEvent.not_before.is_(None), InboundEvent.not_before <= now),
                    )
                    .order_by(InboundEvent.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for event in events:
                event_id, attempts = event.id, event.attempts
                try:
                    async with session.begin_nested():
                        for meaning in self.parsers[event.provider](event.payload, event.received_at):
                            await self.applier.apply(session, meaning, event.id, now)
                        event.status = InboundStatus.APPLIED
                        event.processed_at = now
                except DatabaseUnavailableError:
                    raise
                except Exception as exc:
                    log.exception("event %d could not be applied (attempt %d)", event_id, attempts + 1)
                    failures.append((event_id, attempts + 1, f"{type(exc).__name__}: {exc}"))
            for event_id, attempts, error in failures:
                gave_up = attempts >= MAX_ATTEMPTS
                await session.execute(
                    update(InboundEvent)
                    .where(InboundEvent.id == event_id)
                    .values(
                        attempts=attempts,
                        error=error[:2000],
                        status=InboundStatus.FAILED if gave_up else InboundStatus.PENDING,
                        not_before=now + timedelta(seconds=min(2**attempts, 3600)),
                    )
                )
        return len(events) - len(failures)
