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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.core.erasure import ERASED
from bot.core.errors import UsageError
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.privacy.footprint import Footprint, Traces, survey
from bot.storage.models.actions import ActionRecord, ActionStatus, AuditRecord
from bot.storage.models.customers import Customer, CustomerIdentity
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.mail import MailThreadEntry
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.sales import Payment, SaleDigest
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.store import normalise_email

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


class CustomerBusyError(UsageError):
    """An action for the customer is under way; erasing now would have it carry erased text out or write anew."""


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
