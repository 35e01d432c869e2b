"""A stopping bot cancels its workers wherever they are, also while a transaction ends: nothing may be logged."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.storage.db import Database


async def test_a_worker_cancelled_while_its_connection_goes_back_to_the_pool_logs_nothing(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The pool resets (rolls back) a connection on its way back, awaiting the driver. A cancellation that lands
    # then made SQLAlchemy log "Exception during reset or similar": a second line in `supportbot socket`'s
    # one-line refusal of an app token, when the refusal came while the workers were still reading.
    caplog.set_level(logging.ERROR, logger="sqlalchemy")
    db = Database(database_url)
    body_done = asyncio.Event()

    @event.listens_for(db.engine.sync_engine, "reset")
    def _cancel_the_worker(_connection: Any, _record: Any, _state: Any) -> None:
        if body_done.is_set() and not worker.done():
            worker.cancel()  # lands at the reset's first await, the rollback

    async def work() -> None:
        async with db.transaction(read_only=True) as session:
            await session.execute(text("SELECT 1"))
            body_done.set()

    worker = asyncio.create_task(work())
    try:
        await asyncio.gather(worker, return_exceptions=True)
        assert worker.cancelled()
        async with db.transaction(read_only=True) as session:  # and the pool still serves
            assert await session.scalar(text("SELECT 1")) == 1
    finally:
        await db.dispose()
    assert [r.getMessage() for r in caplog.records] == []
