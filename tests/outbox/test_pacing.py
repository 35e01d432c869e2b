from __future__ import annotations

import time

from bot.outbox.pacing import Bucket, Pacer, Rate


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_rate_holds():
    clock = Ticking()
    bucket = Bucket(Rate(per_second=1.0, burst=2), clock)
    assert bucket.delay() == 0
    bucket._tokens -= 1
    bucket._tokens -= 1
    assert bucket.delay() == 1.0
    clock.now += 0.5
    assert bucket.delay() == 0.5
    clock.now += 0.5
    assert bucket.delay() == 0


def test_retry_after_pauses_and_empties_the_bucket():
    clock = Ticking()
    bucket = Bucket(Rate(per_second=1.0, burst=3), clock)
    bucket.pause(30)
    assert bucket.delay() == 30
    clock.now += 30
    assert bucket.delay() == 0


def test_posts_are_paced_per_channel_and_updates_per_workspace():
    pacer = Pacer(Ticking())
    assert pacer.bucket("post", "C1") is not pacer.bucket("post", "C2")
    assert pacer.bucket("update", "C1") is pacer.bucket("update", "C2")


async def test_take_waits_for_a_token():
    bucket = Bucket(Rate(per_second=50.0, burst=1), time.monotonic)
    await bucket.take()
    started = time.monotonic()
    await bucket.take()
    assert time.monotonic() - started >= 0.019
