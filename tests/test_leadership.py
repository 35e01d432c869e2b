"""Replicas on one PostgreSQL database: one leads at a time, the lead passes on when its holder stops or loses its
connection, and replicas started together on a new database create its schema once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.core.clock import FakeClock
from bot.outbox.leadership import Leadership
from bot.storage.db import Database
from tests.processes import new_postgres_database


@pytest.fixture
async def two_replicas(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    first, second = Database(postgres_url), Database(postgres_url)
    yield first, second
    await first.dispose()
    await second.dispose()


async def test_one_leads_and_the_other_takes_over_when_it_stops(two_replicas: tuple[Database, Database]) -> None:
    clock = FakeClock()
    first, second = (Leadership(db, "outbox-test-1", clock.monotonic) for db in two_replicas)
    assert await first.check()
    assert not await second.check()
    assert await first.check()
    await first.release()
    assert not await second.check(), "a standby asks again only after recheck_seconds"
    clock.advance(second.recheck_seconds)
    assert await second.check()
    assert not await first.check()
    await second.release()


async def test_a_leader_whose_session_is_ended_loses_the_lead(two_replicas: tuple[Database, Database]) -> None:
    clock = FakeClock()
    first, second = (Leadership(db, "outbox-test-2", clock.monotonic) for db in two_replicas)
    assert await first.check()
    # What PostgreSQL does when the leader's process dies or its network goes: the session ends, the lock goes.
    async with two_replicas[1].transaction() as session:
        ended = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    assert ended == 1
    assert await second.check()
    clock.advance(first.recheck_seconds)  # the old leader asks its connection again only now and then
    assert not await first.check()
    await second.release()


async def test_a_lead_closed_while_it_is_being_taken_is_not_kept(two_replicas: tuple[Database, Database]) -> None:
    """The outbox asks for the lead on its own loop; a stop that lands while it asks must still free it."""
    clock = FakeClock()
    stopping, standby = (Leadership(db, "outbox-test-3", clock.monotonic) for db in two_replicas)
    asking = asyncio.create_task(stopping.check())
    await asyncio.sleep(0)  # the check is waiting for its connection now
    await stopping.close()
    assert not await asking
    assert await standby.check(), "the closed replica still holds the lead"
    clock.advance(stopping.recheck_seconds)
    assert not await stopping.check()
    await standby.release()


async def test_the_one_process_on_sqlite_always_leads(tmp_path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.storage.db'}")
    try:
        assert await Leadership(db, "outbox", FakeClock().monotonic).check()
    finally:
        await db.dispose()


async def test_replicas_started_together_on_a_new_database_create_the_schema_once(postgres_url: str) -> None:
    async with new_postgres_database() as url:
        replicas = [Database(url) for _ in range(3)]
        try:
            await asyncio.gather(*(db.ensure_schema(create_if_new=True) for db in replicas))
            current, head = await replicas[0].schema_state()
        finally:
            await asyncio.gather(*(db.dispose() for db in replicas))
    assert current == head
