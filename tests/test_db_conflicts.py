"""A transaction PostgreSQL aborts to break a deadlock runs again; any other error does not."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database


async def test_two_transactions_that_deadlock_both_finish(postgres_url: str):
    db = Database(postgres_url)
    holding = {1: asyncio.Event(), 2: asyncio.Event()}
    runs: list[int] = []

    def locking(first: int, second: int):
        async def work(session: AsyncSession) -> int:
            runs.append(first)
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": first})
            holding[first].set()
            await holding[second].wait()
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": second})
            return first

        return work

    try:
        done = await asyncio.wait_for(asyncio.gather(db.run(locking(1, 2)), db.run(locking(2, 1))), timeout=20)
    finally:
        await db.dispose()
    assert list(done) == [1, 2]  # gather answers a list, where typeshed says a tuple
    assert len(runs) == 3  # PostgreSQL aborted exactly one of them, which ran again


async def test_an_error_that_is_not_a_conflict_is_not_retried(postgres_url: str):
    db = Database(postgres_url)
    runs = 0

    async def failing(session: AsyncSession) -> None:
        nonlocal runs
        runs += 1
        await session.execute(text("SELECT 1 / 0"))

    try:
        with pytest.raises(DBAPIError, match="division by zero"):
            await db.run(failing)
    finally:
        await db.dispose()
    assert runs == 1
