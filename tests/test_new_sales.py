"""A run of sales applied together (bot/inbound/new_sales.py) leaves the records that applying them one by one
leaves, in every case `record_sale` knows: new and returning customers, provider ids, merges, payments told of
twice, sales naming nobody, PayPal buyers to look for. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import FakeClock
from bot.core.domain import CustomerRef, SaleSeen
from bot.inbound.apply import Applier
from bot.inbound.ingest import InboundLog, Load
from bot.inbound.processor import (
    BATCH_BUDGET_SECONDS,
    MAX_YIELD_SECONDS,
    MIN_EVENTS_A_BATCH,
    MIN_YIELD_SECONDS,
    SLICE_SECONDS,
    EventProcessor,
    batch_is_over,
    idle_after,
)
from bot.integrations import stripe_webhooks
from bot.policies.routing import Channels
from bot.storage.db import Database
from bot.storage.models.customers import Customer, CustomerIdentity
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.outbox import OutboxMessage
from bot.storage.models.sales import BuyerLookup, Payment
from tests.builders import stripe_charge, stripe_event
from tests.waiting import eventually

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SALES = "C0SALES"
APPLIER = Applier(Channels(sales=SALES, support="C0SUPPORT", disputes=None, oncall=None), find_buyers=True)


def sale(key: str, *, charge: str | None = None, minutes: int = 0, **customer: str) -> SaleSeen:
    return SaleSeen(
        provider=customer.pop("provider_of_sale", "stripe"),
        payment_key=key,
        at=NOW - timedelta(minutes=minutes),
        customer=CustomerRef(**customer),
        charge_id=charge,
        amount_minor=4900,
        currency="EUR",
        product="Pro licence",
        order_key=customer.pop("order", None) if "order" in customer else None,
    )


# Every case of record_sale, in one run; the comments say which path each takes when applied together.
RUN = [
    sale("pi_1", charge="ch_1", email="Ann@Example.com", name="Ann"),  # new customer
    sale("pi_2", email="ann@example.com", name="Annie"),  # the same customer, planned a moment ago
    sale("pi_3", provider="stripe", external_id="cus_new"),  # new customer known only by provider id
    sale("pi_4", provider="stripe", external_id="cus_new", email="bo@example.com", timezone="Europe/Berlin"),
    sale("pi_1", charge="ch_1", minutes=1),  # the first payment, told of again: completed alone
    sale("pi_5", email="kim@example.com", name="Kim"),  # a stored customer without a name: completed alone
    sale("pi_6", provider="stripe", external_id="cus_x", email="yan@example.com"),  # two stored customers: merged
    sale("pi_7"),  # naming nobody
    sale("pi_8", email="not an email", name="Nobody"),
    sale("pi_9", charge="ch_old"),  # a stored payment found by its charge
    sale("pi_10", email="kim@example.com"),  # the stored customer, as it is now
    sale("pi_11", email="bo@example.com", timezone="Asia/Tokyo"),  # the new customer's timezone changes
]
PAYPAL = [
    SaleSeen(provider="paypal", payment_key="cap_1", at=NOW, customer=CustomerRef(), order_key="ord_1"),
    SaleSeen(provider="paypal", payment_key="cap_2", at=NOW, customer=CustomerRef(email="pat@example.com")),
]


async def stored_before(session: AsyncSession) -> None:
    kim = Customer(email="kim@example.com", name=None, created_at=NOW)
    xavier = Customer(email="xavier@example.com", name="Xavier", created_at=NOW)
    yan = Customer(email="yan@example.com", name=None, created_at=NOW)
    session.add_all([kim, xavier, yan])
    await session.flush()
    session.add(CustomerIdentity(customer_id=xavier.id, provider="stripe", external_id="cus_x"))
    session.add(
        Payment(
            provider="stripe", provider_payment_id="pi_old", charge_id="ch_old", amount_refunded_minor=0, paid_at=NOW
        )
    )


async def records(session: AsyncSession) -> dict[str, Any]:
    """Everything applying sales writes, without the ids a database hands out."""
    await session.flush()
    customers = {
        c.id: (c.email, c.name, c.timezone, c.created_at.replace(tzinfo=None))
        for c in await session.scalars(select(Customer))
    }
    identities = {
        (customers[i.customer_id], i.provider, i.external_id) for i in await session.scalars(select(CustomerIdentity))
    }
    payments = list(await session.scalars(select(Payment).order_by(Payment.id)))
    key = {p.id: p.provider_payment_id for p in payments}
    columns = ["provider", "provider_payment_id", "charge_id", "amount_minor", "currency", "product", "payer_email"]
    columns += ("payer_name", "provider_url", "livemode", "first_event_id")
    sales = [
        (*(getattr(p, name) for name in columns), customers.get(p.customer_id or 0), p.paid_at.replace(tzinfo=None))
        for p in payments
    ]
    outbox = [
        (m.kind, m.subject_type, key[m.subject_id], m.channel, m.status, m.payload, m.dedupe_key.split(":")[0])
        for m in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]
    lookups = {(key[b.payment_id], b.order_id, b.status) for b in await session.scalars(select(BuyerLookup))}
    return {
        "customers": sorted(customers.values(), key=repr),
        "identities": identities,
        "payments": sales,
        "outbox": outbox,
        "lookups": lookups,
    }


class _Undone(Exception):
    pass


async def applied(db: Database, work: Callable[[AsyncSession], Awaitable[None]]) -> dict[str, Any]:
    """The records `work` leaves on top of those stored before, rolled back afterwards."""
    seen: dict[str, Any] = {}
    with pytest.raises(_Undone):
        async with db.transaction() as session:
            await stored_before(session)
            await work(session)
            seen = await records(session)
            raise _Undone
    return seen


# Each sale as told by its own inbound event: the payment it creates keeps that event's id, its place in arrival.
TOLD = list(enumerate(RUN + PAYPAL, start=101))


async def one_by_one(session: AsyncSession) -> None:
    for event_id, one in TOLD:
        await APPLIER.apply(session, one, event_id, NOW)


async def together(session: AsyncSession) -> None:
    await APPLIER.apply_sales(session, TOLD, NOW)


async def test_a_run_of_sales_applied_together_leaves_what_applying_them_one_by_one_leaves(db: Database) -> None:
    expected = await applied(db, one_by_one)
    assert await applied(db, together) == expected
    # The run touched every case: payments told of twice, the stored customer named, two customers merged.
    assert len(expected["payments"]) == 1 + len(RUN) + len(PAYPAL) - 2
    assert ("kim@example.com", "Kim", None, NOW.replace(tzinfo=None)) in expected["customers"]
    assert not any(c[0] == "xavier@example.com" for c in expected["customers"])
    assert (("bo@example.com", None, "Asia/Tokyo", NOW.replace(tzinfo=None)), "stripe", "cus_new") in expected[
        "identities"
    ]
    assert expected["lookups"] == {("cap_1", "ord_1", "pending")}
    # A payment keeps the event that first told of it, whichever path created it; one stored before has none.
    arrivals = {sale[1]: sale[10] for sale in expected["payments"]}
    assert (arrivals["pi_1"], arrivals["pi_5"], arrivals["pi_old"]) == (101, 106, None)


async def test_new_sales_are_written_in_a_few_statements_for_the_whole_run(db: Database) -> None:
    run = [sale(f"pi_{i}", charge=f"ch_{i}", email=f"buyer{i}@example.com", name=f"Buyer {i}") for i in range(20)]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.transaction() as session:
            await APPLIER.apply_sales(session, list(enumerate(run)), NOW)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    async with db.transaction(read_only=True) as session:
        assert len(list(await session.scalars(select(Payment)))) == 20
        cards = list(await session.scalars(select(OutboxMessage.subject_id)))
    assert len(cards) == 20
    # Read the customers and the payments, insert customers, payments and cards: not a few statements per sale.
    writes_and_reads = [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]
    assert len(writes_and_reads) <= 6, "\n".join(writes_and_reads)


# -- through the processor: one batch of stored events -----------------------------------------------------------


async def test_a_batch_keeps_the_events_order_around_the_sales_applied_together(db: Database) -> None:
    clock = FakeClock()
    log = InboundLog(db, clock)
    events = [
        stripe_event("charge.succeeded", stripe_charge(pi="pi_a", email="ann@example.com")),
        stripe_event("charge.refunded", stripe_charge(pi="pi_a", amount_refunded=4900)),
        stripe_event("charge.succeeded", stripe_charge(pi="pi_b", email="bo@example.com")),
        stripe_event("charge.succeeded", stripe_charge(pi="pi_c", email="ann@example.com")),
    ]
    for one in events:
        await log.record("stripe", one["id"], one["type"], one, handled=True)
    work = EventProcessor(db, APPLIER, {"stripe": stripe_webhooks.parse_event}, clock)
    assert await work.process_batch() == len(events)
    async with db.transaction(read_only=True) as session:
        payments = {p.provider_payment_id: p for p in await session.scalars(select(Payment))}
        kinds = [
            (m.kind, m.subject_id) for m in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        statuses = set(await session.scalars(select(InboundEvent.status)))
    # The refund found the sale applied just before it, in the same batch, and its reply came after the sale's card.
    assert payments["pi_a"].amount_refunded_minor == 4900
    assert payments["pi_a"].customer_id == payments["pi_c"].customer_id != payments["pi_b"].customer_id
    a, b, c = payments["pi_a"].id, payments["pi_b"].id, payments["pi_c"].id
    assert kinds == [("post_card", a), ("reply", a), ("post_card", b), ("post_card", c)]
    assert statuses == {InboundStatus.APPLIED}


async def test_a_sale_the_database_refuses_is_quarantined_alone_and_the_rest_of_its_run_is_applied(
    db: Database,
) -> None:
    clock = FakeClock()
    log = InboundLog(db, clock)
    charges = [stripe_charge(pi=f"pi_{i}", email=f"buyer{i}@example.com") for i in range(5)]
    charges[2] |= {"amount": 2**64}  # more than a BIGINT holds: both databases refuse it
    for charge in charges:
        one = stripe_event("charge.succeeded", charge)
        await log.record("stripe", one["id"], one["type"], one, handled=True)
    work = EventProcessor(db, APPLIER, {"stripe": stripe_webhooks.parse_event}, clock, alert_channel="C0ONCALL")
    assert await work.process_batch() == len(charges)
    async with db.transaction(read_only=True) as session:
        stored = list(await session.scalars(select(InboundEvent).order_by(InboundEvent.id)))
        paid = set(await session.scalars(select(Payment.provider_payment_id)))
    assert [e.status for e in stored] == [InboundStatus.APPLIED] * 2 + [InboundStatus.QUARANTINED] + [
        InboundStatus.APPLIED
    ] * 2
    assert paid == {"pi_0", "pi_1", "pi_3", "pi_4"}


async def test_a_batch_that_took_long_holds_applying_up_for_a_moment_only(db: Database) -> None:
    # Under load the processor idles after each batch for a share of the time it took. A batch whose clock moved
    # on by minutes (a stall, or a test's clock set forward while it ran) must not idle for minutes after it.
    clock = FakeClock()
    log = InboundLog(db, clock)

    def busy_while_the_clock_moves_on() -> Load:
        clock.advance(600)
        return Load.BUSY

    work = EventProcessor(
        db,
        APPLIER,
        {"stripe": stripe_webhooks.parse_event},
        clock,
        load=busy_while_the_clock_moves_on,
        poll_seconds=0.05,
    )
    running = asyncio.create_task(work.run())
    try:
        for pi in ("pi_first", "pi_second"):
            one = stripe_event("charge.succeeded", stripe_charge(pi=pi, email=f"{pi}@example.com"))
            await log.record("stripe", one["id"], one["type"], one, handled=True)
            work.wake()

            async def applied(pi: str = pi) -> bool:
                async with db.transaction(read_only=True) as session:
                    return pi in set(await session.scalars(select(Payment.provider_payment_id)))

            await eventually(applied, 5.0, f"{pi} was not applied")
    finally:
        await work.stop()
        await asyncio.wait_for(running, 5.0)


@pytest.mark.parametrize(
    ("batch_seconds", "load", "idle"),
    [
        (0.010, Load.QUIET, 0.0),
        (10.0, Load.QUIET, 0.0),
        # Webhooks arriving: applying idles three times as long as its batch took, within bounds.
        (0.010, Load.BUSY, 0.030),
        (0.001, Load.BUSY, MIN_YIELD_SECONDS),
        (600.0, Load.BUSY, MAX_YIELD_SECONDS),
        # A rush: nine times as long, so acknowledging gets nine tenths of the time, within the same bounds.
        (0.010, Load.RUSH, 0.090),
        (0.001, Load.RUSH, MIN_YIELD_SECONDS),
        (600.0, Load.RUSH, MAX_YIELD_SECONDS),
    ],
)
def test_applying_makes_way_for_acknowledgements_by_how_fast_webhooks_arrive(
    batch_seconds: float, load: Load, idle: float
) -> None:
    assert idle_after(batch_seconds, load) == pytest.approx(idle)


@pytest.mark.parametrize(
    ("taken", "elapsed", "writer_waiting", "over"),
    [
        # A webhook waiting for the write lock ends the batch after a short slice...
        (MIN_EVENTS_A_BATCH, SLICE_SECONDS * 2, True, True),
        (MIN_EVENTS_A_BATCH, SLICE_SECONDS / 2, True, False),
        # ... but not before a run of sales: under a flood the batch's own reads outlast the slice, and a batch
        # of one event paid a whole transaction for it (applying drained about ten events a second).
        (1, SLICE_SECONDS * 100, True, False),
        (MIN_EVENTS_A_BATCH - 1, 1.0, True, False),
        # Nobody waiting: a longer turn, so the transaction's cost is spread over many events.
        (MIN_EVENTS_A_BATCH, SLICE_SECONDS * 2, False, False),
        (MIN_EVENTS_A_BATCH, BATCH_BUDGET_SECONDS * 2, False, True),
        (0, 10.0, False, False),
    ],
)
def test_a_batch_ends_after_its_turn_and_never_before_a_run_of_sales(
    taken: int, elapsed: float, writer_waiting: bool, over: bool
) -> None:
    assert batch_is_over(taken, elapsed, writer_waiting=writer_waiting) is over
