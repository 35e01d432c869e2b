"""Block Kit messages as readable terminal text, so the offline demo can show what Slack would display."""

from __future__ import annotations

import re
from itertools import zip_longest
from typing import Any

Block = dict[str, Any]

DIVIDER_WIDTH = 40
_FIELD_GAP = 4
_ANGLE_TOKEN = re.compile(r"<([^<>\n]+)>")
# Slack escapes only these three characters in message text.
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def render_blocks(blocks: list[Block] | None, text: str | None) -> str:
    """The message as plain lines; the `text` fallback when there are no blocks, as Slack notifications do."""
    if not blocks:
        return mrkdwn_to_text(text or "")
    rendered = (_render_block(block) for block in blocks)
    return "\n".join(part for part in rendered if part)


def mrkdwn_to_text(mrkdwn: str) -> str:
    """Resolve Slack's angle-bracket tokens (links, mentions, dates) and entities; *bold* stays as is."""
    resolved = _ANGLE_TOKEN.sub(lambda match: _resolve_token(match[1]), mrkdwn)
    for entity, char in _ENTITIES:
        resolved = resolved.replace(entity, char)
    return resolved


def _resolve_token(token: str) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return f"@{label or target[1:]}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        # Dates, user groups and other specials carry a fallback label; bare ones are @here, @channel, ...
        return label or f"@{target[1:].split('^')[0]}"
    return label or target


def _render_block(block: Block) -> str:
    kind = block.get("type")
    if kind == "header":
        return _text(block.get("text")).upper()
    if kind == "section":
        return _section(block)
    if kind == "context":
        return " · ".join(_element(element) for element in block.get("elements", ()))
    if kind == "divider":
        return "─" * DIVIDER_WIDTH
    if kind == "actions":
        return "  ".join(_element(element) for element in block.get("elements", ()))
    if kind == "image":
        return _element(block)
    if kind == "input":
        return _input(block)
    # Other blocks (e.g. "markdown") mostly carry their content in "text"; show that rather than nothing.
    return _text(block.get("text"))


def _input(block: Block) -> str:
    """A modal's field as it shows before anyone types: its label, then what is filled in or ticked."""
    element = block.get("element") or {}
    label = _text(block.get("label")) + ("" if not block.get("optional") else " (optional)")
    kind = element.get("type")
    if kind in ("checkboxes", "radio_buttons"):
        chosen = {o.get("value") for o in element.get("initial_options", ())}
        if element.get("initial_option"):
            chosen.add(element["initial_option"].get("value"))
        marks = ("☑", "☐") if kind == "checkboxes" else ("◉", "○")
        options = [
            f"  {marks[0] if o.get('value') in chosen else marks[1]} {_text(o.get('text'))}"
            for o in element.get("options", ())
        ]
        return "\n".join([label, *options])
    if kind == "static_select":
        shown = (element.get("initial_option") or {}).get("text") or element.get("placeholder")
        return f"{label}\n  [ {_text(shown)} ▾ ]"
    value = element.get("initial_value") or _text(element.get("placeholder")) or ""
    lines = value.splitlines() or [""]
    return "\n".join([label, *(f"  │ {line}" for line in lines)])


def _section(block: Block) -> str:
    parts = [_text(block.get("text"))]
    fields = [_text(field) for field in block.get("fields", ())]
    parts.extend(_two_columns(fields))
    if accessory := block.get("accessory"):
        parts.append(_element(accessory))
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


def _element(element: Block) -> str:
    kind = element.get("type")
    if kind in ("mrkdwn", "plain_text"):
        return _text(element)
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind == "button":
        return f"[ {_text(element.get('text'))} ]"
    if placeholder := element.get("placeholder"):
        # Menus and pickers show their placeholder until someone chooses.
        return f"[ {_text(placeholder)} ▾ ]"
    return f"[ {kind} ]"


def _text(obj: Any) -> str:
    if isinstance(obj, str):
        return mrkdwn_to_text(obj)
    if not isinstance(obj, dict):
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn_to_text(raw) if obj.get("type") == "mrkdwn" else raw
