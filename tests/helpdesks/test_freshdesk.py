"""Freshdesk end to end: an automation rule's webhook (the "Simple" format, our token header) makes the bot read
the ticket back and show it as a card and thread; what people do in Slack lands in Freshdesk as them. On SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.freshdesk import FakeFreshdesk
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import view_text
from bot.storage.db import Database
from bot.storage.models.tickets import Ticket
from tests.harness import BotUnderTest, audit_trail, bot_settings, button_value, running_bot, shown, thread, unpaced

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
AGENT = "U0AGENT"


def desk_settings(database_url: str, slack: FakeSlack, desk: FakeFreshdesk) -> Any:
    return bot_settings(
        database_url,
        slack,
        freshdesk_webhook_secret=desk.webhook_token,
        freshdesk_domain="shop.freshdesk.com",
        freshdesk_api_key=desk.api_key,
        freshdesk_api_base=desk.base_url,
        provider_timeout_seconds=2.0,
    )


async def deliver(bot: BotUnderTest, desk: FakeFreshdesk, ticket: int) -> None:
    status, answer = await bot.post("/webhooks/freshdesk", *desk.webhook(ticket))
    assert status == 200, answer


async def ticket_row(database_url: str, key: str) -> Ticket:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return (await session.scalars(select(Ticket).where(Ticket.external_id == key))).one()
    finally:
        await db.dispose()


async def test_each_delivery_reads_the_ticket_back_and_the_card_follows(database_url, slack: FakeSlack):
    clock = FakeClock(START + timedelta(minutes=20))
    async with FakeFreshdesk(START) as fd:
        dana = fd.add_contact("dana@example.de", "Dana Weiß")
        bo = fd.add_agent("bo@shop.example", "Bo Berg")
        ticket = fd.open_ticket(dana, "Invoice with VAT id", "<div>Could you add my VAT id DE123 to the invoice?</div>")
        fd.fail_next("/api/v2/tickets", times=1, status=503)  # Freshdesk has a bad moment: read back later
        async with running_bot(desk_settings(database_url, slack, fd), pacer=unpaced(), clock=clock) as bot:
            await deliver(bot, fd, ticket)
            await bot.settle_with_retries(clock)
            [card] = slack.channel_messages("C0SUPPORT")
            assert "Ticket FD-1042" in shown(card) and "dana@example.de" in shown(card)
            assert "Could you add my VAT id DE123 to the invoice?" in shown(card)

            fd.customer_replies(ticket, "<p>Any news?</p>")
            await deliver(bot, fd, ticket)
            await deliver(bot, fd, ticket)  # the same change told twice: read back twice, shown once
            fd.agent_replies(ticket, bo, "<p>Done, the new invoice is in your account.</p>")
            fd.agent_replies(ticket, bo, "<p>Internal: VAT id checked in VIES</p>", private=True)
            fd.assign(ticket, bo)
            fd.set_status(ticket, 4)
            await deliver(bot, fd, ticket)
            await bot.settle_with_retries(clock)
            await slack.wait_for(lambda s: "*closed*" in shown(card))

    replies = thread(slack, card)
    assert len([r for r in replies if "Any news?" in r]) == 1, replies
    assert any("the new invoice is in your account" in r for r in replies), replies
    assert not any("VIES" in r for r in replies)
    assert "Bo Berg has it in Freshdesk" in shown(card)
    row = await ticket_row(database_url, "FD-1042")
    assert row.status == "closed" and row.respond_by is None


async def test_a_delivery_without_the_token_or_a_ticket_id_is_refused(database_url, slack: FakeSlack):
    async with FakeFreshdesk(START) as fd:
        ticket = fd.open_ticket(fd.add_contact("dana@example.de", "Dana"), "Hi", "<p>Hi</p>")
        async with running_bot(desk_settings(database_url, slack, fd), pacer=unpaced()) as bot:
            raw, headers = fd.webhook(ticket, token="not-the-token")
            assert (await bot.post("/webhooks/freshdesk", raw, headers))[0] == 401
            raw, headers = fd.webhook(ticket)
            del headers["X-Supportbot-Token"]
            assert (await bot.post("/webhooks/freshdesk", raw, headers))[0] == 401
            _, headers = fd.webhook(ticket)
            status, answer = await bot.post("/webhooks/freshdesk", b'{"ticket": 1}', headers)
            assert status == 400 and "freshdesk_webhook.ticket_id" in answer["error"]
            await bot.settle()
    assert slack.channel_messages("C0SUPPORT") == []


async def test_take_over_and_part_ways_reply_act_in_freshdesk_as_the_same_person(database_url, slack: FakeSlack):
    clock = FakeClock(START + timedelta(minutes=20))
    slack.emails[AGENT] = "bo@shop.example"
    async with FakeFreshdesk(START) as fd:
        dana = fd.add_contact("dana@example.de", "Dana Weiß")
        bo = fd.add_agent("bo@shop.example", "Bo Berg")
        ticket = fd.open_ticket(dana, "Cancel my plan", "<p>Please cancel my plan.</p>")
        async with running_bot(desk_settings(database_url, slack, fd), pacer=unpaced(), clock=clock) as bot:
            await deliver(bot, fd, ticket)
            await bot.settle()
            [card] = slack.channel_messages("C0SUPPORT")
            await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT)
            await bot.settle()
            await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
            await slack.wait_for(lambda s: bool(s.views))
            [modal] = slack.views.values()
            assert "in Freshdesk, as you" in view_text(modal)
            await bot.submit(modal, user=AGENT, body="Cancelled, sorry to see you go.", close=["yes"])
            await bot.settle()
            await deliver(bot, fd, ticket)  # Freshdesk's rule fires for our own changes too
            await bot.settle()

    state = fd.tickets[ticket]
    assert state["responder_id"] == bo and state["status"] == 5
    [reply] = fd.conversations[ticket]
    assert reply["user_id"] == bo and reply["body"] == "Cancelled, sorry to see you go." and not reply["private"]
    replies = thread(slack, card)
    assert len([r for r in replies if "Cancelled, sorry to see you go." in r]) == 1, replies
    assert not any("assigned to" in r for r in replies), replies
    assert sorted(await audit_trail(database_url)) == [
        ("reply", "attempted", AGENT),
        ("reply", "succeeded", AGENT),
        ("take-over", "attempted", AGENT),
        ("take-over", "succeeded", AGENT),
    ]
