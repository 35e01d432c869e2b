"""The loop a background worker runs: a pass over what is due, then wait for a wake-up or the poll interval, until
it is stopped.

The wake-up is what makes work prompt (the code that stored it says so); the poll is the fallback that finds work
no wake-up told of: another replica's, a retry come due, a lease run out. A database outage ends neither: the
pass is logged and tried again after the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.core.errors import DatabaseUnavailableError


class Polling:
    def __init__(self, name: str, poll_seconds: float, log: logging.Logger) -> None:
        self.name = name  # in the log line, as people know the worker
        self.poll_seconds = poll_seconds
        self.log = log  # the worker's own, so its lines keep its logger's name
        self.stopping = False
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        """End the loop after the pass under way, if any; the wait in between ends at once."""
        self.stopping = True
        self._wakeup.set()

    async def run(
        self,
        one_pass: Callable[[], Awaitable[object]],
        on_unavailable: Callable[[], None] = lambda: None,
    ) -> None:
        while not self.stopping:
            # Cleared before the pass: a wake-up during it (work stored meanwhile) means one more pass at once.
            self._wakeup.clear()
            try:
                await one_pass()
            except DatabaseUnavailableError as exc:
                self.log.warning("%s: database unavailable (%s); retrying", self.name, exc)
                on_unavailable()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)
