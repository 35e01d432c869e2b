"""Token buckets that keep the bot under Slack's posting limits, so it rarely meets a 429 at all."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int


# Slack allows about one message a second per channel with short bursts; staying a little under it keeps
# network jitter from turning our last allowed post into its first refused one.
POST_RATE = Rate(per_second=1 / 1.1, burst=2)
# chat.update is Tier 3, about 50 a minute per workspace.
UPDATE_RATE = Rate(per_second=45 / 60, burst=3)


class Bucket:
    def __init__(self, rate: Rate, monotonic: Callable[[], float]):
        self._rate = rate
        self._monotonic = monotonic
        self._tokens = float(rate.burst)
        self._stamp = monotonic()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def delay(self) -> float:
        """Seconds until a token is free (0 when one is)."""
        now = self._monotonic()
        self._tokens = min(self._rate.burst, self._tokens + (now - self._stamp) * self._rate.per_second)
        self._stamp = now
        wait_pause = max(self._paused_until - now, 0.0)
        wait_token = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate.per_second
        return max(wait_pause, wait_token)

    async def take(self) -> None:
        async with self._lock:
            while (wait := self.delay()) > 0:  # noqa: ASYNC110 - waiting for time to pass, not for an event
                await asyncio.sleep(wait)
            self._tokens -= 1

    def pause(self, seconds: float) -> None:
        """Slack said Retry-After: nothing more goes out on this bucket until then, and it restarts empty."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
        self._tokens = 0.0


class Pacer:
    def __init__(self, monotonic: Callable[[], float], post_rate: Rate = POST_RATE, update_rate: Rate = UPDATE_RATE):
        self._monotonic = monotonic
        self._rates = {"post": post_rate, "update": update_rate}
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def bucket(self, method: str, channel: str) -> Bucket:
        # Posting is limited per channel, updating per workspace.
        key = (method, channel if method == "post" else "*")
        if key not in self._buckets:
            self._buckets[key] = Bucket(self._rates[method], self._monotonic)
        return self._buckets[key]
