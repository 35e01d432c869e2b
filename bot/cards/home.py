"""A person's Home tab drawn from a HomeSnapshot: their own work first, then the team's, then (owners) the shop's.

Times are `<!date^…>` tokens, so each reader sees them in their own timezone. Every customer or provider text
is escaped, as on the cards. The view stays within Slack's limits (100 blocks, 250 KB) however much is open.
"""

from __future__ import annotations

import json
from typing import Any

from bot.cards.approval import approval_buttons
from bot.cards.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    duration,
    escape,
    header,
    link,
    section,
    slack_date,
)
from bot.cards.home_values import AlertLine, DisputeLine, HomeSnapshot, TicketLine
from bot.cards.text import mention
from bot.core.money import format_money, format_totals
from bot.core.slack_ids import ActionId
from bot.core.wording import humanise, provider_name
from bot.evidence import evidence_words
from bot.policies.permissions import Role

MAX_BLOCKS = 100
MAX_VIEW_BYTES = 250_000
_ALERT_WORDS = {
    "dispute-opened": "⚖️ Dispute opened",
    "dispute-deadline": "⏰ Dispute deadline",
    "abuse": "🛑 Abusive customer",
    "threat": "🚨 Threat",
    "big-refund-request": "💸 Big refund request",
    "customer-waiting": "⏰ Customer waiting",
}


def home_view(snapshot: HomeSnapshot) -> dict[str, Any]:
    """The `view` for views.publish."""
    if snapshot.role == Role.OUTSIDER:
        blocks = _outsider()
    else:
        blocks = [
            header("Your support desk"),
            context(f"Updated {slack_date(snapshot.now, '{time}')} · you are {_role(snapshot.role)}"),
            *_mine(snapshot),
            *(_approvals(snapshot) if snapshot.role == Role.OWNER else []),
            *_oncall(snapshot),
            *_waiting(snapshot),
            *_disputes(snapshot),
            *_today(snapshot),
            *(_owners(snapshot) if snapshot.role == Role.OWNER else []),
        ]
    return {"type": "home", "blocks": _within_limits(blocks)}


def _role(role: Role) -> str:
    return "an owner" if role == Role.OWNER else "an agent"


def _outsider() -> list[Block]:
    return [
        header("supportbot"),
        section(
            "supportbot brings the shop's sales, tickets and disputes into Slack for its owners and support agents.\n"
            "You are not on the team's list yet, so there is nothing to show you here. "
            "If you should be, ask an owner to add your Slack member id to `SUPPORTBOT_AGENTS`."
        ),
    ]


def _title(text: str) -> list[Block]:
    return [divider(), section(f"*{text}*")]


def _more(shown: int, total: int, what: str) -> list[Block]:
    return [context(f"…and {total - shown} more {what}")] if total > shown else []


def _mine(snapshot: HomeSnapshot) -> list[Block]:
    blocks = _title("🙋 Mine")
    if not snapshot.mine:
        return [*blocks, context("Nothing taken over. Press *Take over* on a ticket's card and it shows here.")]
    blocks += [section(_ticket(line)) for line in snapshot.mine]
    return blocks + _more(len(snapshot.mine), snapshot.mine_count, "of your tickets")


def _ticket(line: TicketLine) -> str:
    mark = "🚨 " if line.urgent else ""
    about = f": {escape(line.subject)}" if line.subject else ""
    who = f" · {escape(line.customer)}" if line.customer else ""
    last = f"\nLast customer message {slack_date(line.last_message_at)}" if line.last_message_at else ""
    return f"{mark}{link(line.link, f'Ticket {line.external_id}')}{about}{who}\n{escape(line.waiting)}{last}"


def _approvals(snapshot: HomeSnapshot) -> list[Block]:
    """Owners' refunds waiting for a second owner, soonest to expire first; the buttons are the card's own."""
    blocks = _title("🔐 Refunds awaiting approval")
    if not snapshot.approvals:
        return [*blocks, context("No refund is waiting for a second owner.")]
    for line in snapshot.approvals:
        amount = format_money(line.amount_minor, line.currency)
        mine = line.requester == snapshot.user
        payment = f" · {escape(line.payment)}" if line.payment else ""
        who = f" · {escape(line.customer)}" if line.customer else ""
        asked = "you asked; another owner approves it" if mine else f"asked by {mention(line.requester)}"
        blocks.append(
            section(
                f"{link(line.link, f'Refund of {amount}')}{payment}{who}\n"
                f"{asked} {slack_date(line.requested_at)} · closes {slack_date(line.expires_at)} if nobody approves it"
            )
        )
        blocks.append(approval_buttons(line.approval_id, amount, requester=mine))
    return blocks + _more(len(snapshot.approvals), snapshot.approvals_count, "refunds awaiting approval")


def _oncall(snapshot: HomeSnapshot) -> list[Block]:
    blocks = _title("📟 On call")
    if (who := snapshot.oncall) is None:
        blocks.append(
            context("No on-call rotation is set (`SUPPORTBOT_ONCALL_PEOPLE`): owners are paged out of hours.")
        )
    else:
        now = mention(who.now) if who.now else "nobody"
        later = f" · next: {mention(who.next)}" if who.next else ""
        mine = f" · your next shift starts {slack_date(who.my_next_shift)}" if who.my_next_shift else ""
        blocks.append(section(f"Now: {now}{later}{mine}"))
    if not snapshot.alerts:
        return [*blocks, context("No open alerts.")]
    for alert in snapshot.alerts:
        blocks += _alert(alert)
    return blocks


