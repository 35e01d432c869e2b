"""SQLite's single writer is handed out in the event loop, webhook acknowledgements first."""

from __future__ import annotations

import asyncio

from bot.storage.db import WriterTurns


async def test_urgent_writers_go_before_background_ones_that_queued_earlier():
    turns = WriterTurns()
    order: list[str] = []
    await turns.acquire(urgent=False)  # the event processor holds the lock

    async def write(name: str, urgent: bool) -> None:
        await turns.acquire(urgent=urgent)
        order.append(name)
        turns.release()

    waiting = [asyncio.create_task(write("outbox", False)), asyncio.create_task(write("webhook", True))]
    await asyncio.sleep(0)
    turns.release()
    await asyncio.gather(*waiting)
    assert order == ["webhook", "outbox"]


async def test_a_waiter_cancelled_while_queued_does_not_keep_the_lock():
    turns = WriterTurns()
    await turns.acquire(urgent=False)
    cancelled = asyncio.create_task(turns.acquire(urgent=True))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    turns.release()
    await asyncio.wait_for(turns.acquire(urgent=False), 1)  # free again
