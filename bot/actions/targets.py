"""What a command's argument or a button's value names: a customer, a payment, a ticket or a licence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.modals import Refundable
from bot.core.errors import UsageError, cut, quoted
from bot.outbox.queue import Subject
from bot.policies.refunds import remaining_minor
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment, PaymentProvider
from bot.storage.models.tickets import Ticket, TicketStatus
from bot.storage.store import normalise_email

_STRIPE_PAYMENT = re.compile(r"(pi|ch|py)_[A-Za-z0-9]{6,}")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# What Slack sends for a typed email when the command escapes its text (`should_escape: true` in the manifest).
_ESCAPED_EMAIL = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")

_Model = TypeVar("_Model")


class TargetKind(StrEnum):
    EMAIL = "email"
    PAYMENT = "payment"
    TICKET = "ticket"
    USER = "user"
    OTHER = "other"  # a licence key, or something to look up as a payment or ticket id


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    value: str


def read_target(word: str) -> Target:
    """Classify what a person typed, without the database: the lookups that follow try it where it fits."""
    word = word.strip().strip(",;")
    if escaped := _ESCAPED_EMAIL.fullmatch(word):
        word = escaped.group(1)
    if email := normalise_email(word.removeprefix("mailto:")):
        return Target(TargetKind.EMAIL, email)
    if mention := _MENTION.fullmatch(word):
        return Target(TargetKind.USER, mention.group(1))
    if _STRIPE_PAYMENT.fullmatch(word):
        return Target(TargetKind.PAYMENT, word)
    if word.startswith("#") and word[1:]:
        return Target(TargetKind.TICKET, word[1:])
    return Target(TargetKind.OTHER, word)


@dataclass
class Scope:
    """Everything an action may concern, found from one target: the customer and what is theirs."""

    customer: Customer | None = None
    payment: Payment | None = None
    ticket: Ticket | None = None
    dispute: Dispute | None = None
    card: tuple[Subject, int] | None = None  # where the outcome is told
    label: str = ""
    refundable: list[Refundable] = field(default_factory=list)

    @property
    def email(self) -> str | None:
        return self.customer.email if self.customer else None


async def scope_of_button(session: AsyncSession, value: str) -> Scope:
    """A card's button carries "<subject>:<id>"."""
    subject, _, raw_id = value.partition(":")
    if not raw_id.isdigit() or subject not in (Subject.SALE, Subject.TICKET, Subject.DISPUTE):
        raise UsageError("That button belongs to a card this version of the bot does not know.")
    scope = Scope(card=(Subject(subject), int(raw_id)))
    if subject == Subject.SALE:
        scope.payment = await _get(session, Payment, int(raw_id), "sale")
        scope.customer = await _customer(session, scope.payment.customer_id)
        scope.label = f"payment {scope.payment.provider_payment_id}"
    elif subject == Subject.TICKET:
        scope.ticket = await _get(session, Ticket, int(raw_id), "ticket")
        scope.customer = await _customer(session, scope.ticket.customer_id)
        scope.label = f"ticket {scope.ticket.external_id}"
    else:
        scope.dispute = await _get(session, Dispute, int(raw_id), "dispute")
        scope.customer = await _customer(session, scope.dispute.customer_id)
        scope.payment = await session.get(Payment, scope.dispute.payment_id) if scope.dispute.payment_id else None
        scope.label = f"dispute {scope.dispute.provider_dispute_id}"
    await _fill_refundable(session, scope)
    return scope


async def scope_of_words(session: AsyncSession, target: Target) -> Scope:
    """A command's first argument: an email, a payment id, or a ticket id (ours or the help desk's)."""
    scope = Scope()
    if target.kind == TargetKind.EMAIL:
        scope.customer = await session.scalar(select(Customer).where(Customer.email == target.value))
        if scope.customer is None:
            raise UsageError(f"No customer with the email {cut(target.value)} is on record.")
        scope.label = f"customer {target.value}"
        scope.ticket = await latest_open_ticket(session, scope.customer.id)
    elif target.kind in (TargetKind.PAYMENT, TargetKind.OTHER) and (payment := await _payment(session, target.value)):
        scope.payment = payment
        scope.customer = await _customer(session, payment.customer_id)
        scope.card = (Subject.SALE, payment.id)
        scope.label = f"payment {payment.provider_payment_id}"
    elif target.kind in (TargetKind.TICKET, TargetKind.OTHER) and (ticket := await _ticket(session, target.value)):
        scope.ticket = ticket
        scope.customer = await _customer(session, ticket.customer_id)
        scope.card = (Subject.TICKET, ticket.id)
        scope.label = f"ticket {ticket.external_id}"
    else:
        raise UsageError(
            f"Nothing on record matches {quoted(target.value)}: give an email, a payment id or a ticket id."
        )
    if scope.card is None and scope.ticket is not None:
        scope.card = (Subject.TICKET, scope.ticket.id)
    await _fill_refundable(session, scope)
    return scope


async def latest_open_ticket(session: AsyncSession, customer_id: int) -> Ticket | None:
    return await session.scalar(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status != TicketStatus.CLOSED)
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        .limit(1)
    )


async def _fill_refundable(session: AsyncSession, scope: Scope) -> None:
    """The payments a refund may take: the one named, or the customer's; never one under dispute."""
    if scope.payment is not None and scope.dispute is None:
        candidates = [scope.payment]
    elif scope.customer is not None:
        candidates = list(
            await session.scalars(
                select(Payment).where(Payment.customer_id == scope.customer.id).order_by(Payment.paid_at.desc())
            )
        )
    else:
        candidates = []
    disputed = (
        set(await session.scalars(select(Dispute.payment_id).where(Dispute.payment_id.in_([p.id for p in candidates]))))
        if candidates
        else set()
    )
    for payment in candidates:
        remaining = remaining_minor(payment.amount_minor, payment.amount_refunded_minor)
        if payment.id not in disputed and remaining != 0:
            scope.refundable.append(Refundable(payment, remaining))


async def _payment(session: AsyncSession, ref: str) -> Payment | None:
    # Every provider named, so the key is looked up on its unique index (provider first) rather than by a scan.
    by_key = and_(Payment.provider.in_(list(PaymentProvider)), Payment.provider_payment_id == ref)
    return await session.scalar(select(Payment).where(or_(by_key, Payment.charge_id == ref)).limit(1))


async def _ticket(session: AsyncSession, ref: str) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.external_id == ref))


async def _customer(session: AsyncSession, customer_id: int | None) -> Customer | None:
    return await session.get(Customer, customer_id) if customer_id else None


async def _get(session: AsyncSession, model: type[_Model], item_id: int, what: str) -> _Model:
    found = await session.get(model, item_id)
    if found is None:
        raise UsageError(f"That {what} is no longer on record.")
    return found
