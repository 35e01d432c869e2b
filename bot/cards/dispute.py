"""The dispute card: how much, why, what state, and how long is left to answer."""

from __future__ import annotations

from datetime import datetime

from bot.cards.blocks import (
    Card,
    archive_link,
    context,
    customer_label,
    duration,
    escape,
    fields,
    header,
    history_line,
    link,
    section,
    slack_date,
)
from bot.core.money import format_money
from bot.core.wording import humanise, provider_name
from bot.evidence import evidence_words
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment
from bot.storage.models.tickets import Ticket
from bot.storage.store import CustomerHistory

_ANSWER_MARKS = {"staged": "📎", "submitted": "🏦", "accepted": "🏳️"}
# Stripe's and PayPal's words (lower-cased) for "the evidence was sent and the provider is deciding": no more
# evidence is taken, whoever sent it.
EVIDENCE_IN_STATUSES = frozenset({"under_review", "warning_under_review"})
CLOSED_STATUSES = frozenset({"won", "lost", "resolved", "closed", "charge_refunded", "warning_closed"})


def dispute_card(
    dispute: Dispute,
    payment: Payment | None,
    customer: Customer | None,
    history: CustomerHistory,
    tickets: list[Ticket],
    now: datetime,
) -> Card:
    amount = format_money(dispute.amount_minor, dispute.currency)
    status = humanise(dispute.status) or "Open"
    reason = humanise(dispute.reason) or "No reason given"
    closed = (dispute.status or "").lower() in CLOSED_STATUSES
    blocks = [
        header(f"{'✅' if closed else '⚠️'} Dispute · {amount} · {reason}"),
        fields(
            ("Status", escape(status + (f" ({humanise(dispute.stage)})" if dispute.stage else ""))),
            ("Evidence due", evidence_due(dispute, now, closed)),
            (
                "Customer",
                customer_label(customer.email if customer else None, customer.name if customer else None),
            ),
            ("History", history_line(history)),
            *([("Our answer", _answer(dispute))] if dispute.evidence_state else []),
        ),
        section(_disputed_sale(payment)),
    ]
    if tickets:
        lines = [
            f"• {escape(t.subject or '(no subject)')} ({escape(t.status)}) — "
            f"{link(archive_link(t.slack_channel, t.slack_ts), 'open in Slack') if t.slack_ts else 'not posted'}"
            for t in tickets[:5]
        ]
        blocks.append(section("*Their tickets*\n" + "\n".join(lines)))
    blocks.append(
        context(
            link(dispute.provider_url, f"Open in {provider_name(dispute.provider)}"),
            f"opened {slack_date(dispute.opened_at)}",
        )
    )
    return Card(f"Dispute: {amount} · {reason} · {status}", blocks)


def _answer(dispute: Dispute) -> str:
    words = evidence_words(dispute.evidence_state).capitalize()
    when = f" ({slack_date(dispute.evidence_at)})" if dispute.evidence_at else ""
    return f"{_ANSWER_MARKS.get(dispute.evidence_state or '', '')} {words}{when}"


def evidence_due(dispute: Dispute, now: datetime, closed: bool) -> str:
    if closed or dispute.evidence_due_at is None:
        return "—" if closed else "no response possible"
    left = dispute.evidence_due_at - now
    when = slack_date(dispute.evidence_due_at)
    if left.total_seconds() <= 0:
        return f"🔴 overdue by {duration(left)} ({when})"
    urgency = "🔴" if left.days < 1 else ("🟠" if left.days < 3 else "🟢")
    return f"{urgency} in {duration(left)} ({when})"


def _disputed_sale(payment: Payment | None) -> str:
    if payment is None:
        return "*Disputed sale*: not seen by supportbot"
    sale = f"{format_money(payment.amount_minor, payment.currency)} · {escape(payment.product or 'product not named')}"
    where = archive_link(payment.slack_channel, payment.slack_ts)
    suffix = f" · {link(where, 'see the sale')}" if where else ""
    return f"*Disputed sale*: {sale}, paid {slack_date(payment.paid_at)}{suffix}"
