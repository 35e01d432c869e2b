"""An acknowledged event that can never be applied is quarantined: it holds up nobody, /metrics counts it, the
doctor lists it, the on-call channel is told once with its provider's id; `supportbot events retry` puts it back.
Trouble with the database itself is retried, never quarantined. On SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.core.clock import FakeClock
from bot.core.domain import CustomerRef, DomainEvent, SaleSeen
from bot.doctor import diagnose
from bot.doctor.checks import Status
from bot.fakes.slack import FakeSlack
from bot.inbound.apply import Applier
from bot.inbound.ingest import InboundLog
from bot.inbound.processor import EventProcessor
from bot.inbound.quarantine import MAX_ATTEMPTS, notice_key, release
from bot.policies.routing import Channels
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.outbox import OutboxMessage
from bot.storage.models.sales import Payment
from tests.builders import stripe_charge, stripe_event, ticket_event
from tests.harness import BotUnderTest, alerts, on_call_settings, running_bot, shown, unpaced

SUPPORT, ONCALL = "C0SUPPORT", "C0ONCALL"


@pytest.fixture
async def bot(database_url: str, slack: FakeSlack) -> AsyncIterator[BotUnderTest]:
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced()) as running:
        yield running


async def inbound(db: Database) -> list[InboundEvent]:
    async with db.transaction(read_only=True) as session:
        return list(await session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


async def quarantined_gauge(bot: BotUnderTest) -> float:
    async with bot.http.get(bot.url + "/metrics") as response:
        text = await response.text()
    return next(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "supportbot_inbound_events" and sample.labels == {"status": "quarantined"}
    )


async def test_a_stored_event_that_cannot_be_used_is_quarantined_and_blocks_nobody(
    bot: BotUnderTest, slack: FakeSlack, database_url: str
) -> None:
    # Stored as a release before this one stored it: acknowledged, with half a cent in its amount.
    charge = stripe_charge(pi="pi_half", email="ann@example.com") | {"amount": 4900.5}
    event = stripe_event("charge.succeeded", charge, event_id="evt_half_a_cent")
    await bot.runtime.inbound.record("stripe", event["id"], event["type"], event, handled=True)
    ticket = ticket_event("ticket.created", ticket_id="T-NEXT", message_id="M-1", body="Still waiting for my key")
    status, answer = await bot.tickets(ticket)
    assert status == 200, answer
    await bot.settle()

    bad, good = await inbound(bot.runtime.db)
    assert (bad.status, bad.attempts) == (InboundStatus.QUARANTINED, 1)
    assert bad.quarantined_at is not None
    assert (
        bad.quarantine_reason == "the payload cannot be used: `data.object.amount` is not a whole number of minor units"
    )
    assert good.status == InboundStatus.APPLIED
    [card] = slack.channel_messages(SUPPORT)
    assert "Still waiting for my key" in shown(card)

    [notice] = alerts(slack)
    assert "evt_half_a_cent" in notice.text and "Stripe" in notice.text
    assert "data.object.amount" in shown(notice) and "supportbot events retry stripe evt_half_a_cent" in shown(notice)
    assert await quarantined_gauge(bot) == 1

    checks = {check.name: check for check in await diagnose(on_call_settings(database_url, slack))}
    listed = checks["webhook events"]
    assert listed.status is Status.FAILED
    assert "1 event set aside" in listed.detail and "stripe evt_half_a_cent (charge.succeeded" in listed.detail
    assert "supportbot events retry" in (listed.fix or "")

    # Put back (as `supportbot events retry` does), it is tried again, set aside again, and not told twice.
    async with bot.runtime.db.transaction() as session:
        assert await release(session, "stripe", "evt_half_a_cent", bot.runtime.clock.now())
    bot.runtime.processor.wake()
    await bot.settle()
    [again, _] = await inbound(bot.runtime.db)
    assert again.status == InboundStatus.QUARANTINED
    assert len(alerts(slack)) == 1


async def test_the_notice_escapes_what_the_provider_sent(bot: BotUnderTest, slack: FakeSlack) -> None:
    charge = stripe_charge(pi="pi_mention") | {"amount": 1.5}
    event = stripe_event("charge.succeeded", charge, event_id="evt_<!channel>_<@U0OWNER>")
    await bot.runtime.inbound.record("stripe", event["id"], event["type"], event, handled=True)
    await bot.settle()
    [notice] = alerts(slack)
    for raw in ("<!channel>", "<@U0OWNER>"):
        assert raw not in shown(notice)
    assert "&lt;!channel&gt;" in notice.text


# -- the processor's judgement, driven directly --------------------------------------------------------------


def processor(db: Database, clock: FakeClock, parse: Any) -> EventProcessor:
    channels = Channels(sales="C0SALES", support=SUPPORT, disputes=None, oncall=ONCALL)
    return EventProcessor(db, Applier(channels), {"stripe": parse}, clock, alert_channel=ONCALL)


async def store_one(db: Database, clock: FakeClock, event_id: str = "evt_1") -> None:
    log = InboundLog(db, clock)
    await log.record("stripe", event_id, "charge.succeeded", {"id": event_id}, handled=True)


async def test_values_the_database_refuses_are_quarantined_at_once(db: Database) -> None:
    clock = FakeClock()

    def too_big(_payload: dict[str, Any], at: datetime) -> list[DomainEvent]:
        # A parser that let through more than a BIGINT holds: SQLite and PostgreSQL both refuse it.
        return [SaleSeen(provider="stripe", payment_key="pi_big", at=at, customer=CustomerRef(), amount_minor=2**64)]

    await store_one(db, clock)
    await store_one(db, clock, "evt_2")
    work = processor(db, clock, too_big)
    assert await work.process_batch() == 2
    events = await inbound(db)
    assert [(e.status, e.attempts) for e in events] == [(InboundStatus.QUARANTINED, 1)] * 2
    assert all(e.quarantine_reason and "[parameters" not in e.quarantine_reason for e in events)
    async with db.transaction(read_only=True) as session:
        assert await session.scalar(select(Payment)) is None
        keys = set(await session.scalars(select(OutboxMessage.dedupe_key)))
    assert keys == {notice_key(events[0].id), notice_key(events[1].id)}


async def test_an_unknown_failure_is_retried_then_quarantined_after_the_last_attempt(db: Database) -> None:
    clock = FakeClock()

    def broken(_payload: dict[str, Any], _at: datetime) -> list[DomainEvent]:
        raise RuntimeError("a bug in a parser")

    await store_one(db, clock)
    work = processor(db, clock, broken)
    for attempt in range(1, MAX_ATTEMPTS):
        assert await work.process_batch() == 0
        [event] = await inbound(db)
        assert (event.status, event.attempts) == (InboundStatus.PENDING, attempt)
        clock.advance(3600)
    assert await work.process_batch() == 1
    [event] = await inbound(db)
    assert (event.status, event.attempts) == (InboundStatus.QUARANTINED, MAX_ATTEMPTS)
    assert event.quarantine_reason == "RuntimeError: a bug in a parser"


async def test_a_database_in_trouble_is_retried_for_as_long_as_it_takes(db: Database) -> None:
    clock = FakeClock()

    def locked(_payload: dict[str, Any], _at: datetime) -> list[DomainEvent]:
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    await store_one(db, clock)
    work = processor(db, clock, locked)
    for _ in range(MAX_ATTEMPTS + 3):
        assert await work.process_batch() == 0
        clock.advance(3600)
    [event] = await inbound(db)
    assert (event.status, event.attempts) == (InboundStatus.PENDING, MAX_ATTEMPTS + 3)
