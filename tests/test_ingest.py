"""The inbound log: what it stores of a payload, and that one delivery the database refuses fails alone."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid

import pytest
from sqlalchemy import Text, cast, select, text

from bot.core.clock import FakeClock
from bot.core.errors import WebhookRejectedError
from bot.inbound.ingest import (
    BUSY_SECONDS,
    RUSH_PER_SECOND,
    RUSH_WINDOW_SECONDS,
    InboundLog,
    Load,
    storable_payload,
)
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent

RUSH_COUNT = round(RUSH_PER_SECOND * RUSH_WINDOW_SECONDS)


def test_a_payload_is_stored_without_nul_or_lone_surrogates_and_otherwise_unchanged() -> None:
    payload = {"a\x00": ["x\x00y", {"b": "\ud800z", "n": 1.5, "t": True, "none": None}], "deep": [[["ok"]]]}
    assert storable_payload(payload) == {
        "a": ["xy", {"b": "?z", "n": 1.5, "t": True, "none": None}],
        "deep": [[["ok"]]],
    }


def test_an_infinite_number_is_refused_with_a_400() -> None:
    with pytest.raises(WebhookRejectedError) as caught:
        storable_payload({"data": {"object": {"metadata": {"n": float("inf")}}}})
    assert caught.value.status == 400


async def test_a_delivery_the_database_refuses_does_not_fail_the_ones_committed_with_it(database_url: str) -> None:
    db = Database(database_url)
    log = InboundLog(db, FakeClock())
    try:
        # Recorded together, so they share one batch. A provider name longer than its column stands for any
        # value a database may refuse (PostgreSQL does; SQLite keeps it).
        bad, good = await asyncio.gather(
            log.record("x" * 40, "evt_bad", "charge.succeeded", {}, handled=True),
            log.record("stripe", "evt_good", "charge.succeeded", {}, handled=True),
            return_exceptions=True,
        )
        assert good is True
        async with db.transaction(read_only=True) as session:
            stored = set(await session.scalars(select(InboundEvent.event_id)))
    finally:
        await db.dispose()
    if db.is_sqlite:
        assert bad is True and stored == {"evt_bad", "evt_good"}
    else:
        assert isinstance(bad, Exception) and stored == {"evt_good"}


async def test_a_body_is_stored_as_it_was_sent_and_reads_back_as_its_payload(database_url: str) -> None:
    body = b'{"id": "evt_raw", "type": "charge.succeeded", "data": {"object": {"name": "Ren\\u00e9e \xc3\xa9"}}}'
    db = Database(database_url)
    try:
        stored = await InboundLog(db, FakeClock()).record(
            "stripe", "evt_raw", "charge.succeeded", json.loads(body), handled=True, body=body
        )
        async with db.transaction(read_only=True) as session:
            row = (
                await session.execute(select(InboundEvent.payload, cast(InboundEvent.payload, Text).label("text")))
            ).one()
    finally:
        await db.dispose()
    assert stored is True
    assert row[0] == json.loads(body) and row[0]["data"]["object"]["name"] == "Ren\u00e9e \u00e9"
    if db.is_sqlite:  # PostgreSQL keeps jsonb, its own form of the same JSON
        assert row[1] == body.decode()


async def test_a_body_escaping_nul_or_half_a_surrogate_pair_is_stored_cleaned(database_url: str) -> None:
    body = b'{"id": "evt_nul", "name": "a\\u0000b\\ud800c"}'
    db = Database(database_url)
    try:
        await InboundLog(db, FakeClock()).record(
            "stripe", "evt_nul", "charge.succeeded", json.loads(body), handled=True, body=body
        )
        async with db.transaction(read_only=True) as session:
            payload = await session.scalar(select(InboundEvent.payload))
    finally:
        await db.dispose()
    assert payload == {"id": "evt_nul", "name": "ab?c"}


async def test_a_write_in_one_trip_that_fails_leaves_nothing_behind(sqlite_url: str) -> None:
    # The one-trip write is SQLite's: PostgreSQL has no such path.
    db = Database(sqlite_url)

    def insert_then_fail(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE inbound_events SET attempts = 99")
        connection.execute(
            "INSERT INTO inbound_events (provider, event_id, event_type, payload, status, attempts, received_at) "
            "VALUES ('stripe', 'evt_half', 'charge.succeeded', '{}', 'pending', 0, '2026-12-03 10:00:00')"
        )
        raise RuntimeError("the batch fails half way")

    try:
        with pytest.raises(RuntimeError):
            await db.sqlite_write(insert_then_fail, urgent=True)
        await InboundLog(db, FakeClock()).record("stripe", "evt_after", "charge.succeeded", {}, handled=True)
        async with db.transaction(read_only=True) as session:
            stored = list(await session.execute(select(InboundEvent.event_id, InboundEvent.attempts)))
    finally:
        await db.dispose()
    assert [tuple(row) for row in stored] == [("evt_after", 0)]


@pytest.mark.parametrize("in_memory", [False, True], ids=["file", "memory"])
async def test_webhooks_stored_in_one_trip_are_read_back_through_the_pool(sqlite_url: str, in_memory: bool) -> None:
    # A file is written through a connection of the one-trip write's own; a database in memory exists only in
    # the pool's connection, so it is written there.
    db = Database("sqlite+aiosqlite:///:memory:" if in_memory else sqlite_url)
    try:
        await db.migrate()
        log = InboundLog(db, FakeClock())
        stored = await asyncio.gather(
            *(log.record("stripe", f"evt_{n}", "charge.succeeded", {"n": n}, handled=True) for n in range(3))
        )
        again = await log.record("stripe", "evt_1", "charge.succeeded", {"n": 1}, handled=True)
        async with db.transaction(read_only=True) as session:
            ids = list(await session.scalars(select(InboundEvent.event_id).order_by(InboundEvent.id)))
    finally:
        await db.dispose()
    assert (stored, again, ids) == ([True, True, True], False, ["evt_0", "evt_1", "evt_2"])


async def test_a_batch_with_redeliveries_says_which_delivery_stored_each_event(database_url: str) -> None:
    # One batch: a new event, one stored before, and a new one delivered twice. The batch's one insert stores
    # fewer rows than it was given, so it is done again a row at a time to tell the duplicates.
    db = Database(database_url)
    try:
        log = InboundLog(db, FakeClock())
        assert await log.record("stripe", "evt_old", "charge.succeeded", {}, handled=True) is True
        answers = await asyncio.gather(
            *(
                log.record("stripe", event_id, "charge.succeeded", {"n": n}, handled=True)
                for n, event_id in enumerate(["evt_new", "evt_old", "evt_twice", "evt_twice"])
            )
        )
        async with db.transaction(read_only=True) as session:
            ids = list(await session.scalars(select(InboundEvent.event_id).order_by(InboundEvent.id)))
    finally:
        await db.dispose()
    assert answers == [True, False, True, False]
    assert ids == ["evt_old", "evt_new", "evt_twice"]


async def test_a_kept_postgres_connection_the_server_closed_is_replaced_and_the_delivery_stored(
    postgres_url: str,
) -> None:
    # PostgreSQL's webhook writes keep one connection between batches (Database.held_write).
    db = Database(postgres_url)
    run = uuid.uuid4().hex[:8]
    try:
        log = InboundLog(db, FakeClock())
        assert await log.record("stripe", f"evt_{run}_1", "charge.succeeded", {}, handled=True) is True
        kept = await db.held_write(lambda connection: connection.scalar(text("SELECT pg_backend_pid()")))
        async with db.core_transaction() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": kept})
        assert await log.record("stripe", f"evt_{run}_2", "charge.succeeded", {}, handled=True) is True
        again = await db.held_write(lambda connection: connection.scalar(text("SELECT pg_backend_pid()")))
    finally:
        await db.dispose()
    assert again != kept


async def test_the_load_tells_a_rush_from_webhooks_arriving_and_from_none(sqlite_url: str) -> None:
    clock = FakeClock()
    db = Database(sqlite_url)
    log = InboundLog(db, clock)
    seen = [log.load()]
    try:
        await asyncio.gather(
            *(log.record("stripe", f"evt_{n}", "charge.succeeded", {}, handled=True) for n in range(RUSH_COUNT - 1))
        )
        seen.append(log.load())  # one short of a rush
        await log.record("stripe", "evt_last", "charge.succeeded", {}, handled=True)
        seen.append(log.load())
        clock.advance(RUSH_WINDOW_SECONDS * 1.5)
        seen.append(log.load())  # the rush is over, webhooks still arrived lately
        clock.advance(BUSY_SECONDS)
        seen.append(log.load())
    finally:
        await db.dispose()
    assert seen == [Load.QUIET, Load.BUSY, Load.RUSH, Load.BUSY, Load.QUIET]
