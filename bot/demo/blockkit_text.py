"""Block Kit messages as readable terminal text, so the offline demo can show what Slack would display."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import zip_longest
from typing import Any
from zoneinfo import ZoneInfo

Block = dict[str, Any]

DIVIDER_WIDTH = 40
_FIELD_GAP = 4
_ANGLE_TOKEN = re.compile(r"<([^<>\n]+)>")
# Slack escapes only these three characters in message text.
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_DATE_TOKEN = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Viewer:
    """Whose Slack shows the message: dates in their time zone, relative to their today; people and channels by
    name. Without a viewer, dates show their fallback and mentions their ids, as a notification would."""

    zone: ZoneInfo
    now: Callable[[], datetime]
    people: Mapping[str, str] = field(default_factory=dict)  # user id -> display name
    channels: Mapping[str, str] = field(default_factory=dict)  # channel id -> name

    def date(self, timestamp: int, template: str) -> str:
        """A `<!date^…>` token as Slack renders it, with a 24-hour clock."""
        when = datetime.fromtimestamp(timestamp, UTC).astimezone(self.zone)
        today = self.now().astimezone(self.zone).date()
        return _DATE_TOKEN.sub(lambda match: _date_part(match[1], when, today) or match[0], template)


def _date_part(token: str, when: datetime, today: date) -> str | None:
    day = when.day
    ordinal = f"{day}{'th' if 10 <= day % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"
    plain = {
        "date_num": when.strftime("%Y-%m-%d"),
        "date": f"{when:%B} {ordinal}, {when.year}",
        "date_short": f"{when:%b} {day}, {when.year}",
        "date_long": f"{when:%A, %B} {ordinal}, {when.year}",
        "time": when.strftime("%H:%M"),
        "time_secs": when.strftime("%H:%M:%S"),
    }
    if token.endswith("_pretty") and token.removesuffix("_pretty") in plain:
        relative = {-1: "yesterday", 0: "today", 1: "tomorrow"}.get((when.date() - today).days)
        return relative or plain[token.removesuffix("_pretty")]
    return plain.get(token)


def render_blocks(blocks: list[Block] | None, text: str | None, viewer: Viewer | None = None) -> str:
    """The message as plain lines; the `text` fallback when there are no blocks, as Slack notifications do."""
    if not blocks:
        return mrkdwn_to_text(text or "", viewer)
    rendered = (_render_block(block, viewer) for block in blocks)
    return "\n".join(part for part in rendered if part)


def mrkdwn_to_text(mrkdwn: str, viewer: Viewer | None = None) -> str:
    """Resolve Slack's angle-bracket tokens (links, mentions, dates) and entities; *bold* stays as is."""
    resolved = _ANGLE_TOKEN.sub(lambda match: _resolve_token(match[1], viewer), mrkdwn)
    for entity, char in _ENTITIES:
        resolved = resolved.replace(entity, char)
    # Slack starts a sentence with a capital: "Today at 09:12", but "paid today at 09:12".
    return resolved[:1].upper() + resolved[1:] if mrkdwn.startswith("<!date^") else resolved


def _resolve_token(token: str, viewer: Viewer | None) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return f"@{(viewer.people.get(target[1:]) if viewer else None) or label or target[1:]}"
    if target.startswith("#"):
        return f"#{(viewer.channels.get(target[1:]) if viewer else None) or label or target[1:]}"
    if target.startswith("!date^") and viewer is not None:
        _, timestamp, template, *_link = target.split("^")
        return viewer.date(int(timestamp), template)
    if target.startswith("!"):
        # Dates, user groups and other specials carry a fallback label; bare ones are @here, @channel, ...
        return label or f"@{target[1:].split('^')[0]}"
    return label or target


def _render_block(block: Block, viewer: Viewer | None) -> str:
    kind = block.get("type")
    if kind == "header":
        return _text(block.get("text"), viewer).upper()
    if kind == "section":
        return _section(block, viewer)
    if kind == "context":
        return " · ".join(_element(element, viewer) for element in block.get("elements", ()))
    if kind == "divider":
        return "─" * DIVIDER_WIDTH
    if kind == "actions":
        return "  ".join(_element(element, viewer) for element in block.get("elements", ()))
    if kind == "image":
        return _element(block, viewer)
    if kind == "input":
        return _input(block, viewer)
    # Other blocks (e.g. "markdown") mostly carry their content in "text"; show that rather than nothing.
    return _text(block.get("text"), viewer)


def _input(block: Block, viewer: Viewer | None) -> str:
    """A modal's field as it shows before anyone types: its label, then what is filled in or ticked."""
    element = block.get("element") or {}
    label = _text(block.get("label"), viewer) + ("" if not block.get("optional") else " (optional)")
    kind = element.get("type")
    if kind in ("checkboxes", "radio_buttons"):
        chosen = {o.get("value") for o in element.get("initial_options", ())}
        if element.get("initial_option"):
            chosen.add(element["initial_option"].get("value"))
        marks = ("☑", "☐") if kind == "checkboxes" else ("◉", "○")
        options = [
            f"  {marks[0] if o.get('value') in chosen else marks[1]} {_text(o.get('text'), viewer)}"
            for o in element.get("options", ())
        ]
        return "\n".join([label, *options])
    if kind == "static_select":
        shown = (element.get("initial_option") or {}).get("text") or element.get("placeholder")
        return f"{label}\n  [ {_text(shown, viewer)} ▾ ]"
    value = element.get("initial_value") or _text(element.get("placeholder"), viewer) or ""
    lines = value.splitlines() or [""]
    return "\n".join([label, *(f"  │ {line}" for line in lines)])


def _section(block: Block, viewer: Viewer | None) -> str:
    parts = [_text(block.get("text"), viewer)]
    fields = [_text(field, viewer) for field in block.get("fields", ())]
    parts.extend(_two_columns(fields))
    if accessory := block.get("accessory"):
        parts.append(_element(accessory, viewer))
    return "\n".join(part for part in parts if part)


def _two_columns(fields: list[str]) -> list[str]:
    """Fields side by side in pairs, as Slack lays them out, the left column padded to one width."""
    lefts = fields[0::2]
    width = max((len(line) for field in lefts for line in field.splitlines()), default=0) + _FIELD_GAP
    rows: list[str] = []
    for left, right in zip_longest(lefts, fields[1::2], fillvalue=""):
        for left_line, right_line in zip_longest(left.splitlines(), right.splitlines(), fillvalue=""):
            rows.append(f"{left_line:<{width}}{right_line}".rstrip() if right_line else left_line)
    return rows


def _element(element: Block, viewer: Viewer | None) -> str:
    kind = element.get("type")
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, viewer)
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind == "button":
        return f"[ {_text(element.get('text'), viewer)} ]"
    if placeholder := element.get("placeholder"):
        # Menus and pickers show their placeholder until someone chooses.
        return f"[ {_text(placeholder, viewer)} ▾ ]"
    return f"[ {kind} ]"


def _text(obj: Any, viewer: Viewer | None = None) -> str:
    if isinstance(obj, str):
        return mrkdwn_to_text(obj, viewer)
    if not isinstance(obj, dict):
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn_to_text(raw, viewer) if obj.get("type") == "mrkdwn" else raw
