"""FreeScout end to end: the API & Webhooks module's signed webhooks become ticket cards and threads, and what
people do in Slack lands in FreeScout as them (the fake records what it received), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.freescout import FakeFreeScout
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import view_text
from bot.storage.db import Database
from bot.storage.models.tickets import Ticket
from tests.harness import BotUnderTest, audit_trail, bot_settings, button_value, running_bot, shown, thread, unpaced

CONVERSATION = 1043
SAMPLE_TIME = datetime(2026, 11, 24, 10, 2, 31, tzinfo=UTC)
AGENT = "U0AGENT"


def desk_settings(database_url: str, slack: FakeSlack, desk: FakeFreeScout) -> Any:
    return bot_settings(
        database_url,
        slack,
        freescout_webhook_secret=desk.webhook_secret,
        freescout_url=desk.base_url,
        freescout_api_key=desk.api_key,
        provider_timeout_seconds=2.0,
    )


async def deliver(bot: BotUnderTest, desk: FakeFreeScout, event: str) -> int:
    status, answer = await bot.post("/webhooks/freescout", *desk.webhook(CONVERSATION, event))
    assert status == 200, answer
    return status


async def ticket_row(database_url: str) -> Ticket:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return (await session.scalars(select(Ticket).where(Ticket.external_id == "FS-10143"))).one()
    finally:
        await db.dispose()


async def test_a_freescout_conversation_becomes_a_card_and_the_desk_s_changes_follow(
    database_url, slack: FakeSlack, freescout: FakeFreeScout
):
    lea = freescout.add_user("lea@shop.example", "Lea", "Brandt")
    clock = FakeClock(SAMPLE_TIME + timedelta(minutes=10))
    async with running_bot(desk_settings(database_url, slack, freescout), pacer=unpaced(), clock=clock) as bot:
        await deliver(bot, freescout, "convo.created")
        await deliver(bot, freescout, "convo.created")  # FreeScout retries a delivery it did not hear back about
        await bot.settle()
        [card] = slack.channel_messages("C0SUPPORT")
        assert "Ticket FS-10143" in shown(card) and "Licence key says invalid" in shown(card)
        assert "says invalid when I paste it into the app." in shown(card) and "Dana Weiß" in shown(card)
        assert (await ticket_row(database_url)).respond_by is not None

        freescout.agent_replies(CONVERSATION, lea, "<p>Hi Dana, I have reset your activations.</p>")
        await deliver(bot, freescout, "convo.agent.reply.created")
        freescout.assign(CONVERSATION, lea)
        await deliver(bot, freescout, "convo.assigned")
        freescout.set_status(CONVERSATION, "closed")
        await deliver(bot, freescout, "convo.status")
        await bot.settle()
        await slack.wait_for(lambda s: "*closed*" in shown(card))

    replies = thread(slack, card)
    assert any("I have reset your activations." in r for r in replies), replies
    assert any("assigned to Lea Brandt in FreeScout" in r for r in replies), replies
    assert "Lea Brandt has it in FreeScout" in shown(card)
    row = await ticket_row(database_url)
    assert row.respond_by is None and row.status == "closed"


async def test_a_forged_freescout_delivery_is_refused(database_url, slack: FakeSlack, freescout: FakeFreeScout):
    raw, headers = freescout.webhook(CONVERSATION, "convo.created")
    async with running_bot(desk_settings(database_url, slack, freescout), pacer=unpaced()) as bot:
        forged = headers | {"X-FreeScout-Signature": "AAAA"}
        assert (await bot.post("/webhooks/freescout", raw, forged))[0] == 401
        # Signed over PHP's json_encode, byte for byte: the same conversation re-encoded does not pass.
        reencoded = raw.replace(b"\\/", b"/")
        assert reencoded != raw and (await bot.post("/webhooks/freescout", reencoded, headers))[0] == 401
        await bot.settle()
    assert slack.channel_messages("C0SUPPORT") == []


async def test_take_over_and_a_closing_reply_from_slack_act_in_freescout_as_the_same_person(
    database_url, slack: FakeSlack, freescout: FakeFreeScout
):
    lea = freescout.add_user("lea@shop.example", "Lea", "Brandt")
    slack.emails[AGENT] = "lea@shop.example"
    freescout.fail_next("/api/conversations", times=2, status=500, method="POST")
    async with running_bot(desk_settings(database_url, slack, freescout), pacer=unpaced(), backoff_base=0.1) as bot:
        await deliver(bot, freescout, "convo.created")
        await bot.settle()
        [card] = slack.channel_messages("C0SUPPORT")
        await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT)
        await bot.settle()
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert "in FreeScout, as you" in view_text(modal)
        await bot.submit(modal, user=AGENT, body="Your activations are reset.\nDana, try again?", close=["yes"])
        await bot.settle(timeout=15)
        await deliver(bot, freescout, "convo.agent.reply.created")  # FreeScout's word on the reply we made
        await bot.settle()

    conversation = freescout.conversations[CONVERSATION]
    assert conversation["assignee"]["id"] == lea and conversation["status"] == "closed"
    updates = [c.json for c in freescout.calls_to("PUT", f"/api/conversations/{CONVERSATION}")]
    assert updates == [{"byUser": lea, "assignTo": lea}, {"byUser": lea, "status": "closed"}]
    [reply] = freescout.threads(CONVERSATION, "message")
    assert reply["createdBy"]["id"] == lea and reply["body"] == "Your activations are reset.<br>Dana, try again?"
    replies = thread(slack, card)
    assert len([r for r in replies if "Your activations are reset." in r]) == 1, replies
    assert any("replied in FreeScout and closed the ticket" in r for r in replies), replies
    assert sorted(await audit_trail(database_url)) == [
        ("reply", "attempted", AGENT),
        ("reply", "succeeded", AGENT),
        ("take-over", "attempted", AGENT),
        ("take-over", "succeeded", AGENT),
    ]
