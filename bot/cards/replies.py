"""Thread replies: a refund under its sale, each message under its ticket, each dispute change under its card."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.cards.blocks import Card, context, escape, quote, section, slack_date
from bot.core.money import format_money
from bot.core.wording import humanise
from bot.storage.models.sales import Payment, Refund
from bot.storage.models.tickets import TicketMessage


def refund_reply(refund: Refund, payment: Payment) -> Card:
    amount = format_money(refund.amount_minor, refund.currency)
    whole = refund.amount_minor is not None and refund.amount_minor == payment.amount_minor
    what = f"↩️ *Refunded {amount}*" + (" (the whole sale)" if whole else "")
    if payment.digest_id is not None:
        what += (
            f" for the sale {format_money(payment.amount_minor, payment.currency)} · "
            f"{escape(payment.payer_email or 'unknown customer')}"
        )
    reason = f" · reason: {escape(refund.reason.replace('_', ' '))}" if refund.reason else ""
    return Card(f"Refunded {amount}", [section(what + reason), context(slack_date(refund.refunded_at))])


def ticket_message_reply(message: TicketMessage) -> Card:
    if message.sender == "customer":
        who = "💬 *Customer wrote*"
    else:
        who = f"🧑‍💼 *{escape(message.author or 'Agent')} replied*"
    return Card(
        f"{'Customer' if message.sender == 'customer' else 'Agent'}: {message.body[:150]}",
        [section(f"{who}\n{quote(message.body, 2800)}"), context(slack_date(message.sent_at))],
    )


def dispute_change_text(change: str, before: dict[str, Any], after: dict[str, Any], outcome: str | None) -> str:
    headline = {
        "updated": "✏️ Dispute updated",
        "closed": "🏁 Dispute closed",
        "resolved": "🏁 Dispute resolved",
        "funds_withdrawn": "💸 Funds withdrawn from your balance",
        "funds_reinstated": "💰 Funds reinstated to your balance",
        "created": "⚠️ Dispute opened",
    }.get(change, f"Dispute event: {escape(change)}")
    changes = []
    if before["status"] != after["status"]:
        changes.append(f"status {escape(humanise(before['status']) or '—')} → *{escape(humanise(after['status']))}*")
    if before["stage"] != after["stage"] and after["stage"]:
        changes.append(f"stage → *{escape(humanise(after['stage']))}*")
    if before["amount_minor"] != after["amount_minor"]:
        changes.append(f"amount → *{format_money(after['amount_minor'], after['currency'])}*")
    if before["reason"] != after["reason"] and after["reason"]:
        changes.append(f"reason → *{escape(humanise(after['reason']))}*")
    due: datetime | None = after["evidence_due_at"]
    if before["evidence_due_at"] != due and due is not None:
        changes.append(f"evidence due {slack_date(due)}")
    if outcome:
        changes.append(f"outcome: *{escape(humanise(outcome))}*")
    return headline + (": " + "; ".join(changes) if changes else "")
