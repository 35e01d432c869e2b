"""The ticket card: who writes, what about, what they have bought, and what time it is for them."""

from __future__ import annotations

from datetime import datetime

from bot.cards.blocks import (
    Card,
    context,
    customer_label,
    escape,
    fields,
    header,
    history_line,
    local_time,
    quote,
    section,
    slack_date,
)
from bot.cards.text import mention
from bot.cards.tone import hidden_message, is_abusive, tone_badges
from bot.cards.waiting import waiting_line
from bot.core.wording import desk_name
from bot.policies.oncall_waiting import Waiting
from bot.policies.tone_trend import TicketTone
from bot.storage.models.customers import Customer
from bot.storage.models.tickets import Ticket, TicketMessage, TicketStatus
from bot.storage.store import CustomerHistory


def ticket_card(
    ticket: Ticket,
    customer: Customer | None,
    history: CustomerHistory,
    messages: list[TicketMessage],
    now: datetime,
    *,
    tone: TicketTone | None = None,
    hide_abusive: bool = True,
    risk: str = "",
    waiting: Waiting | None = None,
) -> Card:
    subject = ticket.subject or "(no subject)"
    first = messages[0] if messages else None
    email = customer.email if customer else None
    name = customer.name if customer else None
    blocks = [
        header(f"🎫 {subject}"),
        fields(
            ("Customer", customer_label(email, name)),
            ("History", history_line(_earlier(history))),
        ),
    ]
    about = [f"Ticket {escape(ticket.external_id)}", f"opened {slack_date(ticket.opened_at)}"]
    if ticket.status != TicketStatus.OPEN:
        about.append(f"*{escape(ticket.status)}*")
    if ticket.assignee_id:
        about.append(f"🙋 {mention(ticket.assignee_id)} has it")
    elif ticket.assignee_name and ticket.source:
        about.append(f"🙋 {escape(ticket.assignee_name)} has it in {escape(desk_name(ticket.source))}")
    blocks.append(context(*about, local_time(customer.timezone if customer else None, now) or ""))
    if waiting is not None and (line := waiting_line(waiting)):
        # Urgent reads as part of the card; a wait within its target is a footnote.
        blocks.append(section(line) if waiting.urgent else context(line))
    if tone is not None and (badges := tone_badges(tone)):
        blocks.append(section("\n".join(badges)))
    if risk:
        blocks.append(context(escape(risk)))
    if first is not None:
        if hide_abusive and is_abusive(first):
            blocks.append(hidden_message(first, lead="The first message:"))
        else:
            blocks.append(section(quote(first.body)))
    if len(messages) > 1:
        last = messages[-1]
        who = "customer" if last.sender == "customer" else escape(last.author or "agent")
        blocks.append(
            context(f"💬 {len(messages)} messages · last from {who} {slack_date(last.sent_at)} · replies in the thread")
        )
    who = email or name or "unknown customer"
    return Card(f"New ticket from {who}: {subject}", blocks)


def _earlier(history: CustomerHistory) -> CustomerHistory:
    """The history as it stood before this ticket, which is already counted."""
    history.tickets = max(history.tickets - 1, 0)
    return history
