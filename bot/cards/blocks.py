"""Small Block Kit builders and text helpers shared by the cards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.text import Mrkdwn, escape, link, md
from bot.core.money import format_totals
from bot.storage.store import CustomerHistory

Block = dict[str, Any]
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_LIMIT), "emoji": True}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_LIMIT)}}


def fields(*pairs: tuple[str, str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": clip(f"*{label}*\n{value}", 2000)} for label, value in pairs[:10]],
    }


def context(*parts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(p, 2000)} for p in parts if p][:10],
    }


def button(action_id: str, label: str, value: str, style: str | None = None) -> Block:
    """A button; `style` is "primary" or "danger" (Slack's only two), or None for a plain one."""
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": clip(label, 75)},
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(*buttons: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(buttons)}
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> Block:
    return {"type": "divider"}


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    # Never leave half a link, mention or date: Slack would show it raw, or read it with what follows.
    if (start := kept.rfind("<")) > kept.rfind(">"):
        kept = kept[:start]
    # A cut entity (`&am…`) is only shown oddly; clipped markup stays markup.
    return Mrkdwn(kept + "…") if isinstance(text, Mrkdwn) else kept + "…"


def quote(text: str, limit: int = 1200) -> str:
    body = escape(clip(text.strip(), limit)) or "_(empty message)_"
    return "\n".join("> " + line for line in body.splitlines())


def slack_date(when: datetime, fmt: str = "{date_short_pretty} at {time}") -> Mrkdwn:
    """A time each reader sees in their own timezone; the fallback is UTC."""
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return Mrkdwn(f"<!date^{int(when.timestamp())}^{fmt}|{fallback}>")


def archive_link(channel: str | None, ts: str | None) -> str | None:
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}" if channel and ts else None


def duration(delta: timedelta) -> str:
    """ "3 d 4 h", "5 h 10 min", "12 min": precise enough to act on, short enough to scan."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def local_time(zone: str | None, now: datetime) -> str | None:
    if not zone:
        return None
    local = now.astimezone(ZoneInfo(zone))
    night = " 🌙" if local.hour < 7 or local.hour >= 22 else ""
    return f"{local:%H:%M} for the customer ({zone}){night}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def customer_label(email: str | None, name: str | None) -> Mrkdwn:
    # The address is customer text too: a crafted one must not become a mention or a second link.
    address = link(f"mailto:{email}", email) if email and "|" not in email else escape(email)
    if name and email:
        return md("{} {}", name, address)
    return address if email else (escape(name) if name else Mrkdwn("_unknown customer_"))


def history_line(history: CustomerHistory, *, purchase_number: int | None = None) -> str:
    """The customer at a glance: what they bought, what came back, and how often they needed us."""
    if history.purchases == 0 and history.tickets == 0 and history.disputes == 0:
        return "first contact"
    parts = []
    if history.purchases:
        if purchase_number is None:
            label = f"{history.purchases} purchase(s)"
        elif purchase_number < history.purchases:
            label = f"{ordinal(purchase_number)} of {history.purchases} purchases"
        else:
            label = f"{ordinal(purchase_number)} purchase"
        parts.append(f"{label} · lifetime {format_totals(history.lifetime_value())}")
    else:
        parts.append("no purchases on record")
    if history.refunds:
        parts.append(f"↩️ {history.refunds} refund(s)")
    if history.disputes:
        parts.append(f"⚠️ {history.disputes} dispute(s)")
    if history.tickets:
        parts.append(f"🎫 {history.tickets} ticket(s)")
    return " · ".join(parts)


class Card:
    """A Slack message: `text` is what notifications and screen readers say, `blocks` what people see."""

    __slots__ = ("blocks", "text")

    def __init__(self, text: str, blocks: list[Block]):
        # The notification is where a mention buzzes phones: plain text is escaped here, for every card; only
        # text marked `Mrkdwn` (built with `md`, `mention`, `escape`) goes out as markup.
        self.text = clip(escape(text), 3000)
        self.blocks = blocks[:50]
