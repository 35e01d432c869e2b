"""The inbound log: what it stores of a payload, and that one delivery the database refuses fails alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.core.errors import WebhookRejectedError
from bot.inbound.ingest import InboundLog, storable_payload
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent


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
