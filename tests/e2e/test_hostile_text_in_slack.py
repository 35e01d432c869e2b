"""What a customer writes cannot ping the team: a ticket whose id, name and words carry mentions and disguised
links reaches Slack (cards, thread replies, alerts, and every notification text) with none of them live."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.slack_ids import Command
from bot.fakes.slack import FakeSlack
from tests.builders import ticket_event
from tests.cards.hostile import mrkdwn_texts
from tests.harness import on_call_settings, running_bot, unpaced

OWNER = "U0OWNER"
DAY = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # 10:30 in Berlin: the team is on duty
NIGHT = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 02:00 in Berlin: on-call is paged
LIVE = ("<!channel>", "<!here>", "<!everyone>", "<@U0OWNER>", "<https://evil.example", "<#C0SALES>")
TICKET_ID = "T-<!channel>-<@U0OWNER>"
ABUSIVE = (
    "You are idiots and liars <!here> <@U0OWNER> <!everyone>. "
    "<https://evil.example/reset|Reset your password> & <#C0SALES>"
)


@pytest.mark.parametrize("when", [DAY, NIGHT], ids=["day", "night"])
async def test_hostile_ticket_text_reaches_no_notification_or_block_live(database_url, slack: FakeSlack, when):
    clock = FakeClock(when)
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        # Shown as written: the abusive message's own reply then carries its words in its notification text.
        await bot.slash(slack, Command.SUPPORT, "hide-abusive off", user=OWNER)
        await slack.wait_for(lambda s: bool(s.responses.get("cmd")))
        for n, body in enumerate(["The key <!channel> does not work.", "Still nothing <!here>.", ABUSIVE], 1):
            event = ticket_event(
                "ticket.created" if n == 1 else "ticket.message",
                ticket_id=TICKET_ID,
                message_id=f"M-{n}",
                body=body,
                subject="Help <!channel> <https://evil.example|urgent>",
                name="<!channel> Ann <@U0OWNER>",
                email="ann@example.com",
            )
            status, answer = await bot.tickets(event, timestamp=int(clock.now().timestamp()))
            assert status == 200, answer
            await bot.settle()
            clock.advance(5 * 60)
        await bot.settle()

    posted = slack.all_messages()
    texts = [m.text for m in posted]
    # The replies this test is about are all there: the shown abusive message, the tone warning, and by day the
    # note that the customer is waiting, by night the abuse alert (both naming the help desk's ticket id).
    assert any(t.startswith("Customer: You are idiots") for t in texts), texts
    assert any(t.startswith("Warning: the customer's messages turned abusive") for t in texts), texts
    if when == DAY:
        assert any(t.startswith("Customer waiting (ticket") for t in texts), texts
    else:
        # Our own mention of the person on call stays live: that is what wakes them.
        assert any(t.startswith("<@U0AGENT> Urgent: abusive message from") for t in texts), texts
    assert any("T-&lt;!channel&gt;-&lt;@U0OWNER&gt;" in t for t in texts), texts
    for message in posted:
        for shown in [message.text, *mrkdwn_texts(message.blocks or [])]:
            assert not [token for token in LIVE if token in shown], shown
