"""What `/customer` and `/audit` show: the customer's whole history, and the latest audited actions."""

from __future__ import annotations

from datetime import datetime

from bot.cards.blocks import (
    Card,
    archive_link,
    context,
    customer_label,
    escape,
    fields,
    header,
    history_line,
    link,
    local_time,
    section,
    slack_date,
)
from bot.cards.text import mention
from bot.core.money import format_money, format_totals
from bot.core.wording import humanise
from bot.policies.risk import Risk
from bot.storage.models.actions import AuditRecord
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment
from bot.storage.models.tickets import Ticket
from bot.storage.store import CustomerHistory

SHOWN = 5


def customer_card(
    customer: Customer,
    history: CustomerHistory,
    payments: list[Payment],
    disputes: list[Dispute],
    tickets: list[Ticket],
    now: datetime,
    risk: Risk | None = None,
) -> Card:
    blocks = [
        header(f"👤 {customer.name or customer.email or 'Customer'}"),
        fields(
            ("Contact", customer_label(customer.email, customer.name)),
            ("Lifetime value", format_totals(history.lifetime_value())),
            ("History", history_line(history)),
            ("Customer since", slack_date(customer.created_at, "{date_short_pretty}")),
        ),
    ]
    if (their_time := local_time(customer.timezone, now)) is not None:
        blocks.append(context(their_time))
    blocks.append(section("*Purchases*\n" + (_lines(payments, _payment) or "_none on record_")))
    if disputes:
        blocks.append(section("*Disputes*\n" + _lines(disputes, _dispute)))
    blocks.append(section("*Tickets*\n" + (_lines(tickets, _ticket) or "_none on record_")))
    if risk is not None:
        blocks.append(section(_risk(risk)))
    return Card(f"Customer {customer.email or customer.name or customer.id}", blocks)


def _risk(risk: Risk) -> str:
    lines = [f"*Risk*: {escape(risk.summary()) or '🟢 nothing to watch'}"]
    lines += [f"{'⚠️' if signal.crossed else '•'} {escape(signal.text)}" for signal in risk.signals]
    if risk.consider_parting:
        lines.append("_The bot only suggests; parting ways is your decision (`/partways`)._")
    return "\n".join(lines)


def _lines(items: list, describe) -> str:
    lines = [describe(item) for item in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"… and {len(items) - SHOWN} more")
    return "\n".join(lines)


def _payment(payment: Payment) -> str:
    refunded = (
        f" · ↩️ refunded {format_money(payment.amount_refunded_minor, payment.currency)}"
        if payment.amount_refunded_minor
        else ""
    )
    where = archive_link(payment.slack_channel, payment.slack_ts)
    return (
        f"• {slack_date(payment.paid_at, '{date_short}')} {format_money(payment.amount_minor, payment.currency)} "
        f"· {escape(payment.product or 'product not named')}{refunded}" + (f" · {link(where, 'card')}" if where else "")
    )


def _dispute(dispute: Dispute) -> str:
    return (
        f"• {format_money(dispute.amount_minor, dispute.currency)} · {escape(humanise(dispute.reason) or 'no reason')}"
        f" · {escape(humanise(dispute.status) or 'open')}"
    )


def _ticket(ticket: Ticket) -> str:
    where = archive_link(ticket.slack_channel, ticket.slack_ts)
    return (
        f"• {escape(ticket.subject or '(no subject)')} ({escape(ticket.status)}) · opened "
        f"{slack_date(ticket.opened_at, '{date_short}')}" + (f" · {link(where, 'thread')}" if where else "")
    )


OUTCOME_MARKS = {"succeeded": "✅", "failed": "❌", "refused": "⛔", "attempted": "⏳", "already-done": "↺"}


def audit_card(records: list[AuditRecord], scope: str) -> Card:
    """`scope` says what was asked for; words the person typed in it must come as `Mrkdwn`, already escaped."""
    scope = escape(scope)
    if not records:
        return Card("No audited actions", [section(f"No audited actions {scope}.")])
    lines = []
    for record in records:
        personal = record.personal or {}
        who = escape(personal.get("actor_name") or "") or mention(record.actor_id)
        on = f" · {escape(personal['subject'])}" if personal.get("subject") else ""
        ref = f" · `{escape(record.provider_reference)}`" if record.provider_reference else ""
        lines.append(
            f"{OUTCOME_MARKS.get(record.outcome, '•')} {slack_date(record.at, '{date_short} {time}')} "
            f"*{escape(record.action)}* {escape(record.outcome)} by {who}{on}{ref}"
        )
    return Card(f"{len(records)} audited actions", [section(f"*Audit trail* {scope}\n" + "\n".join(lines))])
