"""How tone shows in Slack: the badge on a ticket card, hidden messages, the warning and the on-call alert."""

from __future__ import annotations

from bot.cards.blocks import Block, Card, actions, archive_link, button, context, escape, quote, section, slack_date
from bot.cards.text import channel_mention, link, mention
from bot.core.slack_ids import ActionId
from bot.policies.tone import Flag, Tone
from bot.policies.tone_trend import TicketTone
from bot.storage.models.customers import Customer
from bot.storage.models.tickets import Ticket, TicketMessage

FLAG_TEXTS = {
    Flag.CHARGEBACK: "threatens a chargeback",
    Flag.LEGAL: "mentions legal action",
    Flag.PUBLIC: "threatens to go public",
    Flag.THREAT: "threatens harm",
}
_TONE_WORDS = {Tone.NEUTRAL: "calm", Tone.FRUSTRATED: "frustrated", Tone.ABUSIVE: "abusive"}


def trajectory_text(trend: TicketTone) -> str:
    return " → ".join(_TONE_WORDS[tone] for tone in trend.trajectory)


def flags_text(flags: frozenset[Flag]) -> str:
    return " · ".join(f"*{FLAG_TEXTS[flag]}*" for flag in Flag if flag in flags)


def tone_badges(trend: TicketTone) -> list[str]:
    """The lines a ticket card gains from its customer's tone; none for a calm ticket."""
    lines = []
    if trend.abusive:
        many = f"{trend.abusive} of {trend.messages} messages" if trend.messages > 1 else "the message"
        path = f" · {trajectory_text(trend)}" if len(trend.trajectory) > 1 else ""
        lines.append(f"🛑 *Abusive customer* · {many}{path}")
    elif trend.worsening:
        lines.append(f"📉 *Tone worsening*: {trajectory_text(trend)}")
    elif trend.latest is Tone.FRUSTRATED:
        lines.append("😤 Frustrated customer: patience and a fix")
    if trend.flags:
        lines.append(f"⚠️ The customer {flags_text(trend.flags)}")
    return lines


def reasons_of(message: TicketMessage) -> list[str]:
    return list((message.tone_verdict or {}).get("reasons") or [])


def is_abusive(message: TicketMessage) -> bool:
    return message.tone == Tone.ABUSIVE


def hidden_message(message: TicketMessage, *, lead: str) -> Block:
    """The message's place, without its words, and a button for whoever wants to read them."""
    # What kind of abuse, without quoting it: reading the words is what the button is for.
    kinds = dict.fromkeys(reason.split(":")[0] for reason in reasons_of(message))
    why = "; ".join(list(kinds)[:2]) or "judged abusive"
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"{lead}\n🙈 _Hidden: abusive ({escape(why)})._"},
        "accessory": button(ActionId.SHOW_MESSAGE, "Show message", str(message.id)),
    }


def abusive_message_reply(message: TicketMessage, *, hidden: bool, warned: bool) -> Card:
    """A customer's abusive message in its ticket's thread: hidden unless the owner chose otherwise."""
    lead = f"💬 *Customer wrote* · 🛑 abusive · {slack_date(message.sent_at)}"
    blocks = [hidden_message(message, lead=lead)] if hidden else [section(f"{lead}\n{quote(message.body, 2800)}")]
    if not warned:
        # The warning carries the feedback buttons for the first abusive message; later ones carry their own.
        blocks.append(actions(button(ActionId.NOT_ABUSIVE, "Not abusive", str(message.id))))
    return Card("Customer wrote: (abusive message hidden)" if hidden else f"Customer: {message.body[:150]}", blocks)


def warning_card(
    message: TicketMessage, ticket: Ticket, trend: TicketTone, oncall: str | None, marker: str = ""
) -> Card:
    """The warning in the ticket's thread when the customer's messages turn abusive."""
    if message.tone_corrected_by and message.tone != Tone.ABUSIVE:
        text = f"✅ {mention(message.tone_corrected_by)} marked this message *not abusive*; it is shown as written."
        return Card("Marked not abusive", [section(text)])
    reasons = reasons_of(message)
    lead = f"{marker} · " if marker else ""
    lines = [f"{lead}⚠️ *This customer's messages have turned abusive* (ticket {escape(ticket.external_id)})"]
    if reasons:
        lines.append("Why: " + "; ".join(escape(reason) for reason in reasons))
    if len(trend.trajectory) > 1:
        lines.append(f"Tone so far: {trajectory_text(trend)}")
    if trend.flags:
        lines.append(f"The customer {flags_text(trend.flags)}.")
    lines.append(
        "Stay factual and courteous; never be abusive back. An owner can take the ticket over or part ways."
        + (f" On-call was told in {channel_mention(oncall)}." if oncall else "")
    )
    blocks: list[Block] = [section("\n".join(lines))]
    if message.tone_corrected_by:
        blocks.append(context(f"✔️ {mention(message.tone_corrected_by)} confirmed it is abusive"))
    else:
        blocks.append(
            actions(
                button(ActionId.IS_ABUSIVE, "Yes, abusive", str(message.id)),
                button(ActionId.NOT_ABUSIVE, "Not abusive", str(message.id)),
            )
        )
    return Card(f"Warning: the customer's messages turned abusive (ticket {ticket.external_id})", blocks)


def flags_note(flags: frozenset[Flag]) -> Card:
    text = f"⚠️ The customer {flags_text(flags)} in this message."
    return Card(text.replace("*", ""), [context(text)])


def abuse_alert_body(
    message: TicketMessage, ticket: Ticket, customer: Customer | None, trend: TicketTone, *, flags_only: bool
) -> Card:
    """For the on-call channel: enough to decide whether to act now, without the insults themselves."""
    who = (customer.email or customer.name) if customer and (customer.email or customer.name) else "a customer"
    what = "threatening message" if flags_only else "abusive message"
    lines = [f"🚨 *{what.capitalize()} from {escape(who)}* on ticket {escape(ticket.external_id)}"]
    if reasons := reasons_of(message):
        lines.append("Why: " + "; ".join(escape(reason) for reason in reasons))
    if trend.flags:
        lines.append(f"The customer {flags_text(trend.flags)}.")
    where = archive_link(ticket.slack_channel, ticket.slack_ts)
    about = [slack_date(message.sent_at)] + ([link(where, "open the ticket")] if where else [])
    text = f"Urgent: {what} from {who} (ticket {ticket.external_id})"
    return Card(text, [section("\n".join(lines)), context(*about)])
