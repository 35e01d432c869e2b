"""How a waiting customer and a refund request show: on the ticket card, in its thread, and as an on-call alert."""

from __future__ import annotations

from datetime import datetime

from bot.cards.blocks import Card, archive_link, clip, context, escape, local_time, section, slack_date
from bot.cards.text import link
from bot.cards.tone import is_abusive
from bot.core.money import format_money
from bot.policies.oncall_waiting import Waiting
from bot.storage.models.customers import Customer
from bot.storage.models.tickets import Ticket, TicketMessage


def waiting_line(state: Waiting) -> str:
    """For the ticket card; Slack shows the dates in each reader's own time, so the line does not go stale."""
    if state.since is None:
        return ""
    repeats = f" · {contacts}" if (contacts := state.contacts()) else ""
    if state.overdue:
        return f"🔥 *Waiting since {slack_date(state.since)}*, over the {state.target_name} target{repeats}"
    due = state.since + state.target
    lead = "🔥 " if state.urgent else "⏳ "
    return f"{lead}Waiting since {slack_date(state.since)} · reply due {slack_date(due)}{repeats}"


def waiting_note(ticket: Ticket, state: Waiting, marker: str) -> Card:
    """The thread reply that tells the team, by day, that this customer waits too long."""
    lead = f"{marker} · " if marker else ""
    text = f"{lead}⏰ *This customer is waiting*: {escape(state.describe())}."
    return Card(f"Customer waiting (ticket {ticket.external_id}): {state.describe()}", [section(text)])


def waiting_alert_body(
    ticket: Ticket, customer: Customer | None, state: Waiting, last: TicketMessage | None, now: datetime
) -> Card:
    """For the on-call channel: who waits, how long, what time it is for them, and what they last wrote."""
    who = _who(customer)
    headline = f"⏰ *{escape(who)} is waiting*: {escape(state.describe())}"
    lines = [headline, f"Ticket {escape(ticket.external_id)}: {escape(ticket.subject or '(no subject)')}"]
    if last is not None:
        shown = "_(hidden: abusive)_" if is_abusive(last) else f"“{escape(clip(last.body, 300))}”"
        lines.append(f"Last message {slack_date(last.sent_at)}: {shown}")
    about = [part for part in (local_time(customer.timezone if customer else None, now), _ticket_link(ticket)) if part]
    blocks = [section("\n".join(lines))] + ([context(*about)] if about else [])
    return Card(f"Urgent: {who} is waiting ({state.describe()})", blocks)


def refund_request_note(message: TicketMessage, refundable_minor: int, currency: str, marker: str) -> Card:
    lead = f"{marker} · " if marker else ""
    amount = format_money(refundable_minor, currency)
    text = (
        f"{lead}💸 *The customer asks for their money back* ({amount} paid and not refunded). "
        "Answer before they go to their bank: a dispute costs a fee on top of the refund."
    )
    return Card(f"Refund request: {amount} at stake", [section(text), context(slack_date(message.sent_at))])


def refund_request_alert_body(
    ticket: Ticket,
    customer: Customer | None,
    message: TicketMessage,
    refundable_minor: int,
    currency: str,
    now: datetime,
) -> Card:
    who = _who(customer)
    amount = format_money(refundable_minor, currency)
    lines = [
        f"💸 *{escape(who)} asks for a refund: {amount} at stake* on ticket {escape(ticket.external_id)}",
        "_(message hidden: abusive)_" if is_abusive(message) else f"“{escape(clip(message.body, 300))}”",
    ]
    about: list[str] = [slack_date(message.sent_at)]
    about += [part for part in (local_time(customer.timezone if customer else None, now), _ticket_link(ticket)) if part]
    return Card(f"Urgent: {who} asks for a refund of {amount}", [section("\n".join(lines)), context(*about)])


def _who(customer: Customer | None) -> str:
    """Raw: escaped where it is shown."""
    return (customer.email or customer.name or "A customer") if customer else "A customer"


def _ticket_link(ticket: Ticket) -> str | None:
    where = archive_link(ticket.slack_channel, ticket.slack_ts)
    return link(where, "open the ticket") if where else None
