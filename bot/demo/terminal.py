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
    """Shows each beat as the team's Slack looks once the bot has settled it: every message the beat posted or
    changed, once, as it finally reads; channel by channel, cards before thread replies, each in the order the
    bot queued it. Channels are delivered side by side and an action's steps run side by side, so the order in
    which changes reach Slack, and how many edits a card gets on the way, are up to the machine; what the
    channels show at the end of a beat is not."""

    def __init__(self, viewer: Viewer, channels: dict[str, str], out: TextIO | None = None):
        self.viewer = viewer
        self.channels = channels
        self.out = out or sys.stdout
        self.counts: Counter[str] = Counter()
        # (channel, ts) -> how the beat first changed it ("post" or "update"), by which outbox item, the message
        self._changed: dict[tuple[str, str], tuple[str, int, Message]] = {}

    def show(self, kind: str, message: Message) -> None:
        """FakeSlack's on_change: note the message; it is rendered as it reads when the beat is printed."""
        key = (message.channel, message.ts)
        if key not in self._changed:
            self._changed[key] = (kind, _outbox_id(message), message)

    def flush(self) -> None:
        rank = {channel: n for n, channel in enumerate(self.channels)}

        def place(item: tuple[tuple[str, str], tuple[str, int, Message]]) -> tuple[int, bool, int, str]:
            (channel, ts), (_, outbox_id, message) = item
            return rank.get(channel, len(rank)), message.thread_ts is not None, outbox_id, ts

        for _, (kind, _, message) in sorted(self._changed.items(), key=place):
            self._print(kind, message)
        self._changed.clear()

    def _print(self, kind: str, message: Message) -> None:
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
        self.say(*lines)

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


def _outbox_id(message: Message) -> int:
    """The outbox item behind the message's latest change: the bot's own order."""
    payload = (message.metadata or {}).get("event_payload") or {}
    return int(payload.get("outbox_id", sys.maxsize))
