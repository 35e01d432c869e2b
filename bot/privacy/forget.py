"""Forgetting a customer on request: their personal data erased from every record, their history still counted.

What stays: the customer's row (as a number) and their payments, refunds, disputes, tickets and messages with
amounts, times, statuses and tones, so that totals, risk and the audit trail still add up. What goes: emails,
names and timezone, the provider ids that linked them to us, message bodies and ticket subjects, the words a
tone verdict quoted, action parameters that quote them (reply bodies, notes, emails), outbox texts that name
them, the raw webhooks that carried any of it, and the personal part of audit records, which sits outside the
hashed part so the chain still verifies. Cards and record-drawn thread replies already in Slack are redrawn
from the erased records; what Slack keeps beyond that is listed by `SLACK_KEEPS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, delete, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.core.errors import UsageError
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.storage.models.actions import ActionRecord, ActionStatus, AuditRecord
from bot.storage.models.customers import Customer, CustomerIdentity
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.mail import MailThreadEntry
from bot.storage.models.oncall import Alert
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.sales import Dispute, Payment, SaleDigest
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.store import normalise_email

ERASED = "[erased]"
# What an erased webhook's payload becomes: the row stays, so a redelivery is still known as one.
ERASED_PAYLOAD = {"erased": ERASED}

# Action parameters that quote or name a person (the same ones the audit trail keeps out of its hashed part).
_PERSONAL_PARAMS = ("email", "body", "note", "retry_of_error", "statement", "access_log")
# How an action's report names what it was about: a card label, often the customer's name or email.
_REPORT_LABELS = ("what", "subject_label")

SLACK_KEEPS = (
    "Slack keeps what the bot cannot redraw: messages people typed in threads, modals and ephemeral answers "
    "already shown, notifications already delivered, message edit history and exports if your workspace keeps "
    "them. Emails already sent and the copies at Stripe, PayPal and the help desk are outside supportbot too."
)


class CustomerUnknownError(UsageError):
    """Nothing on record names this email."""


class CustomerBusyError(UsageError):
    """An action for the customer is under way; erasing now would have it carry erased text out or write anew."""


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


@dataclass
class Erased:
    """What one `forget` changed, by kind of record."""

    customer_id: int | None
    counts: dict[str, int] = field(default_factory=dict)
    redraws: int = 0
    events_waiting: int = 0

    @property
    def anything(self) -> bool:
        return any(self.counts.values())

    def lines(self) -> list[str]:
        done = [f"  {what}: {count}" for what, count in self.counts.items()]
        lines = [f"Erased the personal data of customer #{self.customer_id}:" if self.customer_id else "Erased:"]
        lines += done
        lines.append(f"Slack: {self.redraws} card(s) and thread replies queued to be redrawn without it.")
        if self.events_waiting:
            lines.append(
                f"{self.events_waiting} webhook(s) about them are still to be applied: run forget again once they are."
            )
        lines.append(SLACK_KEEPS)
        return lines


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


async def forget(session: AsyncSession, email: str, now: datetime) -> Erased:
    """Erase the customer's personal data everywhere, in the caller's transaction; audited without the email."""
    found = await survey(session, email)
    unfinished = (ActionStatus.PENDING, ActionStatus.RUNNING, ActionStatus.AWAITING)
    busy = [a for a in found.actions if a.status in unfinished]
    if busy:
        raise CustomerBusyError(
            f"{len(busy)} action(s) for this customer are still under way or waiting for approval "
            f"(e.g. {busy[0].kind}); wait until they finish (or decline the refund), then run forget again."
        )
    erased = Erased(found.customer_id, events_waiting=found.events_waiting)
    counts = erased.counts
    counts["customer"] = _erase_customer(found.customer)
    counts["identities"] = await _erase_identities(session, found.customer_id)
    counts["payments"] = sum(_erase_payment(p) for p in found.payments)
    counts["ticket subjects"] = sum(_erase_subject(t) for t in found.tickets)
    counts["ticket messages"] = sum(_erase_message(m, found.traces) for m in found.messages)
    counts["actions"] = sum(_erase_action(a, found.traces) for a in found.actions)
    outbox = await _outbox_of(session, found)
    counts["outbox messages"] = sum(_erase_outbox(item, found.traces) for item in outbox)
    counts["audit records"] = await _erase_audit(session, found)
    counts["webhooks"] = sum(_erase_event(e, found.traces, now) for e in found.events)
    counts["mail threading records"] = await _erase_mail_threads(session, email, found.tickets)
    await session.flush()
    erased.redraws = await _redraw(session, found, outbox, now)
    entry = audit.Entry(
        actor_id="cli",
        action="forget",
        outcome=audit.Outcome.SUCCEEDED,
        subject=f"customer #{found.customer_id}" if found.customer_id else "a customer without a record",
        customer_id=found.customer_id,
        parameters=dict(counts),
    )
    await audit.append(session, entry, now)
    return erased


async def _erase_mail_threads(session: AsyncSession, email: str, tickets: list[Ticket]) -> int:
    """The support mailbox's record of their mail (address, subject): a new mail from them opens a new ticket."""
    keys = [t.external_id for t in tickets]
    condition = MailThreadEntry.sender == normalise_email(email)
    if keys:
        condition = or_(condition, MailThreadEntry.ticket_key.in_(keys))
    result = await session.execute(delete(MailThreadEntry).where(condition))
    return int(getattr(result, "rowcount", 0) or 0)


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


