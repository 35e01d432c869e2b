"""Keeps each Home tab current: published when a person opens it, and again whenever what it shows changes.

Whoever opened the Home tab is remembered (`home_viewers`); the view is drawn from the database, never from a
cached event, so a restart or a missed wake-up loses nothing: the next pass draws the truth. A pass publishes a
view only when it differs from the last one published (a hash of it, without its "updated at" line), and claims
that change with a conditional update first, so two replicas never publish the same change twice. Wake-ups are
debounced: a burst of sales redraws each Home tab once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.cards.home import home_view
from bot.core.clock import Clock
from bot.core.errors import ProviderError
from bot.home.charts import MonthChart
from bot.home.snapshot import HomeSettings, read_home
from bot.integrations.slack import SlackPoster
from bot.policies.permissions import Role, role_of
from bot.storage.db import Database, DatabaseUnavailableError
from bot.storage.models.home import HomeViewer

log = logging.getLogger(__name__)

# A Home tab nobody has opened for this long is no longer kept current (it is drawn afresh when opened).
KEEP_CURRENT = timedelta(days=14)


class HomePublisher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        slack: SlackPoster,
        settings: HomeSettings,
        *,
        debounce_seconds: float = 2.0,
        refresh_seconds: float = 60.0,
    ):
        self.db = db
        self.clock = clock
        self.slack = slack
        self.settings = settings
        self.debounce_seconds = debounce_seconds
        self.refresh_seconds = refresh_seconds  # times shown ("waiting 2 h 10 min") move even when nothing happens
        self._wakeup = asyncio.Event()
        self.chart = MonthChart(db, slack, settings)
        self._charting: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something a Home tab may show has changed."""
        self._wakeup.set()

    async def opened(self, user_id: str) -> None:
        """`user_id` opened the Home tab: remember them and publish their view now, changed or not."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            viewer = await session.get(HomeViewer, user_id)
            if viewer is None:
                try:
                    async with session.begin_nested():
                        session.add(HomeViewer(user_id=user_id, opened_at=now))
                except IntegrityError:
                    pass  # a second app_home_opened from the same person a moment ago
            else:
                viewer.opened_at = now
                viewer.published_hash = None  # Slack may show an older view: publish whatever it is
        await self.publish(user_id)
        if role_of(user_id, self.settings.owners, self.settings.agents) == Role.OWNER:
            self._redraw_chart()

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.refresh_seconds)
            await asyncio.sleep(self.debounce_seconds)
            self._wakeup.clear()
            try:
                if await self.publish_all() and self.settings.owners:
                    self._redraw_chart()
            except DatabaseUnavailableError as exc:
                log.warning("home: database unavailable (%s); will retry", exc)

    async def publish_all(self) -> int:
        """One pass over everyone who looked lately; returns how many views were published."""
        since = self.clock.now() - KEEP_CURRENT
        async with self.db.transaction(read_only=True) as session:
            users = list(await session.scalars(select(HomeViewer.user_id).where(HomeViewer.opened_at >= since)))
        published = 0
        for user in users:
            published += await self.publish(user)
        return published

    async def publish(self, user_id: str) -> bool:
        """Publish `user_id`'s Home view if it changed since the last one; True if it was published."""
        now = self.clock.now()
        role = role_of(user_id, self.settings.owners, self.settings.agents)
        chart = await self.chart.shown() if role == Role.OWNER else None
        async with self.db.transaction(read_only=True) as session:
            snapshot = await read_home(session, user_id, role, self.settings, now)
            viewer = await session.get(HomeViewer, user_id)
            before = viewer.published_hash if viewer else None
        snapshot = replace(snapshot, chart_file_id=chart)
        view = home_view(snapshot)
        digest = _digest(view)
        if digest == before or not await self._claim(user_id, before, digest, now):
            return False
        try:
            await self.slack.publish_home(user_id, view)
        except ProviderError as exc:
            log.warning("home: publishing %s's Home tab failed (%s); will retry", user_id, exc.reason)
            await self._claim(user_id, digest, before, now)
            return False
        return True

    async def stop(self) -> None:
        if self._charting is not None and not self._charting.done():
            self._charting.cancel()
            await asyncio.gather(self._charting, return_exceptions=True)

    def _redraw_chart(self) -> None:
        """Redraw the owners' chart in the background if it is due; their tabs are published again once it is up."""
        if self._charting is None or self._charting.done():
            self._charting = asyncio.create_task(self._chart_then_wake(), name="home-chart")

    async def _chart_then_wake(self) -> None:
        try:
            if await self.chart.refresh(self.clock.now()):
                self.wake()
        except DatabaseUnavailableError as exc:
            log.warning("home: database unavailable while drawing the chart (%s)", exc)
        except Exception:
            log.exception("home: drawing the 30-day chart failed")

    async def _claim(self, user_id: str, before: str | None, after: str | None, now: datetime) -> bool:
        async with self.db.transaction() as session:
            result = await session.execute(
                update(HomeViewer)
                .where(HomeViewer.user_id == user_id, _is(HomeViewer.published_hash, before))
                .values(published_hash=after, published_at=now)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]


def _is(column: Any, value: str | None) -> Any:
    return column.is_(None) if value is None else column == value


def _digest(view: dict[str, Any]) -> str:
    """What the view shows, less its "updated at" line, which differs every time and means nothing changed."""
    blocks = [block for block in view["blocks"] if not _is_updated_line(block)]
    return hashlib.sha256(json.dumps(blocks, sort_keys=True).encode()).hexdigest()


def _is_updated_line(block: dict[str, Any]) -> bool:
    elements = block.get("elements") or []
    return block.get("type") == "context" and bool(elements) and str(elements[0].get("text", "")).startswith("Updated")
