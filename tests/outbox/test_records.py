"""An outbox item's payload keeps the stored shape it has always had: a reply's record, its fixed words and a
redraw's target, queued before an upgrade, are read as the same typed payload, and delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.fakes.slack import FakeSlack
from bot.outbox.queue import Subject, ticket_reply
from bot.outbox.records import (
    RedrawPayload,
    RefundReply,
    RefundRequestReply,
    ReplyPayload,
    ReplyRecord,
    TicketMessageReply,
    ToneFlagsReply,
    ToneWarningReply,
    WaitingReply,
    parse_redraw_payload,
    parse_reply_payload,
    parse_reply_record,
)
from bot.policies.tone import Flag
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.tickets import Ticket, TicketMessage
from tests.harness import bot_settings, open_ticket, running_bot, shown, thread, unpaced

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


SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "✅ *Refund*: refunded $10.00"}}
# Reply payloads exactly as earlier versions stored them (queue.reply's dict), beside the payload each stands for.
STORED_REPLIES: list[tuple[dict[str, Any], ReplyPayload]] = [
    ({"text": "⏰ Evidence due in 2 days"}, ReplyPayload("⏰ Evidence due in 2 days")),
    ({"text": "✅ refunded", "blocks": [SECTION]}, ReplyPayload("✅ refunded", None, [SECTION])),
    ({"text": "", "record": {"type": "refund", "id": 3}}, ReplyPayload("", RefundReply(3))),
    (
        {"text": "", "record": {"type": "tone_flags", "id": 12, "flags": ["threat"]}},
        ReplyPayload("", ToneFlagsReply(12, frozenset({Flag.THREAT}))),
    ),
]


@pytest.mark.parametrize(("stored", "payload"), STORED_REPLIES)
def test_a_stored_reply_payload_reads_as_its_payload_and_is_written_back_the_same(stored, payload):
    assert parse_reply_payload(stored) == payload
    assert payload.to_json() == stored


def test_a_stored_redraw_reads_as_the_reply_it_redraws_and_is_written_back_the_same():
    assert parse_redraw_payload({"of": "alert:7"}) == RedrawPayload("alert:7")
    assert RedrawPayload("alert:7").to_json() == {"of": "alert:7"}


def test_a_reply_payload_without_words_or_with_a_record_from_a_later_version_is_read_as_what_it_has():
    assert parse_reply_payload({}) == ReplyPayload()
    assert parse_reply_payload({"text": None, "blocks": []}) == ReplyPayload("", None, [])
    future = {"text": "fixed words", "record": {"type": "from_the_future", "id": 1}}
    assert parse_reply_payload(future) == ReplyPayload("fixed words")


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


async def test_fixed_replies_and_a_redraw_queued_by_an_earlier_version_are_delivered(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced(), clock=FakeClock(NOW)) as bot:
        card = await open_ticket(bot, slack, "T-42")

        async def leave(key: str, kind: OutboxKind, payload: dict[str, Any]) -> None:
            # Inserted as a row, not through the queue: this is what an older version left in the table.
            async with bot.runtime.db.transaction() as session:
                ticket = await session.scalar(select(Ticket).where(Ticket.external_id == "T-42"))
                assert ticket is not None
                session.add(
                    OutboxMessage(
                        dedupe_key=key,
                        channel=card.channel,
                        kind=kind,
                        subject_type=Subject.TICKET,
                        subject_id=ticket.id,
                        payload=payload,
                        status=OutboxStatus.PENDING,
                        attempts=0,
                        not_before=NOW,
                        created_at=NOW,
                    )
                )
            bot.runtime.outbox.wake()
            await bot.settle()

        await leave("old:text", OutboxKind.REPLY, {"text": "⏰ A reminder, in fixed words"})
        await leave("old:blocks", OutboxKind.REPLY, {"text": "✅ refunded", "blocks": [SECTION]})
        replies = {shown(reply): reply for reply in slack.replies(card.channel, card.ts)}
        [reminder] = [reply for text, reply in replies.items() if "A reminder, in fixed words" in text]
        [refunded] = [reply for text, reply in replies.items() if "refunded $10.00" in text]
        assert refunded.blocks == [SECTION] and not reminder.edits

        # A redraw of the fixed reply: drawn again from what it carries, so Slack is asked to edit it in place.
        await leave("old:text:update:1", OutboxKind.UPDATE_REPLY, {"of": "old:text"})
        assert len(reminder.edits) == 1 and "A reminder, in fixed words" in shown(reminder)
