"""Applying stored webhook events in the order they arrived; a failing event is retried, never dropped.

Events are not held back behind one another: an event that fails waits for its retry while later ones, about
the same customer or not, are applied. One that can never be applied is quarantined (bot/inbound/quarantine.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Text, cast, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.domain import DomainEvent, SaleSeen
from bot.inbound.apply import Applier
from bot.inbound.ingest import Load
from bot.inbound.quarantine import Verdict, describe, judge_failure, quarantine
from bot.storage.db import Database, DatabaseUnavailableError
from bot.storage.models.inbound import InboundEvent, InboundStatus

log = logging.getLogger(__name__)

Parser = Callable[[dict[str, Any], datetime], Sequence[DomainEvent]]
# What some providers' events need from the provider's API before they can be applied (a help desk's event
# naming only a person's id, say): fetched before the batch's transaction, never while holding it.
LookUp = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
BATCH = 50
# New sales (most of a launch) are applied this many at a time, in a few statements for them all
# (bot/inbound/new_sales.py); a failure among them sends the batch round again event by event, as any failure does.
SALES_AT_ONCE = 25
# On SQLite a batch holds the only write lock. Once a webhook acknowledgement waits for it, the batch ends
# after this much time applying (the acknowledgement waits that long, plus the run of sales under way and the
# commit)...
SLICE_SECONDS = 0.003
# ... but not before this many events are applied, as one run of sales: under a flood of webhooks the batch's
# own reads took longer than the slice (the acknowledgements ran while it waited for them), so every batch
# applied a single event, paying a transaction and its commit for it, and applying drained about ten a second.
MIN_EVENTS_A_BATCH = SALES_AT_ONCE
# Without a webhook waiting, a batch may run this long: each transaction's commit is paid for many events.
BATCH_BUDGET_SECONDS = 0.05
# While webhooks pour in, idle after each batch for this share of the time it took, so applying takes at
# most 1 / (1 + ratio) of the process's core and acknowledgements the rest.
YIELD_RATIO = 3.0
# In a rush (more webhooks than one core can both acknowledge and apply), acknowledging goes first: applying
# keeps a tenth of the time, so it is never starved, and catches up on the backlog once the rush is over.
RUSH_YIELD_RATIO = 9.0
# ... but never longer than this: a batch that took long for another reason (a stalled disk, a thread pool
# that was full, a clock moved on meanwhile) must not stop applying for three times as long.
MAX_YIELD_SECONDS = 0.25
# ... and never shorter than this: events arriving one by one would otherwise be applied one transaction (and
# one commit, holding SQLite's write lock) each; waiting a moment gathers them into fewer, larger batches.
MIN_YIELD_SECONDS = 0.02


def idle_after(batch_seconds: float, load: Load) -> float:
    """How long applying makes way for acknowledgements after a batch that took `batch_seconds`."""
    if load is Load.QUIET:
        return 0.0
    ratio = RUSH_YIELD_RATIO if load is Load.RUSH else YIELD_RATIO
    return min(max(batch_seconds * ratio, MIN_YIELD_SECONDS), MAX_YIELD_SECONDS)


def batch_is_over(taken: int, elapsed: float, *, writer_waiting: bool) -> bool:
    """Whether a batch that applied `taken` events in `elapsed` seconds has had its turn: a short one while a
    webhook waits for the SQLite write lock (it is committed right after), a longer one otherwise, so that the
    cost of a transaction is spread wide; and never before a run of sales, whatever waits."""
    if taken < MIN_EVENTS_A_BATCH:
        return False
    return elapsed > (SLICE_SECONDS if writer_waiting else BATCH_BUDGET_SECONDS)


class EventProcessor:
    def __init__(
        self,
        db: Database,
        applier: Applier,
        parsers: dict[str, Parser],
        clock: Clock,
        *,
        on_applied: Callable[[], None] = lambda: None,
        load: Callable[[], Load] = lambda: Load.QUIET,
        poll_seconds: float = 1.0,
        alert_channel: str | None = None,
        lookups: dict[str, LookUp] | None = None,
    ):
        self.db = db
        self.applier = applier
        self.parsers = parsers
        self.lookups = lookups or {}
        self._looked_up: dict[int, dict[str, Any]] = {}  # by inbound event id, until the event is applied
        self.clock = clock
        self.on_applied = on_applied
        self.load = load
        self.poll_seconds = poll_seconds
        # Where a quarantined event is told (the on-call channel).
        self.alert_channel = alert_channel
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
            started = self.clock.monotonic()
            try:
                applied = await self.process_batch()
            except DatabaseUnavailableError as exc:
                log.warning("events: database unavailable (%s); retrying", exc)
                applied = 0
            if applied:
                self.on_applied()
                # Leave the event loop free part of the time: acknowledging webhooks promptly matters more than
                # applying them sooner, and what is stored is applied anyway once the rush is over.
                if idle := idle_after(self.clock.monotonic() - started, self.load()):
                    await asyncio.sleep(idle)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)

    async def process_batch(self) -> int:
        """Apply due events for a while (see `_time_is_up`); returns how many were settled (applied, or
        quarantined: either may have left messages for the outbox).

        The batch is applied in one go. If any event in it fails, the batch is rolled back and applied again
        with a savepoint per event, so the bad event is set aside for a retry, or quarantined, and spoils no other.
        """
        if self.lookups:
            await self._look_up()
        try:
            return await self._apply_batch(isolate=False)
        except DatabaseUnavailableError:
            raise
        except Exception:
            log.info("events: a batch failed; applying it again event by event")
            return await self._apply_batch(isolate=True)

    async def _look_up(self) -> None:
        """Ask the providers what due events need, outside any transaction; a failed look-up is retried later
        like a failed event (a 429 or 5xx from the provider waits its turn, nothing is lost)."""
        now = self.clock.now()
        async with self.db.transaction(read_only=True) as session:
            due = (
                await session.execute(
                    select(InboundEvent.id, InboundEvent.provider, InboundEvent.payload, InboundEvent.attempts)
                    .where(
                        InboundEvent.status == InboundStatus.PENDING,
                        InboundEvent.provider.in_(list(self.lookups)),
                        or_(InboundEvent.not_before.is_(None), InboundEvent.not_before <= now),
                    )
                    .order_by(InboundEvent.id)
                    .limit(BATCH)
                )
            ).all()
        failures: list[tuple[int, int, BaseException]] = []
        for event_id, provider, payload, attempts in due:
            if event_id in self._looked_up:
                continue
            try:
                self._looked_up[event_id] = await self.lookups[provider](payload)
            except Exception as exc:  # the provider's failure, or a bug: the event waits and is retried
                log.warning("event %d: look-up at %s failed (%s); retrying later", event_id, provider, exc)
                failures.append((event_id, attempts + 1, exc))
        if failures:
            async with self.db.transaction() as session:
                await self._set_aside(session, failures, now)

    async def _apply_batch(self, *, isolate: bool) -> int:
        now = self.clock.now()
        started = self.clock.monotonic()
        failures: list[tuple[int, int, BaseException]] = []
        applied: list[int] = []
        taken = 0
        async with self.db.transaction() as session:
            # Plain rows with the payload as stored text: only the events applied in this batch are parsed.
            due = (
                await session.execute(
                    select(
                        InboundEvent.id,
                        InboundEvent.provider,
                        cast(InboundEvent.payload, Text).label("payload"),
                        InboundEvent.received_at,
                        InboundEvent.attempts,
                    )
                    .where(
                        InboundEvent.status == InboundStatus.PENDING,
                        or_(InboundEvent.not_before.is_(None), InboundEvent.not_before <= now),
                    )
                    .order_by(InboundEvent.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            # Of the events taken so far, not applied yet, with their events' ids: applied together.
            sales: list[tuple[int, SaleSeen]] = []
            for event in due:
                if batch_is_over(taken, self.clock.monotonic() - started, writer_waiting=self.db.writers_waiting):
                    break  # the rest stay pending for the next batch
                taken += 1
                if not isolate:
                    meanings = self._meanings(event)
                    if meanings is None:
                        continue
                    applied.append(event.id)
                    if all(isinstance(meaning, SaleSeen) for meaning in meanings):
                        sales.extend((event.id, meaning) for meaning in meanings if isinstance(meaning, SaleSeen))
                        # A batch that ends (`batch_is_over`) applies what was gathered after the loop.
                        if len(sales) >= SALES_AT_ONCE:
                            await self.applier.apply_sales(session, sales, now)
                            sales = []
                        continue
                    # Anything else goes in its turn: the sales before it first, as they arrived first.
                    await self.applier.apply_sales(session, sales, now)
                    sales = []
                    for meaning in meanings:
                        await self.applier.apply(session, meaning, event.id, now)
                    continue
                try:
                    async with session.begin_nested():
                        if await self._apply_one(session, event, now):
                            applied.append(event.id)
                except DatabaseUnavailableError:
                    raise
                except Exception as exc:
                    log.exception("event %d could not be applied (attempt %d)", event.id, event.attempts + 1)
                    failures.append((event.id, event.attempts + 1, exc))
            await self.applier.apply_sales(session, sales, now)
            if applied:
                await session.execute(
                    update(InboundEvent)
                    .where(InboundEvent.id.in_(applied))
                    .values(status=InboundStatus.APPLIED, processed_at=now)
                )
            retried = await self._set_aside(session, failures, now)
        # What was looked up for an event is spent once the event is applied, or failed: its retry looks again.
        for event in due[:taken]:
            self._looked_up.pop(event.id, None)
        return taken - retried

    async def _set_aside(
        self, session: AsyncSession, failures: list[tuple[int, int, BaseException]], now: datetime
    ) -> int:
        """Quarantine the failures trying again cannot mend, put the others off; returns how many wait a retry."""
        retried = 0
        for event_id, attempts, exc in failures:
            error = f"{type(exc).__name__}: {exc}"
            if judge_failure(exc, attempts) is Verdict.QUARANTINE:
                log.error("event %d quarantined after %d attempt(s): %s", event_id, attempts, describe(exc))
                await quarantine(
                    session,
                    event_id,
                    describe(exc),
                    attempts=attempts,
                    error=error,
                    now=now,
                    channel=self.alert_channel,
                )
                continue
            retried += 1
            await session.execute(
                update(InboundEvent)
                .where(InboundEvent.id == event_id)
                .values(
                    attempts=attempts,
                    error=error[:2000],
                    not_before=now + timedelta(seconds=min(2 ** min(attempts, 12), 3600)),
                )
            )
        return retried

    async def _apply_one(self, session: AsyncSession, event: Row[int, str, str, datetime, int], now: datetime) -> bool:
        """Apply one due event (id, provider, payload text, received_at, attempts); False if it must wait."""
        meanings = self._meanings(event)
        if meanings is None:
            return False
        for meaning in meanings:
            await self.applier.apply(session, meaning, event.id, now)
        return True

    def _meanings(self, event: Row[int, str, str, datetime, int]) -> Sequence[DomainEvent] | None:
        """What a due event tells, parsed from its payload; None if it must wait for its look-up."""
        payload = json.loads(event.payload)
        if event.provider in self.lookups:
            if event.id not in self._looked_up:
                return None  # not looked up yet (it arrived meanwhile, or another replica failed it): next round
            payload = payload | {"lookup": self._looked_up[event.id]}
        return self.parsers[event.provider](payload, event.received_at)
