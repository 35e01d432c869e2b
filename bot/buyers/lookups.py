"""The buyer searches' records: started with a sale, claimed one attempt at a time, finished found or given up.

Every function takes the session of the caller's transaction; the PayPal calls happen between a claim and its
outcome, outside any transaction (bot/buyers/worker.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.buyers.join import join_buyer
from bot.cards.text import Mrkdwn, escape
from bot.integrations.paypal_buyers import Buyer
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.buyer_lookup import is_lookup_worth_starting, next_lookup_at
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.models.sales import BuyerLookup, BuyerLookupStatus, Payment


@dataclass(frozen=True)
class Claimed:
    """One attempt, claimed: what to ask PayPal."""

    lookup_id: int
    attempt: int
    capture_id: str
    order_id: str | None
    paid_at: datetime


async def start_lookup(session: AsyncSession, payment: Payment, order_id: str | None, now: datetime) -> bool:
    """Start looking for the buyer of a sale that named none, at once; False if there is nothing to look for."""
    if not is_lookup_worth_starting(payment.provider, payment.payer_email, order_id):
        return False
    if await session.scalar(select(BuyerLookup.id).where(BuyerLookup.payment_id == payment.id)) is not None:
        return False
    session.add(
        BuyerLookup(
            payment_id=payment.id,
            order_id=order_id,
            status=BuyerLookupStatus.PENDING,
            attempts=0,
            next_at=now,
            created_at=now,
        )
    )
    await session.flush()
    return True


async def start_lookups_for_new(
    session: AsyncSession, payments: Sequence[tuple[int, str, str | None, str | None]], now: datetime
) -> None:
    """`start_lookup` for payments just created, none of which can have a search yet, in one INSERT; each is
    (payment id, provider, payer email, order id)."""
    rows = [
        {
            "payment_id": payment_id,
            "order_id": order_id,
            "status": BuyerLookupStatus.PENDING,
            "attempts": 0,
            "next_at": now,
            "created_at": now,
        }
        for payment_id, provider, email, order_id in payments
        if is_lookup_worth_starting(provider, email, order_id)
    ]
    if rows:
        await session.execute(insert(cast(Table, BuyerLookup.__table__)), rows)


async def due_lookups(session: AsyncSession, now: datetime) -> list[int]:
    return list(
        await session.scalars(
            select(BuyerLookup.id)
            .where(BuyerLookup.status == BuyerLookupStatus.PENDING, BuyerLookup.next_at <= now)
            .order_by(BuyerLookup.next_at, BuyerLookup.id)
        )
    )


async def claim(session: AsyncSession, lookup_id: int, now: datetime, lease: timedelta) -> Claimed | None:
    """Take the next attempt of a due search, or None if it is not due or another process took it.

    The claim moves `next_at` past the attempt's longest run, so a process that dies mid-call leaves the search
    to be taken up again once that time has passed.
    """
    lookup = await session.get(BuyerLookup, lookup_id, populate_existing=True)
    if lookup is None or lookup.status != BuyerLookupStatus.PENDING or lookup.next_at is None or lookup.next_at > now:
        return None
    taken = await session.execute(
        update(BuyerLookup)
        .where(
            BuyerLookup.id == lookup_id,
            BuyerLookup.status == BuyerLookupStatus.PENDING,
            BuyerLookup.next_at == lookup.next_at,
        )
        .values(next_at=now + lease)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    payment = await session.get(Payment, lookup.payment_id)
    if payment is None:
        return None
    return Claimed(lookup.id, lookup.attempts + 1, payment.provider_payment_id, lookup.order_id, payment.paid_at)


async def buyer_found(
    session: AsyncSession, claimed: Claimed, buyer: Buyer, source: str, channels: Channels, now: datetime
) -> None:
    """The search is over: join the buyer to the sale and redraw what shows it."""
    lookup = await session.get(BuyerLookup, claimed.lookup_id, populate_existing=True)
    if lookup is None or lookup.status != BuyerLookupStatus.PENDING:
        return
    lookup.status = BuyerLookupStatus.FOUND
    lookup.attempts = claimed.attempt
    lookup.outcome = f"found through the {source}"
    lookup.next_at = None
    lookup.finished_at = now
    payment = await session.get(Payment, lookup.payment_id)
    if payment is not None:
        await join_buyer(session, payment, buyer, channels, now)


async def buyer_not_found(
    session: AsyncSession,
    claimed: Claimed,
    channels: Channels,
    now: datetime,
    *,
    error: str | None = None,
    order_unavailable: bool = False,
    give_up: str | None = None,
) -> bool:
    """This attempt found nobody: schedule the next, or give up (when told to, or when the schedule ends) and say
    so under the sale's card. True if the search was given up."""
    lookup = await session.get(BuyerLookup, claimed.lookup_id, populate_existing=True)
    if lookup is None or lookup.status != BuyerLookupStatus.PENDING:
        return False
    lookup.attempts = claimed.attempt
    lookup.last_error = error[:500] if error else None
    if order_unavailable:
        lookup.order_id = None
    next_at = None if give_up else next_lookup_at(claimed.attempt, now)
    if next_at is not None:
        lookup.next_at = next_at
        return False
    reason = give_up or f"PayPal's transaction search did not show the sale after {claimed.attempt} attempts"
    lookup.status = BuyerLookupStatus.GAVE_UP
    lookup.outcome = reason[:300]
    lookup.next_at = None
    lookup.finished_at = now
    if (channel := channel_for(Topic.SALE, channels)) is not None:
        queue.reply(
            session,
            f"buyer-lookup:{lookup.id}:gave-up",
            parent=Subject.SALE,
            parent_id=lookup.payment_id,
            channel=channel,
            text=gave_up_text(reason),
            now=now,
        )
    return True


def gave_up_text(reason: str) -> Mrkdwn:
    return Mrkdwn(
        f"🔎 *Buyer not found*: {escape(reason)}. The sale stays under \u201cunknown customer\u201d; "
        "PayPal's activity page for it names the buyer."
    )
