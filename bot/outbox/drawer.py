"""What the outbox is handed to turn an item into a Slack call: it delivers, the drawer (bot.cards.render) knows
what the records look like in Slack."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.integrations.slack import Message
from bot.storage.models.outbox import OutboxMessage


@dataclass(frozen=True)
class Delivery:
    """One Slack call, or why none is due yet (`wait`) or at all (`skip`)."""

    method: str = "post"
    card: Message | None = None
    thread_ts: str | None = None
    ts: str | None = None
    wait: bool = False
    skip: str | None = None

    @property
    def content_hash(self) -> str | None:
        if self.card is None:
            return None
        shown = json.dumps([self.card.text, self.card.blocks], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(shown.encode()).hexdigest()


class Drawer(Protocol):
    async def render(self, session: AsyncSession, item: OutboxMessage, now: datetime) -> Delivery:
        """The Slack call `item` stands for, drawn from the records as they are now (in the caller's session)."""
        ...

    async def record_posted(self, session: AsyncSession, item: OutboxMessage, ts: str) -> None:
        """Remember where the message went, so updates and replies can find it."""
        ...