def _erase_customer(customer: Customer | None) -> int:
    if customer is None or (customer.email is None and customer.name in (None, ERASED) and customer.timezone is None):
        return 0
    customer.email = None  # unique, so no marker: several forgotten customers have none
    customer.name = ERASED
    customer.timezone = None
    return 1


async def _erase_identities(session: AsyncSession, customer_id: int | None) -> int:
    if customer_id is None:
        return 0
    result = await session.execute(delete(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id))
    return result.rowcount or 0  # type: ignore[attr-defined]


def _erase_payment(payment: Payment) -> int:
    if payment.payer_email is None and payment.payer_name in (None, ERASED):
        return 0
    # None rather than the marker: actions look licences up by this address, and must find none.
    payment.payer_email = None
    payment.payer_name = ERASED if payment.payer_name else None
    return 1


def _erase_subject(ticket: Ticket) -> int:
    if ticket.subject in (None, ERASED):
        return 0
    ticket.subject = ERASED
    return 1


def _erase_message(message: TicketMessage, traces: Traces) -> int:
    changed = False
    if message.body != ERASED:
        message.body, changed = ERASED, True
    if message.author not in (None, ERASED) and (message.sender == "customer" or traces.quoted_in(message.author)):
        message.author, changed = ERASED, True
    verdict = erased_verdict(message.tone_verdict)
    if verdict != message.tone_verdict:
        message.tone_verdict, changed = verdict, True
    return int(changed)


def erased_verdict(verdict: dict[str, Any] | None) -> dict[str, Any] | None:
    """A tone verdict without the words it quoted; tone, score and flags stay for risk and retraining stats."""
    if not verdict or not verdict.get("reasons") or verdict["reasons"] == [ERASED]:
        return verdict
    return verdict | {"reasons": [ERASED]}


def _erase_action(action: ActionRecord, traces: Traces) -> int:
    params = {
        name: ERASED if name in _PERSONAL_PARAMS and value not in (None, ERASED) else value
        for name, value in action.params.items()
    }
    report = {
        name: ERASED if name in _REPORT_LABELS and value not in (None, ERASED) else value
        for name, value in action.report.items()
    }
    params, report = traces.scrub(params), traces.scrub(report)
    result = traces.scrub(action.result)
    error = ERASED if traces.quoted_in(action.error) else action.error
    actor_name = ERASED if traces.quoted_in(action.actor_name) else action.actor_name
    before = (action.params, action.report, action.result, action.error, action.actor_name)
    if (params, report, result, error, actor_name) == before:
        return 0
    action.params, action.report, action.result, action.error, action.actor_name = (
        params,
        report,
        result,
        error,
        actor_name,
    )
    return 1


