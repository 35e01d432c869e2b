"""What the bot already knows about a disputed sale, gathered as evidence: the sale and its receipt, the product,
the customer, and their conversation with the team (as a PDF).

The conversation is read up to the moment the person confirmed the evidence, so a step retried later makes
the same PDF (and the provider, given the same idempotency key, sees the same file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import UsageError
from bot.core.money import format_money
from bot.core.wording import humanise, provider_name
from bot.evidence.conversation_pdf import Conversation, Said, conversation_pdf
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment, Refund
from bot.storage.models.tickets import Ticket, TicketMessage

# A bank's reviewer reads the latest of a long history; older messages are left out, and the PDF says so.
MAX_MESSAGES = 400
_AUTHORS = {"agent": "support", "customer": "customer"}


@dataclass(frozen=True)
class Draft:
    """The evidence as the bot would put it, for a person to read and edit before anything is sent."""

    dispute: Dispute
    payment: Payment | None
    customer: Customer | None
    receipt: str | None
    service_date: str | None
    product: str | None
    refunded: str | None  # what was refunded already, if anything
    tickets: int
    messages: int
    statement: str


async def draft_for(session: AsyncSession, dispute_id: int) -> Draft:
    dispute = await session.get(Dispute, dispute_id)
    if dispute is None:
        raise UsageError("That dispute is no longer on record.")
    payment = await session.get(Payment, dispute.payment_id) if dispute.payment_id else None
    customer = await session.get(Customer, dispute.customer_id) if dispute.customer_id else None
    tickets = await _tickets(session, dispute.customer_id)
    messages = (
        len(list(await session.scalars(select(TicketMessage.id).where(TicketMessage.ticket_id.in_(tickets)))))
        if tickets
        else 0
    )
    refunds = list(await session.scalars(select(Refund).where(Refund.payment_id == payment.id))) if payment else []
    refunded = (
        format_money(sum(r.amount_minor or 0 for r in refunds), payment.currency) if payment and refunds else None
    )
    receipt = receipt_text(payment)
    product = payment.product if payment else None
    return Draft(
        dispute=dispute,
        payment=payment,
        customer=customer,
        receipt=receipt,
        service_date=payment.paid_at.date().isoformat() if payment else None,
        product=product,
        refunded=refunded,
        tickets=len(tickets),
        messages=messages,
        statement=_statement(dispute, payment, customer, messages, refunded),
    )


async def conversation_for(session: AsyncSession, dispute: Dispute, until: datetime) -> bytes | None:
    """The customer's tickets, every message up to `until`, as one PDF; None when there is no ticket."""
    tickets = await _tickets(session, dispute.customer_id)
    if not tickets:
        return None
    customer = await session.get(Customer, dispute.customer_id) if dispute.customer_id else None
    rows = list(
        await session.execute(
            select(TicketMessage, Ticket)
            .join(Ticket, Ticket.id == TicketMessage.ticket_id)
            .where(TicketMessage.ticket_id.in_(tickets), TicketMessage.sent_at <= until)
            .order_by(TicketMessage.sent_at, TicketMessage.id)
        )
    )
    left_out = max(0, len(rows) - MAX_MESSAGES)
    customer_label = (customer.name or customer.email) if customer else None
    said = [
        Said(
            _author(message, customer_label),
            message.sent_at,
            f"[{ticket.subject or ticket.external_id}]\n{message.body}",
        )
        for message, ticket in rows[left_out:]
    ]
    facts = [
        ("Customer", _customer_words(customer)),
        ("Dispute", f"{provider_name(dispute.provider)} {dispute.provider_dispute_id}"),
    ]
    if left_out:
        facts.append(("Note", f"the {left_out} oldest messages are left out; the latest {MAX_MESSAGES} follow"))
    facts.append(("Exported", until.strftime("%Y-%m-%d %H:%M UTC")))
    title = f"Conversation with {customer_label or 'the customer'}"
    return conversation_pdf(Conversation(title, facts, said))


async def _tickets(session: AsyncSession, customer_id: int | None) -> list[int]:
    if customer_id is None:
        return []
    return list(await session.scalars(select(Ticket.id).where(Ticket.customer_id == customer_id).order_by(Ticket.id)))


def receipt_text(payment: Payment | None) -> str | None:
    if payment is None:
        return None
    amount = format_money(payment.amount_minor, payment.currency)
    what = payment.product or "product not named"
    return (
        f"{amount} for {what}, paid {payment.paid_at:%Y-%m-%d %H:%M} UTC through {provider_name(payment.provider)} "
        f"(payment {payment.provider_payment_id})"
    )


def _statement(
    dispute: Dispute, payment: Payment | None, customer: Customer | None, messages: int, refunded: str | None
) -> str:
    who = (customer.name or customer.email) if customer else None
    lines = []
    if payment is not None:
        lines.append(
            f"{who or 'The customer'} bought {payment.product or 'our product'} on {payment.paid_at:%d %B %Y} "
            f"({format_money(payment.amount_minor, payment.currency)}) and received it when the payment completed."
        )
    if refunded:
        lines.append(f"We have refunded {refunded} of it already.")
    if messages:
        lines.append(f"Our conversation with the customer ({messages} messages) is attached.")
    lines.append(f"The dispute's reason is given as: {humanise(dispute.reason) or 'none given'}.")
    return " ".join(lines)


def _author(message: TicketMessage, customer_label: str | None) -> str:
    role = _AUTHORS.get(message.sender, message.sender)
    name = message.author or (customer_label if message.sender == "customer" else None)
    return f"{name} ({role})" if name else role.capitalize()


def _customer_words(customer: Customer | None) -> str:
    if customer is None:
        return "not on record"
    return ", ".join(filter(None, (customer.name, customer.email))) or "not named"
