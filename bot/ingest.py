"""Storing verified webhook deliveries before they are acknowledged, many deliveries to one commit.

A request waits until its event is committed; while one commit is under way the next requests gather
behind it and share the following one, so the database's per-commit cost is paid per batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from bot.clock import Clock
from bot.db import Database
from bot.models import InboundEvent, InboundStatus


class InboundLog:
    def __init__(self, db: Database, clock: Clock, on_stored: Callable[[], None] = lambda: None):
        self.db = db
        self.clock = clock
        self.on_stored = on_stored
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._last_stored = float("-inf")
        self._writer: asyncio.Task[None] | None = None
        dialect = sqlite if db.is_sqlite else postgresql
        self._insert = dialect.insert(InboundEvent).on_conflict_do_nothing(index_elements=["provider", "event_id"])
        self._inserting = self._insert.returning(InboundEvent.provider, InboundEvent.event_id)

    async def record(
        self, provider: str, event_id: str, event_type: str, payload: dict[str, Any], *, handled: bool
    ) -> bool:
        """Return once the event is durably stored: True if by this delivery, False if it was stored before.

        Raise if it could not be stored.
        """
        row = {
            "provider": provider,
            "event_id": event_id,
            "event_type": event_type,
            "payload": payload,
            # An unknown type is kept, so nobody wonders whether it arrived, but not acted on.
            "status": InboundStatus.PENDING if handled else InboundStatus.IGNORED,
            "attempts": 0,
            "received_at": self.clock.now(),
        }
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches(), name="inbound-writer")
        # The commit goes on even if the sender hangs up; only its answer is lost, and it will redeliver.
        return await asyncio.shield(done)

    def busy(self, within_seconds: float = 1.0) -> bool:
        """Whether webhooks were stored within the last `within_seconds`."""
        return self.clock.monotonic() - self._last_stored < within_seconds

    async def first_delivery(self, provider: str, event_id: str, event_type: str) -> bool:
        """Record an event handled on the spot (Slack's); False if it was recorded before, i.e. a retry."""
        row = {
            "provider": provider,
            "event_id": event_id,
            "event_type": event_type,
            "payload": {},
            "status": InboundStatus.APPLIED,
            "attempts": 1,
            "received_at": self.clock.now(),
            "processed_at": self.clock.now(),
        }
        async with self.db.transaction(urgent=True) as session:
            inserted = await session.scalar(self._insert.returning(InboundEvent.id), [row])
        return inserted is not None

    async def _write_batches(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self.db.transaction(urgent=True) as session:
                    result = await session.execute(self._inserting, [row for row, _ in batch])
                    inserted = {(provider, event_id) for provider, event_id in result}
            except Exception as exc:  # every waiting request must hear of it, whatever it was
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for row, done in batch:
                # The first of two deliveries of one event in a batch stored it; the second is the duplicate.
                key = (row["provider"], row["event_id"])
                if not done.done():
                    done.set_result(key in inserted)
                inserted.discard(key)
            self._last_stored = self.clock.monotonic()
            self.on_stored()
