"""The suite's own time: every date a test shows the bot comes from here, never from the wall clock.

A bot under test runs on a SteadyClock unless the test hands it a FakeClock: the date is fixed (so the suite passes
on any day the wall clock says), while seconds still pass as they really do (so timers, retries and backoff work
without a test having to move the clock by hand). Builders date their payloads at START for the same reason.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bot.core.clock import SystemClock

# Tuesday 24 November 2026, 12:00 UTC: 13:00 in Berlin, inside the test team's business hours.
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def unix(when: datetime) -> int:
    return int(when.timestamp())


class SteadyClock:
    """Starts at `start` and moves with real elapsed time; `advance` jumps ahead like FakeClock.advance."""

    def __init__(self, start: datetime = START):
        self._start = start
        self._origin = time.monotonic()
        self._jumped = 0.0

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic() - self._origin)

    def monotonic(self) -> float:
        return time.monotonic() + self._jumped

    def advance(self, seconds: float) -> None:
        self._jumped += seconds


def serve_process_now() -> int:
    """Now, as a `supportbot serve` process a test started sees it: such a process runs on the machine's clock."""
    return unix(SystemClock().now())
