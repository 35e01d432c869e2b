"""The owners' 30-day chart in Slack: redrawn when an owner's Home tab is drawn and the figures changed, at most
once an hour, uploaded once (the hour's row is the claim), and shown from Slack's copy by its file id.

Drawing takes a moment (matplotlib's first import most of all), so it never holds up a Home tab: the tab is
published with the chart Slack already has, and published again once a newer one is up."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.chart import month_chart_png
from bot.core.errors import ProviderError
from bot.home.month import month_figures
from bot.home.snapshot import HomeSettings
from bot.integrations.slack import SlackPoster
from bot.storage.db import Database
from bot.storage.models.home import HomeChart

log = logging.getLogger(__name__)


class MonthChart:
    def __init__(self, db: Database, slack: SlackPoster, settings: HomeSettings):
        self.db = db
        self.slack = slack
        self.settings = settings

    async def shown(self) -> str | None:
        """The file id of the newest chart Slack has; None before the first one is uploaded."""
        async with self.db.transaction(read_only=True) as session:
            latest = await self._latest(session)
        return latest.file_id if latest else None

    async def settled(self, now: datetime, *, wait_seconds: float = 20.0, poll_seconds: float = 0.2) -> str | None:
        """The newest chart's file id once this hour's drawing, if one is under way here or on another replica,
        has landed (or given up after `wait_seconds`): what a message that shows the chart should point to."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while loop.time() < deadline:
            async with self.db.transaction(read_only=True) as session:
                drawing = await session.scalar(
                    select(HomeChart.id).where(HomeChart.hour == hour, HomeChart.file_id.is_(None))
                )
            if drawing is None:
                break
            await asyncio.sleep(poll_seconds)
        return await self.shown()

    async def refresh(self, now: datetime) -> bool:
        """Draw and upload a new chart if the figures changed and none was drawn this hour; True if it was."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        async with self.db.transaction(read_only=True) as session:
            latest = await self._latest(session)
            figures = await month_figures(session, now, self.settings.hours.zone, self.settings.currency)
        digest = hashlib.sha256(json.dumps(asdict(figures), default=str).encode()).hexdigest()
        if latest is not None and (latest.figures_hash == digest or latest.hour >= hour):
            return False
        if not await self._claim(hour, now, digest):
            return False  # another replica draws this hour's chart
        png = await asyncio.to_thread(month_chart_png, figures)
        title = f"Last 30 days: sales, refunds and disputes ({figures.currency})"
        try:
            file_id = await self.slack.upload_png("supportbot-last-30-days.png", png, title)
        except ProviderError as exc:
            log.warning("home: uploading the 30-day chart failed (%s); will try again", exc.reason)
            async with self.db.transaction() as session:
                await session.execute(delete(HomeChart).where(HomeChart.hour == hour))
            return False
        async with self.db.transaction() as session:
            await session.execute(update(HomeChart).where(HomeChart.hour == hour).values(file_id=file_id))
        return True

    async def _latest(self, session: AsyncSession) -> HomeChart | None:
        query = select(HomeChart).where(HomeChart.file_id.is_not(None)).order_by(HomeChart.hour.desc()).limit(1)
        return await session.scalar(query)

    async def _claim(self, hour: datetime, now: datetime, digest: str) -> bool:
        try:
            async with self.db.transaction() as session:
                session.add(HomeChart(hour=hour, drawn_at=now, figures_hash=digest))
        except IntegrityError:
            return False
        return True
