"""A channel's lane delivers what is stored while it runs, without waiting for the outbox's next poll."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.fakes.slack import FakeSlack
from bot.outbox.queue import ticket_reply
from bot.outbox.records import ToneFlagsReply
from bot.policies.tone import Flag
from bot.storage.models.outbox import OutboxMessage
from bot.storage.models.tickets import Ticket, TicketMessage
from tests.harness import bot_settings, open_ticket, running_bot, thread, unpaced

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def test_an_item_stored_while_its_lane_finds_nothing_more_is_delivered_by_that_lane(
    database_url: str, slack: FakeSlack
) -> None:
    # Polls an hour apart: only the lane itself can deliver the late item within the test.
    settings = bot_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced(), clock=FakeClock(NOW), poll_seconds=3600) as bot:
        card = await open_ticket(bot, slack, "T-50")
        db, outbox = bot.runtime.db, bot.runtime.outbox
        async with db.transaction(read_only=True) as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.external_id == "T-50"))
            assert ticket is not None
            message = await session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
            assert message is not None
        flagged = ToneFlagsReply(message.id, frozenset({Flag.LEGAL}))
        looked = outbox._next
        late_stored = asyncio.Event()

        async def next_with_news_meanwhile(channel: str) -> OutboxMessage | None:
            item = await looked(channel)
            if item is None and not late_stored.is_set():
                # Another task stores an item for this channel just after this lane's read found none, and wakes
                # the outbox; that wake-up's pass runs while this lane is still running, so it starts no other.
                async with db.transaction() as session:
                    ticket_reply(session, "late", ticket.id, card.channel, NOW, flagged)
                late_stored.set()
                outbox.wake()
                await asyncio.sleep(0.2)
            return item

        outbox._next = next_with_news_meanwhile  # type: ignore[method-assign]
        async with db.transaction() as session:
            ticket_reply(session, "first", ticket.id, card.channel, NOW, flagged)
        outbox.wake()
        await bot.settle()
        assert late_stored.is_set()
    replies = [reply for reply in thread(slack, card) if "mentions legal action" in reply]
    assert len(replies) == 2, replies
