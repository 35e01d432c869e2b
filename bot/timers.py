"""The bot's timers: escalations of unacknowledged alerts, dispute deadline reminders, customers waiting past
their response target, and the morning digest.

Their state is in the database (an alert's `next_due`, a dispute's `reminded_at`, a ticket's `respond_by`, the
digest's row per opening), never in a sleeping task:
a restart loses nothing, and each step is claimed by a conditional update, so any number of processes may run
this loop and every page or reminder still goes out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy import select

from bot.alerts import OnCall, escalate_due
from bot.clock import Clock
from bot.db import Database, DatabaseUnavailableError
from bot.dispute_watch import disputes_to_remind, remind
from bot.models import Alert, AlertStatus
from bot.morning_digest import make_digest_if_due
from bot.policies.hours import BusinessHours, is_open
from bot.policies.oncall import ResponseTargets
from bot.policies.routing import Channels, Topic, channel_for
from bot.waiting_watch import WaitWatch, target_passed, tickets_past_target

log = logging.getLogger(__name__)


class Timers:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        oncall: OnCall,
        channels: Channels,
        hours: BusinessHours,
        on_work: Callable[[], None],
        *,
        targets: ResponseTargets | None = None,
        poll_seconds: float = 5.0,
    ):
        self.db = db
        self.clock = clock
        self.oncall = oncall
        self.channels = channels
        self.hours = hours
        self.on_work = on_work  # the outbox has something to post
        self.watch = WaitWatch(targets or ResponseTargets(), channels, oncall)
        self.poll_seconds = poll_seconds
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            try:
                if await self.tick():
                    self.on_work()
            except DatabaseUnavailableError as exc:
                log.warning("timers: database unavailable (%s); trying again", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)
            self._wakeup.clear()

    async def tick(self) -> int:
        """Take every escalation step, send every reminder and flag every waiting customer now due, and make the
        morning digest if the team just came on duty; returns how many of these this process took."""
        now = self.clock.now()
        open_now = is_open(self.hours, now)
        async with self.db.transaction(read_only=True) as session:
            alerts = list(
                await session.scalars(
                    select(Alert.id).where(Alert.status == AlertStatus.OPEN, Alert.next_due <= now).order_by(Alert.id)
                )
            )
            disputes = await disputes_to_remind(session, now)
            tickets = await tickets_past_target(session, now)
        taken = 0
        if (oncall_channel := self.oncall.channel) is not None:
            for alert_id in alerts:
                taken += await self.db.run(partial(escalate_due, alert_id=alert_id, now=now, channel=oncall_channel))
        channel = channel_for(Topic.DISPUTE, self.channels)
        for dispute_id in disputes:
            taken += await self.db.run(
                partial(remind, dispute_id=dispute_id, now=now, oncall=self.oncall, open_now=open_now, channel=channel)
            )
        for ticket_id in tickets:
            taken += await self.db.run(
                partial(target_passed, ticket_id=ticket_id, watch=self.watch, open_now=open_now, now=now)
            )
        if open_now and (digest_channel := channel_for(Topic.MORNING, self.channels)) is not None:
            made = await self.db.run(
                lambda s: make_digest_if_due(s, self.hours, digest_channel, self.watch.targets, now)
            )
            taken += made is not None
        return taken
