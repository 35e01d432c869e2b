"""A thread reply's record keeps the stored shape it has always had: an item queued before an upgrade is read as
the same record, and delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.fakes.slack import FakeSlack
from bot.outbox.queue import Subject, ticket_reply
from bot.outbox.records import (
    RefundReply,
    RefundRequestReply,
    ReplyRecord,
    TicketMessageReply,
    ToneFlagsReply,
    ToneWarningReply,
    WaitingReply,
    parse_reply_record,
)
from bot.policies.tone import Flag
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.tickets import Ticket, TicketMessage
from tests.harness import bot_settings, open_ticket, running_bot, thread, unpaced

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SINCE = datetime(2026, 11, 25, 7, 5, tzinfo=UTC)

# Records exactly as earlier versions stored them (the producers' dicts), beside the record each stands for.
STORED: list[tuple[dict[str, Any], ReplyRecord]] = [
    ({"type": "ticket_message", "id": 7}, TicketMessageReply(7)),
    ({"type": "refund", "id": 3}, RefundReply(3)),
    (
        {"type": "waiting", "id": 5, "since": "2026-11-25T07:05:00+00:00", "marker": "🌙"},
        WaitingReply(5, SINCE, "🌙"),
    ),
    (
        {"type": "refund_request", "id": 9, "marker": "", "message_id": 9, "refundable": 24900, "currency": "EUR"},
        RefundRequestReply(9, 24900, "EUR"),
    ),
    ({"type": "tone_warning", "id": 11, "oncall": "C0ONCALL"}, ToneWarningReply(11, "C0ONCALL")),
    ({"type": "tone_warning", "id": 11, "oncall": None, "marker": "🌙"}, ToneWarningReply(11, None, "🌙")),
    (
        {"type": "tone_flags", "id": 12, "flags": ["legal", "threat"]},
        ToneFlagsReply(12, frozenset({Flag.LEGAL, Flag.THREAT})),
    ),
]


@pytest.mark.parametrize(("stored", "record"), STORED)
def test_a_stored_record_reads_as_its_record_and_is_written_back_the_same(stored, record):
    assert parse_reply_record(stored) == record
    assert record.to_json() == stored


def test_a_record_of_a_type_this_version_does_not_know_is_none_and_a_broken_one_raises():
    assert parse_reply_record({"type": "from_the_future", "id": 1}) is None
    with pytest.raises(KeyError):
        parse_reply_record({"type": "waiting", "id": 1})


async def test_a_reply_queued_by_an_earlier_version_is_delivered(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced(), clock=FakeClock(NOW)) as bot:
        card = await open_ticket(bot, slack, "T-41")
        async with bot.runtime.db.transaction() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.external_id == "T-41"))
            assert ticket is not None
            message = await session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
            assert message is not None
            # Inserted as a row, not through the queue: this is what an older version left in the table.
            for key, stored in [
                ("old:refund-request", {"type": "refund_request", "id": message.id, "marker": "",
                                        "message_id": message.id, "refundable": 24900, "currency": "EUR"}),
                ("old:flags", {"type": "tone_flags", "id": message.id, "flags": ["legal"]}),
            ]:  # fmt: skip
                session.add(
                    OutboxMessage(
                        dedupe_key=key,
                        channel=card.channel,
                        kind=OutboxKind.REPLY,
                        subject_type=Subject.TICKET,
                        subject_id=ticket.id,
                        payload={"text": "", "record": stored},
                        status=OutboxStatus.PENDING,
                        attempts=0,
                        not_before=NOW,
                        created_at=NOW,
                    )
                )
            # And one queued now, from a record.
            ticket_reply(
                session, "new:flags", ticket.id, card.channel, NOW, ToneFlagsReply(message.id, frozenset(Flag))
            )
        bot.runtime.outbox.wake()
        await bot.settle()
        replies = thread(slack, card)
        # The two old items and the new one, each drawn from its record, not from the (empty) fixed text.
        assert [reply for reply in replies if "asks for their money back" in reply and "€249.00" in reply], replies
        assert [reply for reply in replies if "mentions legal action" in reply and "harm" not in reply], replies
        assert [reply for reply in replies if "mentions legal action" in reply and "threatens harm" in reply], replies
        assert not [reply for reply in replies if "(no details)" in reply], replies
