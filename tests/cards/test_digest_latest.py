"""A rush digest's "Latest" shows the newest sales first: by when they were paid, and among sales paid in the same
second (all a provider's `created` tells) by when they arrived, whatever order they were applied in.

Sales are applied out of arrival order when one replica lags behind another, or when an event waits for its
retry: here the first two to arrive wait, and the third is applied first, so its payment has the lowest id.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.cards.subjects import digest_figures
from bot.core.clock import FakeClock
from bot.inbound.apply import Applier
from bot.inbound.ingest import InboundLog
from bot.inbound.processor import EventProcessor
from bot.integrations import stripe_webhooks
from bot.policies.routing import Channels
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.sales import Payment, SaleDigest
from tests.builders import stripe_charge, stripe_event

APPLIER = Applier(Channels(sales="C0SALES", support="C0SUPPORT", disputes=None, oncall=None))


async def test_sales_of_one_second_applied_out_of_arrival_order_show_the_newest_arrived_first(db: Database) -> None:
    clock = FakeClock()
    log = InboundLog(db, clock)
    arrived = [
        stripe_event("charge.succeeded", stripe_charge(pi="pi_first", email="ann@example.com")),
        # Refund news that overtook its sale: the sale is recorded from it, one by one (`record_sale`).
        stripe_event("charge.refunded", stripe_charge(pi="pi_second", email="bo@example.com", amount_refunded=100)),
        stripe_event("charge.succeeded", stripe_charge(pi="pi_third", email="cy@example.com")),
    ]
    for one in arrived:
        await log.record("stripe", one["id"], one["type"], one, handled=True)
    work = EventProcessor(db, APPLIER, {"stripe": stripe_webhooks.parse_event}, clock)

    async with db.transaction() as session:  # the first two wait, as if for a retry or another replica
        first_two = select(InboundEvent.id).order_by(InboundEvent.id).limit(2).scalar_subquery()
        waiting = update(InboundEvent).where(InboundEvent.id.in_(first_two))
        await session.execute(waiting.values(not_before=clock.now() + timedelta(seconds=1)))
    assert await work.process_batch() == 1
    clock.advance(1)
    assert await work.process_batch() == 2

    async with db.transaction() as session:
        payments = {p.provider_payment_id: p for p in await session.scalars(select(Payment))}
        assert len({p.paid_at for p in payments.values()}) == 1, "the test needs sales of one second"
        assert payments["pi_third"].id < payments["pi_first"].id < payments["pi_second"].id  # applied out of order
        digest = SaleDigest(channel="C0SALES", opened_at=clock.now(), last_folded_at=clock.now())
        session.add(digest)
        await session.flush()
        await session.execute(update(Payment).values(digest_id=digest.id))
        # A payment no event told of (recorded before arrivals were kept) is the oldest of its second.
        session.add(
            Payment(
                provider="stripe",
                provider_payment_id="pi_before",
                amount_refunded_minor=0,
                paid_at=payments["pi_first"].paid_at,
                digest_id=digest.id,
            )
        )
        await session.flush()
        latest = [p.provider_payment_id for p in (await digest_figures(session, digest.id)).latest]
    assert latest == ["pi_third", "pi_second", "pi_first", "pi_before"]
