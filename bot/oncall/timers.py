"""The bot's timers: escalations of unacknowledged alerts, dispute deadline reminders, customers waiting past
their response target, big refunds nobody approved in time, and the morning digest.

Their state is in the database (an alert's `next_due`, a dispute's `reminded_at`, a ticket's `respond_by`, the
digest's row per opening), never in a sleeping task:
a restart loses nothing, and each step is claimed by a conditional update, so any number of processes may run
this loop and every page or reminder still goes out once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Protocol

from sqlalchemy import select

from bot.actions.approvals import approvals_to_expire, expire
from bot.core.clock import Clock
from bot.core.polling import Polling
from bot.oncall.alerts import OnCall, escalate_due
from bot.oncall.disputes import disputes_to_remind, remind
from bot.oncall.morning_digest import make_digest_if_due, weekly_digest_due
from bot.oncall.waiting import WaitWatch, target_passed, tickets_past_target
from bot.policies.hours import BusinessHours, is_open
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.db import Database, DatabaseUnavailableError
from bot.storage.models.oncall import Alert, AlertStatus

log = logging.getLogger(__name__)


class WeeklyChart(Protocol):
    """The owners' 30-day chart as the week's first digest shows it (home.charts.MonthChart, handed in by the
    runtime: the chart is the Home tab's, and on-call only points to it)."""

    async def refresh(self, now: datetime) -> bool: ...

    async def settled(self, now: datetime) -> str | None: ...


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
        on_actions: Callable[[], None] = lambda: None,
        chart: WeeklyChart | None = None,
    ):
        self.db = db
        self.clock = clock
        self.oncall = oncall
        self.channels = channels
        self.hours = hours
        self.on_work = on_work  # the outbox has something to post
        self.on_actions = on_actions  # an expired refund approval left its refund to be recorded as not done
        self.chart = chart  # the owners' 30-day chart, also shown in the week's first morning digest
        self.watch = WaitWatch(targets or ResponseTargets(), channels, oncall)
        # Stopped by cancelling its task (the runtime does): a pass is a few short transactions, safe to cut.
        self.polling = Polling("timers", poll_seconds, log)

    def wake(self) -> None:
        self.polling.wake()

    async def run(self) -> None:
        await self.polling.run(self.tick)

    async def tick(self) -> int:
        """Take every escalation step, send every reminder and flag every waiting customer now due, and make the
        morning digest if the team just came on duty; returns how many of these this process took.

        Whoever calls it (the loop, the demo, a test), what it took is handed to the outbox at once: a pass that
        left the outbox to find its messages at its next poll could leave them for that whole poll."""
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
            approvals = await approvals_to_expire(session, now)
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
        expired = 0
        for approval_id in approvals:
            expired += await self.db.run(partial(expire, approval_id=approval_id, now=now))
        if expired:
            self.on_actions()
        taken += expired
        if open_now and (digest_channel := channel_for(Topic.MORNING, self.channels)) is not None:
            chart = await self._weekly_chart(now)
            made = await self.db.run(
                lambda s: make_digest_if_due(
                    s, self.hours, digest_channel, self.watch.targets, now, chart_file_id=chart
                )
            )
            taken += made is not None
        if taken:
            self.on_work()
        return taken

    async def _weekly_chart(self, now: datetime) -> str | None:
        """The chart for the week's first digest: redrawn if the figures changed and none was drawn this hour (the
        owners' Home tab may have drawn it already), uploaded once, and shown from Slack's copy."""
        if self.chart is None:
            return None
        async with self.db.transaction(read_only=True) as session:
            if not await weekly_digest_due(session, self.hours, now):
                return None
        try:
            await self.chart.refresh(now)
        except DatabaseUnavailableError:
            raise
        except Exception:  # a chart that cannot be drawn must not hold up the digest itself
            log.exception("timers: drawing the 30-day chart for the morning digest failed")
        return await self.chart.settled(now)
