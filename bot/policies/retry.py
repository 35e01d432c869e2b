"""How long to wait before trying an outside service again."""

from __future__ import annotations

import random

MAX_DELAY_SECONDS = 300.0


def retry_delay(attempt: int, *, base: float = 2.0, jitter: random.Random | None = None) -> float:
    """Exponential backoff with ±25% jitter, capped at five minutes: quick after a blip, gentle in an outage.

    The jitter keeps several replicas (or many items) from retrying in lock-step after a shared failure.
    """
    delay = min(MAX_DELAY_SECONDS, base * 2.0 ** max(min(attempt, 20) - 1, 0))
    spread = jitter.uniform(0.75, 1.25) if jitter is not None else random.uniform(0.75, 1.25)  # noqa: S311 - spacing retries, not secrets
    return min(MAX_DELAY_SECONDS, delay * spread)
