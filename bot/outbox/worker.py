"""Delivering the outbox to Slack: one paced lane per channel, exactly one message per intent.

An item is claimed (status `sending`, with a lease) and committed before it is drawn and Slack is called, and
marked `sent` with the message's ts after. A process killed in between leaves a `sending` item whose lease
runs out; whoever picks it up next first looks in the channel for a message carrying the item's id in its
metadata, and posts only if there is none.

With several replicas on PostgreSQL, one of them delivers at a time (see bot/outbox/leadership.py) so that together
they keep to Slack's pace; the claims above are what keep any message from going out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, and_, func, or_, select, update

from bot.core.clock import Clock
from bot.core.errors import ProviderError
from bot.core.polling import Polling
from bot.integrations.slack import SlackPoster, SlackRateLimitedError
from bot.outbox import queue
from bot.outbox.drawer import Delivery, Drawer
from bot.outbox.leadership import Leadership
from bot.outbox.pacing import Pacer
from bot.outbox.queue import Subject
from bot.outbox.trouble import DeliveryTrouble
from bot.policies.retry import retry_delay
from bot.policies.routing import DigestRules, SaleDelivery, classify_sale_delivery, is_digest_open
from bot.storage.db import Database, DatabaseUnavailableError
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.sales import Payment, SaleDigest

log = logging.getLogger(__name__)

# The statuses `_due` can pick an item in.
_WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)

WAIT_FOR_PARENT_SECONDS = 1.0


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        slack: SlackPoster,
        clock: Clock,
        drawer: Drawer,
        *,
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        digest_rules: DigestRules | None = None,
        pacer: Pacer | None = None,
        backoff_base: float = 2.0,
        trouble: DeliveryTrouble | None = None,
    ):
        self.db = db
        self.trouble = trouble or DeliveryTrouble(clock.monotonic)
        self.drawer = drawer
        self.slack = slack
        self.clock = clock
        self.owner = uuid.uuid4().hex[:16]
        self.lease = timedelta(seconds=lease_seconds)
        self.digest_rules = digest_rules or DigestRules()
        self.pacer = pacer or Pacer(clock.monotonic)
        self.backoff_base = backoff_base
        self.polling = Polling("outbox", poll_seconds, log)
        # Counts wake-ups, so that a lane that found nothing can tell whether news came while it looked.
        self._wakes = 0
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self.lead = Leadership(db, "outbox", clock.monotonic)
        self._leading = False
        self._open = asyncio.Event()  # cleared while held()
        self._open.set()

    def wake(self) -> None:
        self._wakes += 1
        self.polling.wake()

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Deliver nothing while the block runs, then catch up on everything queued meanwhile.

        For a caller that wants the outbox to see a batch of changes as one: the demo's story has a launch's
        sales arrive in one instant, and what Slack shows then must not depend on how fast this machine applied
        them. A lane already delivering an item finishes it first.
        """
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()
            self.wake()

    async def run(self) -> None:
        await self.polling.run(self._start_lanes, on_unavailable=self._lose_lead)

    async def _start_lanes(self) -> None:
        """A lane per channel with messages due, if this replica leads."""
        self._leading = await self.lead.check()
        for channel in await self._due_channels() if self._leading else []:
            lane = self._lanes.get(channel)
            if lane is None or lane.done():
                self._lanes[channel] = asyncio.create_task(self._drain(channel), name=f"outbox:{channel}")

    def _lose_lead(self) -> None:
        self._leading = False  # unsure whether the lead is still ours: the lanes stop after their item

    async def stop(self, grace_seconds: float, cancel_grace_seconds: float) -> None:
        """Let messages in flight land within `grace_seconds`, then cancel them and give them `cancel_grace_seconds`
        to leave; anything left is picked up on the next start."""
        self.polling.stop()
        self._open.set()
        lanes = [lane for lane in self._lanes.values() if not lane.done()]
        if lanes:
            _done, pending = await asyncio.wait(lanes, timeout=grace_seconds)
            for lane in pending:
                lane.cancel()
            if pending:
                # Cancelled work leaves at its next await; one that does not is left to the runtime's own bound.
                await asyncio.wait(pending, timeout=cancel_grace_seconds)
        await self.lead.close()

    async def _due_channels(self) -> list[str]:
        now = self.clock.now()
        async with self.db.transaction(read_only=True) as session:
            rows = await session.scalars(select(OutboxMessage.channel).where(self._due(now)).distinct())
            return list(rows)

    def _due(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now),
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
        )

    async def _drain(self, channel: str) -> None:
        try:
            while True:
                await self._open.wait()
                if self.polling.stopping or not self._leading:  # a replica that lost the lead stops after this item
                    return
                wakes = self._wakes
                item = await self._next(channel)
                if item is None:
                    # An item stored while this lane looked wakes a pass that sees this lane still running and
                    # starts no other: ending now would leave that item to the next poll.
                    if self._wakes != wakes:
                        continue
                    return
                if item.kind == OutboxKind.POST_CARD and item.subject_type == Subject.SALE:
                    if await self._fold_rush(channel):
                        continue
                await self._deliver(item.id)
        except DatabaseUnavailableError as exc:
            log.warning("outbox %s: database unavailable (%s); will retry", channel, exc)
        except Exception:
            log.exception("outbox %s: lane stopped on an unexpected error; it restarts on the next poll", channel)

    async def _next(self, channel: str) -> OutboxMessage | None:
        # The statuses named on their own, for (channel, status, id) to find the channel's waiting items: `_due`'s
        # OR alone had SQLite (without statistics) read every item the channel was ever sent.
        waiting = OutboxMessage.status.in_(_WAITING)
        async with self.db.transaction(read_only=True) as session:
            return await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.channel == channel, waiting, self._due(self.clock.now()))
                .order_by(OutboxMessage.id)
                .limit(1)
            )

    async def _fold_rush(self, channel: str) -> bool:
        """Fold waiting sale cards into a digest when they arrive faster than the channel can show them."""
        now = self.clock.now()
        waiting_sales = (
            OutboxMessage.channel == channel,
            OutboxMessage.kind == OutboxKind.POST_CARD,
            OutboxMessage.subject_type == Subject.SALE,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before <= now,
        )
        async with self.db.transaction() as session:
            backlog = await session.scalar(select(func.count()).where(*waiting_sales)) or 0
            digest = await session.scalar(
                select(SaleDigest).where(SaleDigest.channel == channel).order_by(SaleDigest.id.desc()).limit(1)
            )
            if digest and not is_digest_open(digest.opened_at, digest.last_folded_at, now, self.digest_rules):
                digest = None
            decision = classify_sale_delivery(backlog, digest is not None, self.digest_rules)
            if decision is SaleDelivery.CARD or not backlog:
                return False
            if digest is None:
                digest = SaleDigest(channel=channel, opened_at=now, last_folded_at=now)
                session.add(digest)
                await session.flush()
                queue.post_card(session, Subject.DIGEST, digest.id, channel, now)
            else:
                digest.last_folded_at = now
                await queue.update_card(session, Subject.DIGEST, digest.id, channel, now)
            # Set-based, so a fold of thousands of sales holds the write lock for milliseconds, not seconds.
            folded = list(
                await session.scalars(
                    update(OutboxMessage)
                    .where(*waiting_sales)
                    .values(status=OutboxStatus.FOLDED, sent_at=now)
                    .returning(OutboxMessage.subject_id)
                )
            )
            for start in range(0, len(folded), 500):
                chunk = folded[start : start + 500]
                await session.execute(update(Payment).where(Payment.id.in_(chunk)).values(digest_id=digest.id))
            log.info("outbox %s: %d sales folded into digest %d", channel, len(folded), digest.id)
            return True

    async def _deliver(self, item_id: int) -> None:
        claimed = await self._claim_and_render(item_id)
        if claimed is None:
            return
        item, delivery = claimed
        if delivery.skip or delivery.wait:
            await self._settle_without_call(item, delivery)
            return
        assert delivery.card is not None
        if not await self._wait_for_turn(item, delivery.method):
            return
        try:
            if delivery.method == "update":
                assert delivery.ts is not None
                await self.slack.update(item.channel, delivery.ts, delivery.card, outbox_id=item.id)
                ts = delivery.ts
            else:
                found = None
                if item.maybe_sent:
                    found = await self.slack.find_posted(
                        item.channel, item.id, thread_ts=delivery.thread_ts, since=item.created_at
                    )
                ts = found or await self._post(item, delivery)
        except SlackRateLimitedError as exc:
            self.pacer.bucket(delivery.method, item.channel).pause(exc.retry_after)
            await self._reschedule(item, exc.retry_after, str(exc), maybe_sent=item.maybe_sent, count=False)
            return
        except ProviderError as exc:
            await self._failed_attempt(item, exc)
            return
        await self._mark_sent(item, ts, delivery.content_hash)

    async def _wait_for_turn(self, item: OutboxMessage, method: str) -> bool:
        """Wait for the pace Slack allows; False if the item's lease was lost meanwhile."""
        started = self.clock.monotonic()
        await self.pacer.bucket(method, item.channel).take()
        if self.clock.monotonic() - started < self.lease.total_seconds() / 3:
            return True
        async with self.db.transaction() as session:
            result = await session.execute(self._own(item).values(lease_until=self.clock.now() + self.lease))
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def _post(self, item: OutboxMessage, delivery: Delivery) -> str:
        try:
            assert delivery.card is not None
            return await self.slack.post(item.channel, delivery.card, thread_ts=delivery.thread_ts, outbox_id=item.id)
        except ProviderError as exc:
            # A timeout or a 5xx may come after Slack already posted: the next attempt looks first.
            if exc.retryable and exc.status not in (200, 429):
                item.maybe_sent = True
            raise

    async def _claim_and_render(self, item_id: int) -> tuple[OutboxMessage, Delivery] | None:
        """Claim the item, then draw it. Once the claim is committed, a change to the subject sees the card on
        its way and asks for a redraw, so the drawing may read a snapshot and hold no write lock (SQLite);
        on PostgreSQL it locks the subject row, waiting for a change being applied to commit first."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            item = await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.id == item_id, self._due(now))
                .with_for_update(skip_locked=True)
            )
            if item is None:
                return None  # another worker took it, or it was folded into a digest meanwhile
            if item.status == OutboxStatus.SENDING:
                # The previous holder's lease ran out mid-call: its message may be in Slack already.
                item.maybe_sent = True
            item.status = OutboxStatus.SENDING
            item.lease_owner = self.owner
            item.lease_until = now + self.lease
            item.attempts += 1
        async with self.db.transaction(read_only=True) as session:
            delivery = await self.drawer.render(session, item, now)
        return item, delivery

    async def _settle_without_call(self, item: OutboxMessage, delivery: Delivery) -> None:
        async with self.db.transaction() as session:
            values: dict[str, object]
            if delivery.skip:
                log.debug("outbox %d: no call needed: %s", item.id, delivery.skip)
                values = {
                    "status": OutboxStatus.SUPERSEDED,
                    "last_error": delivery.skip,
                    "sent_at": self.clock.now(),
                }
            else:
                values = {
                    "status": OutboxStatus.PENDING,
                    "attempts": item.attempts - 1,
                    "not_before": self.clock.now() + timedelta(seconds=WAIT_FOR_PARENT_SECONDS),
                }
            await session.execute(self._own(item).values(lease_owner=None, lease_until=None, **values))

    async def _mark_sent(self, item: OutboxMessage, ts: str, content_hash: str | None) -> None:
        async with self.db.transaction() as session:
            result = await session.execute(
                self._own(item).values(
                    status=OutboxStatus.SENT,
                    slack_ts=ts,
                    content_hash=content_hash,
                    sent_at=self.clock.now(),
                    lease_owner=None,
                    lease_until=None,
                    last_error=None,
                )
            )
            self.trouble.delivered(item.channel)
            if result.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("outbox %d: lease lost before recording ts %s", item.id, ts)
                return
            fresh = await session.get_one(OutboxMessage, item.id)
            await self.drawer.record_posted(session, fresh, ts)

    async def _failed_attempt(self, item: OutboxMessage, exc: ProviderError) -> None:
        if not exc.retryable:
            log.error(
                "outbox %d (%s %s %d) failed for good: %s",
                item.id,
                item.kind,
                item.subject_type,
                item.subject_id,
                exc,
            )
            async with self.db.transaction() as session:
                await session.execute(
                    self._own(item).values(
                        status=OutboxStatus.FAILED, last_error=str(exc), lease_owner=None, lease_until=None
                    )
                )
            return
        delay = retry_delay(item.attempts, base=self.backoff_base)
        # Said once per channel and error, then every few minutes, by `trouble`; each attempt only in debug.
        log.debug("outbox %d: attempt %d failed (%s); retrying in %.1f s", item.id, item.attempts, exc, delay)
        self.trouble.failed(item.channel, exc)
        await self._reschedule(item, delay, str(exc), maybe_sent=item.maybe_sent, count=True)

    async def _reschedule(
        self, item: OutboxMessage, delay: float, error: str, *, maybe_sent: bool, count: bool
    ) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                self._own(item).values(
                    status=OutboxStatus.PENDING,
                    not_before=self.clock.now() + timedelta(seconds=delay),
                    attempts=item.attempts if count else item.attempts - 1,
                    maybe_sent=maybe_sent,
                    last_error=error,
                    lease_owner=None,
                    lease_until=None,
                )
            )

    def _own(self, item: OutboxMessage) -> Update:
        """An update that applies only while this worker still holds the item's lease."""
        return update(OutboxMessage).where(
            OutboxMessage.id == item.id,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.lease_owner == self.owner,
        )
