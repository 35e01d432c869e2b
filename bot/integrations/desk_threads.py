"""What Help Scout's and FreeScout's clients share: both APIs speak the same conversation and thread shapes."""

from __future__ import annotations

import html
from typing import Any

from bot.integrations.desk_events.text import html_to_text
from bot.integrations.http import short


def already_posted(conversation: dict[str, Any], thread_type: str, agent_ref: str, text: str) -> str | None:
    """The id of the agent's latest thread of this type when it says `text`: a repeated call already posted it.

    These desks have no idempotency key; an action retried after a lost answer finds its own thread here.
    """
    threads = (conversation.get("_embedded") or {}).get("threads") or []
    mine = [
        t
        for t in threads
        if isinstance(t, dict)
        and t.get("type") == thread_type
        and str((t.get("createdBy") or {}).get("id")) == agent_ref
    ]
    if not mine:
        return None
    latest = max(mine, key=lambda t: (str(t.get("createdAt") or ""), t.get("id") or 0))
    same = " ".join(html_to_text(str(latest.get("body") or "")).split()) == " ".join(text.split())
    return str(latest["id"]) if same else None


def as_html(text: str) -> str:
    """The desks take HTML; what a person typed in Slack is text."""
    return "<br>".join(html.escape(line) for line in text.splitlines()) or html.escape(text)


def error_detail(body: Any) -> str | None:
    """The desk's own words for a refusal: its validation errors, or its message."""
    if not isinstance(body, dict):
        return None
    errors = (body.get("_embedded") or {}).get("errors") or []
    parts = [f"{e.get('path')}: {e.get('message')}" for e in errors if isinstance(e, dict)]
    message = "; ".join(parts) or body.get("message") or body.get("error_description")
    return short(str(message)) if message else None
