"""Zendesk end to end: its signed ticket events (which name people by id only) become ticket cards and threads,
the people looked up through the API after the delivery is acknowledged; what people do in Slack lands in
Zendesk as them (the fake records what it received). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import view_text
from bot.fakes.zendesk import FakeZendesk
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.tickets import Ticket
from tests.harness import BotUnderTest, audit_trail, bot_settings, button_value, running_bot, shown, thread, unpaced

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
AGENT = "U0AGENT"


def desk_settings(database_url: str, slack: FakeSlack, desk: FakeZendesk) -> Any:
    return bot_settings(
        database_url,
        slack,
        zendesk_webhook_secret=desk.webhook_secret,
        zendesk_subdomain="shop",
        zendesk_email=desk.email,
        zendesk_api_token=desk.api_token,
        zendesk_api_base=desk.base_url,
        provider_timeout_seconds=2.0,
    )


async def deliver(bot: BotUnderTest, desk: FakeZendesk, clock: FakeClock, payload: dict[str, Any]) -> None:
    status, answer = await bot.post("/webhooks/zendesk", *desk.webhook(payload, clock.now()))
    assert status == 200, answer


async def ticket_row(database_url: str, key: str) -> Ticket:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return (await session.scalars(select(Ticket).where(Ticket.external_id == key))).one()
    finally:
        await db.dispose()


async def test_zendesk_events_become_a_card_with_the_people_looked_up(database_url, slack: FakeSlack):
    clock = FakeClock(START + timedelta(minutes=30))
    async with FakeZendesk(START) as zd:
        carla = zd.add_user("carla@example.jp", "Carla Mori", role="end-user")
        ana = zd.add_user("ana@shop.example", "Ana Lima")
        ticket = zd.open_ticket(carla, "Download link says expired", "Hi, the link from my receipt says expired.")
        zd.fail_next("/api/v2/users", times=1, status=429, retry_after=1)  # Zendesk's rate limit, once
        async with running_bot(desk_settings(database_url, slack, zd), pacer=unpaced(), clock=clock) as bot:
            created = zd.event(ticket, "ticket.created")
            await deliver(bot, zd, clock, created)
            await deliver(bot, zd, clock, created)  # a redelivery
            await bot.settle_with_retries(clock)
            [card] = slack.channel_messages("C0SUPPORT")
            assert "Ticket ZD-5158" in shown(card) and "carla@example.jp" in shown(card)
            assert "the link from my receipt says expired." in shown(card)

            reply = zd.comment(ticket, ana, "Sorry Carla, here is a new link.")
            await deliver(bot, zd, clock, zd.event(ticket, "ticket.comment_added", reply))
            note = zd.comment(ticket, ana, "Internal: refunded once already", public=False)
            await deliver(bot, zd, clock, zd.event(ticket, "ticket.comment_added", note))
            zd.assign(ticket, ana)
            await deliver(bot, zd, clock, zd.event(ticket, "ticket.agent_assignment_changed"))
            zd.set_status(ticket, "solved")
            await deliver(bot, zd, clock, zd.event(ticket, "ticket.status_changed"))
            await bot.settle()
            await slack.wait_for(lambda s: "*closed*" in shown(card))

    replies = thread(slack, card)
    assert any("here is a new link" in r for r in replies), replies
    assert not any("Internal" in r for r in replies)  # a private comment stays in Zendesk
    assert "Ana Lima has it in Zendesk" in shown(card)
    row = await ticket_row(database_url, "ZD-5158")
    assert row.respond_by is None and row.status == "closed"
    assert zd.rate_limited == 1


async def test_bad_stale_and_unknown_zendesk_deliveries(database_url, slack: FakeSlack):
    clock = FakeClock(START + timedelta(minutes=30))
    async with FakeZendesk(START) as zd:
        carla = zd.add_user("carla@example.jp", "Carla Mori", role="end-user")
        ticket = zd.open_ticket(carla, "Hello", "Hello there")
        payload = zd.event(ticket, "ticket.created")
        async with running_bot(desk_settings(database_url, slack, zd), pacer=unpaced(), clock=clock) as bot:
            raw, headers = zd.webhook(payload, clock.now())
            forged = headers | {"X-Zendesk-Webhook-Signature": "AAAA"}
            assert (await bot.post("/webhooks/zendesk", raw, forged))[0] == 401
            stale_raw, stale = zd.webhook(payload, clock.now() - timedelta(minutes=10))
            assert (await bot.post("/webhooks/zendesk", stale_raw, stale))[0] == 400
            other = zd.event(ticket, "ticket.priority_changed")
            await deliver(bot, zd, clock, other)  # not one we act on: kept, acknowledged, ignored
            await bot.settle()
    assert slack.channel_messages("C0SUPPORT") == []
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            [kept] = await session.scalars(select(InboundEvent).where(InboundEvent.provider == "zendesk"))
    finally:
        await db.dispose()
    assert kept.status == "ignored"


async def test_take_over_and_reply_from_slack_act_in_zendesk_as_the_same_person(database_url, slack: FakeSlack):
    clock = FakeClock(START + timedelta(minutes=30))
    slack.emails[AGENT] = "ana@shop.example"
    async with FakeZendesk(START) as zd:
        carla = zd.add_user("carla@example.jp", "Carla Mori", role="end-user")
        ana = zd.add_user("ana@shop.example", "Ana Lima")
        ticket = zd.open_ticket(carla, "Refund please", "I bought the wrong plan.")
        async with running_bot(desk_settings(database_url, slack, zd), pacer=unpaced(), clock=clock) as bot:
            await deliver(bot, zd, clock, zd.event(ticket, "ticket.created"))
            await bot.settle()
            [card] = slack.channel_messages("C0SUPPORT")
            await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT)
            # Zendesk tells of the assignment once it has made it; the bot may not have recorded it yet.
            await slack.wait_for(lambda s: zd.tickets[ticket]["assignee_id"] == ana)
            await deliver(bot, zd, clock, zd.event(ticket, "ticket.agent_assignment_changed"))
            await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
            await slack.wait_for(lambda s: bool(s.views))
            [modal] = slack.views.values()
            assert "in Zendesk, as you" in view_text(modal)
            await bot.submit(modal, user=AGENT, body="Switched you to the right plan.", close=["yes"])
            await bot.settle_with_retries(clock)
            [ours] = [c for c in zd.tickets[ticket]["comments"] if c["author_id"] == ana]
            await deliver(bot, zd, clock, zd.event(ticket, "ticket.comment_added", ours["id"]))
            await bot.settle_with_retries(clock)

    state = zd.tickets[ticket]
    assert state["assignee_id"] == ana and state["status"] == "solved"
    assert ours["body"] == "Switched you to the right plan." and ours["public"] is True
    replies = thread(slack, card)
    assert len([r for r in replies if "Switched you to the right plan." in r]) == 1, replies
    assert not any("assigned to" in r for r in replies), replies  # the echo of our own assignment
    assert f"<@{AGENT}> has it" in shown(card)
    assert sorted(await audit_trail(database_url)) == [
        ("reply", "attempted", AGENT),
        ("reply", "succeeded", AGENT),
        ("take-over", "attempted", AGENT),
        ("take-over", "succeeded", AGENT),
    ]
