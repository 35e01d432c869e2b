"""The workers' loop: a pass at once, another on each wake-up (or when the poll interval ends), a database outage
logged and outlived, and a stop that ends the loop after the pass under way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import pytest

from bot.core.errors import DatabaseUnavailableError
from bot.core.polling import Polling
from tests.waiting import eventually

LOG = logging.getLogger("tests.polling")
HOUR = 3600.0  # a poll interval no test waits out: only wake-ups start passes


async def test_a_pass_runs_at_once_then_on_each_wake_up_and_the_stop_ends_the_loop():
    polling = Polling("test", HOUR, LOG)
    passes = 0

    async def one_pass() -> None:
        nonlocal passes
        passes += 1

    loop = asyncio.create_task(polling.run(one_pass))
    await eventually(lambda: passes == 1)
    polling.wake()
    await eventually(lambda: passes == 2)
    polling.stop()
    await asyncio.wait_for(loop, 5)
    assert passes == 2


async def test_without_wake_ups_the_poll_interval_starts_the_next_pass():
    polling = Polling("test", 0.0, LOG)
    passes = 0

    async def one_pass() -> None:
        nonlocal passes
        passes += 1

    loop = asyncio.create_task(polling.run(one_pass))
    await eventually(lambda: passes >= 3)
    polling.stop()
    await asyncio.wait_for(loop, 5)


async def test_a_wake_up_during_a_pass_means_one_more_pass():
    polling = Polling("test", HOUR, LOG)
    passes, release = 0, asyncio.Event()

    async def one_pass() -> None:
        nonlocal passes
        passes += 1
        if passes == 1:
            await release.wait()

    loop = asyncio.create_task(polling.run(one_pass))
    await eventually(lambda: passes == 1)
    polling.wake()  # work stored while the first pass runs
    release.set()
    await eventually(lambda: passes == 2)
    polling.stop()
    await asyncio.wait_for(loop, 5)


async def test_a_database_outage_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture):
    polling = Polling("the test worker", HOUR, LOG)
    passes, lost = 0, []

    async def one_pass() -> None:
        nonlocal passes
        passes += 1
        if passes == 1:
            raise DatabaseUnavailableError("connection refused")

    with caplog.at_level(logging.WARNING, logger=LOG.name):
        loop = asyncio.create_task(polling.run(one_pass, on_unavailable=lambda: lost.append(passes)))
        await eventually(lambda: passes == 1)
        polling.wake()
        await eventually(lambda: passes == 2)
        polling.stop()
        await asyncio.wait_for(loop, 5)
    assert lost == [1]
    [line] = [r for r in caplog.records if r.name == LOG.name]
    assert line.getMessage() == "the test worker: database unavailable (connection refused); retrying"


async def test_a_stop_before_the_first_pass_runs_none():
    polling = Polling("test", HOUR, LOG)
    polling.stop()
    passes = 0

    def one_pass() -> Awaitable[None]:
        nonlocal passes
        passes += 1  # counted when called, awaited or not
        return asyncio.sleep(0)

    await asyncio.wait_for(polling.run(one_pass), 5)
    assert passes == 0
