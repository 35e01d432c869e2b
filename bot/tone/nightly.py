"""The nightly retraining of the team's tone head, when people corrected a verdict since the last one.

One replica retrains (the leader, bot/outbox/leadership.py): the work is the same on every replica, minutes of CPU
at most, and its result is a row every replica reads on its next verdict. Whether it is due is decided from the
database (the newest retraining on the shipped model in use, the newest correction) and the injected clock, so
a restart or a change of leader neither skips a night nor retrains twice in one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.outbox.leadership import Leadership
from bot.policies.tone_head import is_retrain_due, last_mark
from bot.storage.db import Database, DatabaseUnavailableError
from bot.tone.retrain import Retrained, describe, latest_retraining, newest_correction_at, retrain

log = logging.getLogger(__name__)

POLL_SECONDS = 60.0


class NightlyRetraining:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: ZoneInfo,
        hour: int,
        *,
        poll_seconds: float = POLL_SECONDS,
        leadership: Leadership | None = None,
    ):
        self.db = db
        self.clock = clock
        self.zone = zone
        self.hour = hour
        self.poll_seconds = poll_seconds
        self.lead = leadership or Leadership(db, "tone-retrain", clock.monotonic)
        self._failed_at_mark: datetime | None = None

    async def tick(self) -> Retrained | None:
        """Retrain now if this replica leads and the night's retraining is due; what it did, or None."""
        if not await self.lead.check():
            return None
        now = self.clock.now()
        mark = last_mark(now, self.zone, self.hour)
        async with self.db.transaction(read_only=True) as session:
            latest = await latest_retraining(session)
            newest = await newest_correction_at(session, until=mark)
        due = is_retrain_due(
            mark,
            last_fit_at=latest.fitted_at if latest else None,
            learnt_through=latest.newest_correction_at if latest else None,
            newest_correction_by_mark=newest,
        )
        if not due or self._failed_at_mark == mark:
            return None
        try:
            retrained = await retrain(self.db, now, trigger="nightly")
        except DatabaseUnavailableError:
            raise
        except Exception:
            # Minutes of CPU that failed once will fail again on the same corrections: not every poll, but the
            # next night (or `supportbot tone-retrain`, which shows the error, once it is fixed).
            self._failed_at_mark = mark
            log.exception("tone retraining failed; the next try is tomorrow night")
            return None
        log.info("tone head retrained on the team's corrections:\n%s", describe(retrained))
        return retrained

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.tick()
                except DatabaseUnavailableError as exc:
                    log.warning("tone retraining: database unavailable (%s); trying again later", exc)
                await asyncio.sleep(self.poll_seconds)
        finally:
            with contextlib.suppress(Exception):
                await self.lead.release()
