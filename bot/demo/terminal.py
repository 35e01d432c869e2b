"""What the demo prints: each channel's messages as the team in Berlin sees them in Slack, scene by scene."""

from __future__ import annotations

import sys
import textwrap
from collections import Counter
from datetime import datetime
from typing import TextIO

from bot.demo.blockkit_text import Viewer, render_blocks
from bot.fakes.slack import Message

WIDTH = 100


class Terminal:
    """Collects each Slack change as it happens and prints a beat's changes once the bot has settled them, in
    the order the bot queued them (its outbox ids): channels are delivered side by side, so the order in which
    their messages reach Slack is up to the machine, but the story must read the same every time."""

    def __init__(self, viewer: Viewer, channels: dict[str, str], out: TextIO | None = None):
        self.viewer = viewer
        self.channels = channels
        self.out = out or sys.stdout
        self.counts: Counter[str] = Counter()
        self._seen: list[tuple[int, int, list[str]]] = []

    def show(self, kind: str, message: Message) -> None:
        """FakeSlack's on_change: render the message now, as it is at this moment (an update changes it later)."""
        channel = "#" + self.channels.get(message.channel, message.channel)
        self.counts[f"{channel} {kind}"] += 1
        if kind == "post" and message.thread_ts:
            label = f"{channel} ↳ thread reply"
        elif kind == "update":
            label = f"{channel} ✎ card updated in place"
        else:
            label = f"{channel} new message"
        lines = [f"  ┌─ {label}"]
        for line in render_blocks(message.blocks, message.text, self.viewer).splitlines():
            lines += [f"  │ {piece}" for piece in textwrap.wrap(line, WIDTH - 6) or [""]]
        lines.append("  └" + "─" * 40)
        payload = (message.metadata or {}).get("event_payload") or {}
        self._seen.append((int(payload.get("outbox_id", sys.maxsize)), len(self._seen), lines))

    def flush(self) -> None:
        for _, _, lines in sorted(self._seen):
            self.say(*lines)
        self._seen.clear()

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, file=self.out)

    def quote(self, text: str, mark: str = "┆") -> None:
        """A modal or a draft as the person sees it, set apart from channel messages."""
        for line in text.splitlines():
            indent = "  │ " if line.startswith("  │") else ""
            self.say(
                *(f"  {mark} {piece}" for piece in textwrap.wrap(line, WIDTH - 6, subsequent_indent=indent) or [""])
            )

    def heading(self, when: datetime, title: str) -> None:
        """A scene's time in the team's zone, named: `Wed 25 Nov, 08:55 CET`."""
        stamp = f"{when:%a %d %b, %H:%M %Z}"
        self.say("", f"━━ {stamp} · {title} " + "━" * max(0, WIDTH - len(stamp) - len(title) - 7))

    def rule(self, title: str) -> None:
        self.say("", f"━━ {title} " + "━" * max(0, WIDTH - len(title) - 4))
