"""A found buyer joins the sale: one customer across Stripe, PayPal and tickets, and every card that shows them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.domain import CustomerRef
from bot.integrations.paypal_buyers import Buyer
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment
from bot.storage.store import merge_customers, normalise_email, resolve_customer


async def join_buyer(session: AsyncSession, payment: Payment, buyer: Buyer, channels: Channels, now: datetime) -> None:
    """Record who paid for `payment`, matched by email to the customer the other sources know, and redraw the
    sale's card and its disputes' cards in place."""
    customer = await resolve_customer(
        session,
        CustomerRef(
            email=buyer.email,
            name=buyer.name,
            provider="paypal" if buyer.payer_id else None,
            external_id=buyer.payer_id,
        ),
        now,
    )
    if customer is not None and payment.customer_id != customer.id:
        earlier = await session.get(Customer, payment.customer_id) if payment.customer_id else None
        if earlier is not None and earlier.email is None:
            # The sale's customer was only a PayPal payer id: the buyer's email makes it the known customer.
            await merge_customers(session, keep=customer, drop=earlier)
        elif earlier is None:
            payment.customer_id = customer.id
    payment.payer_email = payment.payer_email or normalise_email(buyer.email)
    payment.payer_name = payment.payer_name or buyer.name
    disputes = list(await session.scalars(select(Dispute).where(Dispute.payment_id == payment.id)))
    for dispute in disputes:
        dispute.customer_id = dispute.customer_id or payment.customer_id
    await session.flush()
    if (sales := channel_for(Topic.SALE, channels)) is not None:
        if payment.digest_id is not None:
            await queue.update_card(session, Subject.DIGEST, payment.digest_id, sales, now)
        else:
            await queue.update_card(session, Subject.SALE, payment.id, sales, now)
    if disputes and (dispute_channel := channel_for(Topic.DISPUTE, channels)) is not None:
        for dispute in disputes:
            await queue.update_card(session, Subject.DISPUTE, dispute.id, dispute_channel, now)
