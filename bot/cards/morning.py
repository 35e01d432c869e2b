"""The morning digest as it shows in Slack: the night in one message, the urgent things first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.cards.blocks import Block, Card, context, escape, header, section, slack_date
from bot.cards.text import Mrkdwn, link, mention
from bot.core.money import format_money, format_totals
from bot.core.wording import humanise
from bot.policies.oncall_escalation import AlertKind
from bot.storage.models.oncall import MorningDigest

_ALERT_NAMES = {
    AlertKind.DISPUTE_OPENED: "dispute opened",
    AlertKind.DISPUTE_DEADLINE: "dispute deadline",
    AlertKind.ABUSE: "abusive customer",
    AlertKind.THREAT: "threat",
    AlertKind.BIG_REFUND_REQUEST: "big refund request",
    AlertKind.CUSTOMER_WAITING: "customer waiting",
}


def morning_card(digest: MorningDigest) -> Card:
    figures = digest.figures
    sales, refunds = figures["sales"], figures["refunds"]
    tickets, disputes, abuse = figures["tickets"], figures["disputes"], figures["abuse"]
    alerts = figures["alerts"]
    blocks: list[Block] = [
        header("☀️ Good morning: while you were away"),
        context(f"{slack_date(digest.since)} – {slack_date(digest.until)}"),
    ]
    if alerts:
        blocks.append(section("*On-call alerts*\n" + "\n".join(_alert_line(alert) for alert in alerts)))
    if tickets["waiting"]:
        more = tickets["waiting_count"] - len(tickets["waiting"])
        lines = [_waiting_line(item) for item in tickets["waiting"]] + ([f"…and {more} more"] if more > 0 else [])
        blocks.append(section(f"*Waiting for a reply ({tickets['waiting_count']})*\n" + "\n".join(lines)))
    if disputes["opened"] or disputes["due_soon"]:
        lines = [f"• New: {_dispute_line(d)}" for d in disputes["opened"]]
        lines += [f"• Evidence due {slack_date(_at(d['due']))}: {_dispute_line(d)}" for d in disputes["due_soon"]]
        blocks.append(section("*Disputes*\n" + "\n".join(lines)))
    if abuse["messages"]:
        where = ", ".join(_linked(f"ticket {escape(t['ticket'])}", t["link"]) for t in abuse["tickets"])
        blocks.append(section(f"*Abusive messages*: {abuse['messages']}, in {where}"))
    blocks.append(
        section(
            f"*Sales*: {sales['count']} · {format_totals(sales['totals'])}"
            + (f"\n*Refunds*: {refunds['count']} · {format_totals(refunds['totals'])}" if refunds["count"] else "")
            + f"\n*New tickets*: {tickets['opened']}"
            + (f"\n*Actions*: {_actions_line(figures['actions'])}" if figures["actions"]["done"] else "")
        )
    )
    if not (alerts or tickets["waiting"] or disputes["opened"] or disputes["due_soon"] or abuse["messages"]):
        blocks.append(context("A quiet night: nothing urgent happened and nobody is waiting."))
    if chart := figures.get("chart_file_id"):
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": chart},
                "alt_text": "Sales and refunds per day in the main currency, and disputes opened, the last 30 days",
                "title": {"type": "plain_text", "text": "📊 The last 30 days"},
            }
        )
    summary = (
        f"While you were away: {sales['count']} sales ({format_totals(sales['totals'])}), "
        f"{tickets['opened']} new tickets, {tickets['waiting_count']} waiting, "
        f"{disputes['opened_count']} new disputes, {len(alerts)} alerts"
    )
    return Card(summary, blocks)


def _alert_line(alert: dict[str, Any]) -> str:
    name = _ALERT_NAMES.get(alert["kind"], humanise(alert["kind"]) or "alert")
    raised = slack_date(_at(alert["raised_at"]), "{time}")
    if alert["acknowledged_by"]:
        at = slack_date(_at(alert["acknowledged_at"]), "{time}")
        ended = f"acknowledged by {mention(alert['acknowledged_by'])} at {at}"
    else:
        ended = "*nobody acknowledged it*"
    if alert["resolution"]:
        ended += f"; resolved: {escape(alert['resolution'])}"
    escalated = f" (escalated {alert['escalations']}×)" if alert["escalations"] else ""
    return f"• {raised} {_linked(escape(name), alert['link'])}{escalated}: {ended}"


def _waiting_line(item: dict[str, Any]) -> str:
    mark = "🔥 " if item["urgent"] else ""
    who = escape(item["customer"] or "a customer")
    subject = escape(item["subject"] or "(no subject)")
    return f"• {mark}{_linked(subject, item['link'])} · {who} · {escape(item['describe'])}"


def _dispute_line(dispute: dict[str, Any]) -> str:
    amount = format_money(dispute["amount_minor"], dispute["currency"])
    reason = humanise(dispute["reason"]) or "no reason given"
    return _linked(f"{amount} ({escape(reason)})", dispute["link"])


def _actions_line(actions: dict[str, Any]) -> str:
    parts = []
    for kind, count in sorted(actions["done"].items()):
        people = " ".join(mention(actor) for actor in actions["by"].get(kind, []))
        parts.append(f"{escape(humanise(kind))} ×{count} ({people})")
    failed = sum(actions["failed"].values())
    return " · ".join(parts) + (f" · {failed} failed" if failed else "")


def _linked(label: str, url: str | None) -> str:
    """`label` is already escaped markup."""
    return link(url, Mrkdwn(label)) if url else label


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)
