from __future__ import annotations

import random

import pytest

from bot.policies.retry import MAX_DELAY_SECONDS, retry_delay


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 1.5, 2.5), (2, 3.0, 5.0), (5, 24.0, 40.0)])
def test_delay_doubles_each_attempt_within_the_jitter(attempt, low, high):
    delays = [retry_delay(attempt, jitter=random.Random(seed)) for seed in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 1, "replicas must not retry in lock-step"


@pytest.mark.parametrize("attempt", [12, 50, 10_000])
def test_delay_is_capped(attempt):
    assert retry_delay(attempt, jitter=random.Random(1)) <= MAX_DELAY_SECONDS
