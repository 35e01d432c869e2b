"""What names a customer, and where: every record a request to forget them has to erase or redraw.

Found by their email (in any case) and through what links records to them: their provider identities, the
payments that name that email, those payments' tickets, disputes and alerts, the actions about any of these, and
the raw webhooks that quote the email or one of their ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.erasure import ERASED
from bot.core.errors import UsageError
from bot.outbox.queue import Subject
from bot.storage.models.actions import ActionRecord
from bot.storage.models.customers import Customer, CustomerIdentity
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.oncall import Alert
from bot.storage.models.sales import Dispute, Payment
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.store import normalise_email


class CustomerUnknownError(UsageError):
    """Nothing on record names this email."""


class Traces:
    """What identifies the customer: text that quotes their email or full name, and values equal to their ids."""

    def __init__(self, emails: frozenset[str], names: frozenset[str], ids: frozenset[str]):
        self.emails, self.names, self.ids = emails, names, ids
        patterns = [rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)" for email in emails]
        # A name as a whole phrase only, and not a two-letter one: "Al" would be found in too much.
        patterns += [rf"(?<!\w){re.escape(name)}(?!\w)" for name in names if len(name) >= 3]
        self._quoted = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None
        self._exact = {value.casefold() for value in emails | names}

    def quoted_in(self, text: str | None) -> bool:
        if not text or text == ERASED:
            return False
        return text.casefold() in self._exact or (self._quoted is not None and bool(self._quoted.search(text)))

    def scrub(self, value: Any) -> Any:
        """`value` (JSON) with every string that quotes the customer replaced by the marker."""
        if isinstance(value, str):
            return ERASED if self.quoted_in(value) else value
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        return value

    def found_in(self, value: Any) -> bool:
        """Whether a raw payload is about the customer: it quotes them, or names one of their ids."""
        if isinstance(value, str):
            return value in self.ids or self.quoted_in(value)
        if isinstance(value, list):
            return any(self.found_in(item) for item in value)
        if isinstance(value, dict):
            return any(self.found_in(item) for item in value.values())
        return False


@dataclass
class Footprint:
    """Every record that holds or links to the customer's personal data."""

    customer: Customer | None
    traces: Traces
    payments: list[Payment]
    tickets: list[Ticket]
    messages: list[TicketMessage]
    disputes: list[Dispute]
    alerts: list[Alert]
    actions: list[ActionRecord]
    events: list[InboundEvent]  # applied (or set aside) webhooks that mention them
    events_waiting: int  # webhooks that mention them and are still to be applied

    @property
    def customer_id(self) -> int | None:
        return self.customer.id if self.customer else None

    def summary(self) -> str:
        who = f"customer #{self.customer_id}" if self.customer else "no customer record"
        parts = [
            f"{len(self.payments)} payment(s)",
            f"{len(self.tickets)} ticket(s) with {len(self.messages)} message(s)",
            f"{len(self.actions)} action(s)",
            f"{len(self.events)} webhook(s)",
        ]
        return f"{who}: " + ", ".join(parts)


async def survey(session: AsyncSession, email: str) -> Footprint:
    """The customer's records, found by email (in any case) and through their provider identities."""
    wanted = normalise_email(email)
    if wanted is None:
        raise CustomerUnknownError(f"{email!r} is not an email address.")
    customer = await session.scalar(select(Customer).where(Customer.email == wanted))
    customer_id = customer.id if customer else None
    identities = (
        list(
            await session.scalars(
                select(CustomerIdentity.external_id).where(CustomerIdentity.customer_id == customer_id)
            )
        )
        if customer
        else []
    )
    payments = list(
        await session.scalars(
            select(Payment)
            .where(or_(_is(Payment.customer_id, customer_id), func.lower(Payment.payer_email) == wanted))
            .order_by(Payment.id)
        )
    )
    payment_ids = [p.id for p in payments]
    tickets = list(
        await session.scalars(select(Ticket).where(_is(Ticket.customer_id, customer_id)).order_by(Ticket.id))
    )
    ticket_ids = [t.id for t in tickets]
    messages = list(
        await session.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids)).order_by(TicketMessage.id)
        )
    )
    disputes = list(
        await session.scalars(
            select(Dispute)
            .where(or_(_is(Dispute.customer_id, customer_id), Dispute.payment_id.in_(payment_ids)))
            .order_by(Dispute.id)
        )
    )
    alerts = list(
        await session.scalars(
            select(Alert).where(
                or_(
                    and_(Alert.about_type == Subject.DISPUTE, Alert.about_id.in_([d.id for d in disputes])),
                    and_(Alert.about_type == Subject.TICKET, Alert.about_id.in_(ticket_ids)),
                )
            )
        )
    )
    actions = await _actions(session, customer_id, payment_ids, ticket_ids)
    names = {customer.name if customer else None}
    names |= {p.payer_name for p in payments}
    names |= {m.author for m in messages if m.sender == "customer"}
    ids = set(identities)
    ids |= {p.provider_payment_id for p in payments} | {p.charge_id for p in payments if p.charge_id}
    ids |= {t.external_id for t in tickets} | {d.provider_dispute_id for d in disputes}
    traces = Traces(
        emails=frozenset({wanted} | {normalise_email(p.payer_email) or "" for p in payments} - {""}),
        names=frozenset(name.strip() for name in names if name and name.strip() and name != ERASED),
        ids=frozenset(ids),
    )
    events, waiting = await _events(session, traces)
    if customer is None and not payments and not events and not waiting:
        raise CustomerUnknownError(
            f"No customer or record with the email {wanted} (never known, or already forgotten)."
        )
    return Footprint(customer, traces, payments, tickets, messages, disputes, alerts, actions, events, waiting)


async def _actions(
    session: AsyncSession, customer_id: int | None, payment_ids: list[int], ticket_ids: list[int]
) -> list[ActionRecord]:
    about = or_(
        _is(ActionRecord.customer_id, customer_id),
        ActionRecord.payment_id.in_(payment_ids),
        ActionRecord.ticket_id.in_(ticket_ids),
    )
    actions = list(await session.scalars(select(ActionRecord).where(about).order_by(ActionRecord.id)))
    known = {a.id for a in actions}
    # The steps of a part-ways carry the customer themselves; this catches any that only name their parent.
    steps = await session.scalars(
        select(ActionRecord).where(ActionRecord.parent_id.in_(known), ActionRecord.id.not_in(known))
    )
    return actions + list(steps)


async def _events(session: AsyncSession, traces: Traces) -> tuple[list[InboundEvent], int]:
    """Raw webhooks that mention the customer: a cheap text search first, then an exact look at each match."""
    needles = sorted(traces.emails | traces.ids)
    if not needles:
        return [], 0
    as_text = func.lower(cast(InboundEvent.payload, Text))
    query = select(InboundEvent).where(
        InboundEvent.erased_at.is_(None),
        or_(*(as_text.contains(needle.lower(), autoescape=True) for needle in needles)),
    )
    found, waiting = [], 0
    for event in await session.scalars(query.order_by(InboundEvent.id)):
        if not traces.found_in(event.payload):
            continue
        if event.status == InboundStatus.PENDING:
            waiting += 1  # still to be applied: erasing it would lose the event, not the customer's data
        else:
            found.append(event)
    return found, waiting


def _is(column: Any, value: int | None) -> ColumnElement[bool]:
    # Not `column == None`: that is IS NULL, and would take in every record of no customer.
    return column == value if value is not None else false()