async def _outbox_of(session: AsyncSession, found: Footprint) -> list[OutboxMessage]:
    subjects = [
        (Subject.SALE, [p.id for p in found.payments]),
        (Subject.TICKET, [t.id for t in found.tickets]),
        (Subject.DISPUTE, [d.id for d in found.disputes]),
        (Subject.ALERT, [a.id for a in found.alerts]),
    ]
    about = [
        and_(OutboxMessage.subject_type == subject, OutboxMessage.subject_id.in_(ids))
        for subject, ids in subjects
        if ids
    ]
    if not about:
        return []
    return list(await session.scalars(select(OutboxMessage).where(or_(*about)).order_by(OutboxMessage.id)))


def _erase_outbox(item: OutboxMessage, traces: Traces) -> int:
    payload = dict(item.payload)
    if traces.quoted_in(payload.get("text")):
        payload["text"] = ERASED
        payload.pop("blocks", None)  # drawn from the same words; the text alone is shown instead
    elif payload.get("blocks") and traces.scrub(payload["blocks"]) != payload["blocks"]:
        payload.pop("blocks")
    payload = traces.scrub(payload)
    last_error = ERASED if traces.quoted_in(item.last_error) else item.last_error
    if (payload, last_error) == (item.payload, item.last_error):
        return 0
    item.payload, item.last_error = payload, last_error
    return 1


async def _erase_audit(session: AsyncSession, found: Footprint) -> int:
    """Drop the personal part of every audit record about them; its digest stays in the chain, so it verifies."""
    linked = [AuditRecord.customer_id == found.customer_id] if found.customer_id else []
    if found.payments:
        linked.append(AuditRecord.payment_id.in_([p.id for p in found.payments]))
    if found.tickets:
        linked.append(AuditRecord.ticket_id.in_([t.id for t in found.tickets]))
    as_text = func.lower(cast(AuditRecord.personal, Text))
    quoting = [as_text.contains(email, autoescape=True) for email in found.traces.emails]
    ids = {p.id for p in found.payments}, {t.id for t in found.tickets}
    erased = 0
    for record in await session.scalars(select(AuditRecord).where(or_(*linked, *quoting))):
        if record.personal is None:
            continue
        about_them = (
            (found.customer_id is not None and record.customer_id == found.customer_id)
            or record.payment_id in ids[0]
            or record.ticket_id in ids[1]
        )
        if about_them or found.traces.found_in(record.personal):
            record.personal = None
            erased += 1
    return erased


def _erase_event(event: InboundEvent, traces: Traces, now: datetime) -> int:
    event.payload = dict(ERASED_PAYLOAD)
    event.error = ERASED if traces.quoted_in(event.error) else event.error
    event.erased_at = now
    return 1


async def _redraw(session: AsyncSession, found: Footprint, outbox: Iterable[OutboxMessage], now: datetime) -> int:
    """Ask for the cards and record-drawn replies already in Slack to be drawn again from the erased records."""
    redraws = 0
    digests: set[int] = set()
    for payment in found.payments:
        if payment.slack_ts and payment.slack_channel:
            await queue.update_card(session, Subject.SALE, payment.id, payment.slack_channel, now)
            redraws += 1
        if payment.digest_id is not None:
            digests.add(payment.digest_id)
    for digest_id in sorted(digests):
        digest = await session.get(SaleDigest, digest_id)
        if digest is not None and digest.slack_ts and digest.slack_channel:
            await queue.update_card(session, Subject.DIGEST, digest.id, digest.slack_channel, now)
            redraws += 1
    for subject, rows in ((Subject.TICKET, found.tickets), (Subject.DISPUTE, found.disputes)):
        for row in rows:
            if row.slack_ts and row.slack_channel:
                await queue.update_card(session, subject, row.id, row.slack_channel, now)
                redraws += 1
    for item in outbox:
        drawn_from_records = bool(item.payload.get("record")) or item.payload.get("text") == ERASED
        posted = item.status == OutboxStatus.SENT and item.slack_ts is not None
        if (
            posted
            and item.kind in (OutboxKind.REPLY, OutboxKind.ALERT)
            and (drawn_from_records or item.kind == OutboxKind.ALERT)
        ):
            subject = Subject(item.subject_type)
            queue.update_reply(
                session, item.dedupe_key, parent=subject, parent_id=item.subject_id, channel=item.channel, now=now
            )
            redraws += 1
    return redraws