def _alert(alert: AlertLine) -> list[Block]:
    words = _ALERT_WORDS.get(alert.kind, humanise(alert.kind) or "Alert")
    text = f"{link(alert.link, words)} · raised {slack_date(alert.raised_at)}"
    return [section(text), actions(button(ActionId.ACKNOWLEDGE, "Acknowledge", str(alert.alert_id), "primary"))]


def _waiting(snapshot: HomeSnapshot) -> list[Block]:
    blocks = _title("⏰ Waiting")
    if not snapshot.waiting:
        return [*blocks, context("Nobody is waiting past, or within an hour of, a response target.")]
    for item in snapshot.waiting:
        mark = "🚨 " if item["urgent"] else ""
        about = f": {escape(item['subject'])}" if item.get("subject") else ""
        who = f" · {escape(item['customer'])}" if item.get("customer") else ""
        taken = f" · {mention(item['assignee'])} has it" if item.get("assignee") else ""
        ticket = link(item.get("link"), f"Ticket {item['ticket']}")
        blocks.append(section(f"{mark}{ticket}{about}{who}{taken}\n{escape(item['describe'])}"))
    return blocks + _more(len(snapshot.waiting), snapshot.waiting_count, "waiting")


def _disputes(snapshot: HomeSnapshot) -> list[Block]:
    blocks = _title("⚖️ Disputes")
    if not snapshot.disputes:
        return [*blocks, context("No open disputes.")]
    blocks += [section(_dispute(line, snapshot)) for line in snapshot.disputes]
    return blocks + _more(len(snapshot.disputes), snapshot.disputes_count, "open disputes")


def _dispute(line: DisputeLine, snapshot: HomeSnapshot) -> str:
    amount = format_money(line.amount_minor, line.currency)
    reason = f" · {escape(humanise(line.reason) or '')}" if line.reason else ""
    status = f" · {escape(humanise(line.status) or '')}" if line.status else ""
    if line.due_at is None:
        due = "no evidence deadline"
    elif line.due_at <= snapshot.now:
        due = "⛔ the evidence deadline has passed"
    else:
        left = line.due_at - snapshot.now
        due = f"{'🔴' if left.days < 2 else '🟢'} evidence due {slack_date(line.due_at)} (in {duration(left)})"
    provider = provider_name(line.provider)
    evidence = f" · evidence {evidence_words(line.evidence_state)}"
    return f"{link(line.link, f'{provider} dispute · {amount}')}{reason}{status}\n{due}{evidence}"


def _today(snapshot: HomeSnapshot) -> list[Block]:
    today = snapshot.today
    if today is None:
        return []
    sales, refunds = today.sales, today.refunds
    return [
        *_title(f"📈 Today, since {slack_date(today.since, '{time}')}"),
        section(
            f"Sales: *{sales['count']}* · {format_totals(sales['totals'])}\n"
            f"Refunds: *{refunds['count']}* · {format_totals(refunds['totals'])}\n"
            f"New tickets: *{today.new_tickets}*"
        ),
    ]


def _owners(snapshot: HomeSnapshot) -> list[Block]:
    blocks = _chart(snapshot) + _title("🛠 Delivery to Slack")
    health = snapshot.health
    if health is not None:
        if health.outbox_waiting == 0:
            blocks.append(context("All caught up: nothing is waiting to be shown in Slack."))
        else:
            age = f", the oldest for {duration(health.oldest_waiting)}" if health.oldest_waiting else ""
            blocks.append(section(f"{health.outbox_waiting} message(s) waiting to be shown{age}"))
        if health.last_error:
            blocks.append(context(f"Last Slack error: {escape(health.last_error[:300])}"))
        if health.quarantined:
            blocks.append(
                section(
                    f"🚧 {health.quarantined} webhook event(s) set aside as unusable: `supportbot doctor` names them, "
                    "`supportbot events retry` applies one again once its cause is fixed"
                )
            )
    blocks += _title("🚩 Consider parting ways")
    if not snapshot.risky:
        return [*blocks, context("No customer's record suggests parting ways.")]
    return blocks + [section(f"{escape(line.customer)}: {escape(line.summary)}") for line in snapshot.risky]


def _chart(snapshot: HomeSnapshot) -> list[Block]:
    if snapshot.chart_file_id is None:
        return []
    return [
        divider(),
        {
            "type": "image",
            "slack_file": {"id": snapshot.chart_file_id},
            "alt_text": "Sales and refunds per day in the main currency, and disputes opened, over the last 30 days",
            "title": {"type": "plain_text", "text": "📊 The last 30 days"},
        },
    ]


def _within_limits(blocks: list[Block]) -> list[Block]:
    """Slack refuses a Home view over 100 blocks or 250 KB: cut at the end, and say so."""
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], context("…more than fits here: see the channels.")]
    while len(json.dumps({"type": "home", "blocks": blocks}).encode()) > MAX_VIEW_BYTES and len(blocks) > 2:
        blocks = [*blocks[:-2], context("…more than fits here: see the channels.")]
    return blocks
