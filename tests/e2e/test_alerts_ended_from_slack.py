"""Alerts that end when the team acts from Slack: a reply ends the wait, closing the ticket ends every alert about
it, and an answered dispute ends its own. Each is written with the action's outcome (actions.paging)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.helpdesk import FakeHelpDesk, fake_helpdesk
from bot.fakes.slack import FakeSlack
from bot.fakes.stripe import FakeStripe
from tests.builders import TICKETS_SECRET, stripe_charge, stripe_dispute, stripe_event, ticket_event
from tests.harness import (
    BotUnderTest,
    alerts,
    bot_settings,
    button_value,
    has_button,
    on_call_settings,
    provider_settings,
    running_bot,
    shown,
    unpaced,
)

OWNER = "U0OWNER"
NIGHT = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday, 02:00 in Berlin: on-call is paged
ABUSIVE = "You are a bunch of idiots and your programmer is a liar. Refund me now."


async def write(bot: BotUnderTest, helpdesk: FakeHelpDesk, n: int, body: str) -> None:
    kind = "ticket.created" if n == 1 else "ticket.message"
    event = ticket_event(kind, ticket_id="T-9", message_id=f"T-9-{n}", body=body, callback_url=helpdesk.callback_url)
    status, answer = await bot.tickets(event)
    assert status == 200, answer
    await bot.settle()


async def reply_from_slack(bot: BotUnderTest, slack: FakeSlack, body: str, **values: Any) -> None:
    [card] = slack.channel_messages("C0SUPPORT")
    await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=OWNER)
    await slack.wait_for(lambda s: bool(s.views))
    [modal] = slack.views.values()
    status, answer = await bot.submit(modal, user=OWNER, body=body, **values)
    assert status == 200 and "errors" not in answer, answer
    await bot.settle()


async def test_a_reply_from_slack_resolves_the_alert_about_a_waiting_customer(database_url, slack: FakeSlack):
    clock = FakeClock(NIGHT)
    # The help desk checks the age of the write-back's signature on the bot's own (night) clock.
    async with (
        fake_helpdesk(TICKETS_SECRET, now=clock.now) as helpdesk,
        running_bot(
            on_call_settings(database_url, slack, **provider_settings(helpdesk=helpdesk)), pacer=unpaced(), clock=clock
        ) as bot,
    ):
        await write(bot, helpdesk, 1, "My licence key says 'invalid'. Can you help?")
        clock.advance(50 * 60)
        await write(bot, helpdesk, 2, "Hello? Still not working.")
        clock.advance(40 * 60)
        await write(bot, helpdesk, 3, "I have a client demo tomorrow and this still does not work!")
        [alert] = alerts(slack)
        assert has_button(alert, ActionId.ACKNOWLEDGE)

        clock.advance(5 * 60)
        await reply_from_slack(bot, slack, "Sorry for the wait, here is a new key.")
        [alert] = alerts(slack)
        assert "☑️ Resolved" in shown(alert) and "replied" in shown(alert)
        assert not has_button(alert, ActionId.ACKNOWLEDGE)


async def test_closing_a_ticket_from_slack_resolves_every_alert_about_it(
    database_url, slack: FakeSlack, helpdesk: FakeHelpDesk
):
    settings = bot_settings(database_url, slack, **provider_settings(helpdesk=helpdesk))
    async with running_bot(settings, pacer=unpaced()) as bot:
        await write(bot, helpdesk, 1, "Hi, the download link gives a 404. Could you send a new one?")
        await write(bot, helpdesk, 2, ABUSIVE)
        [alert] = alerts(slack)
        assert "Abusive message" in shown(alert) and "Resolved" not in shown(alert)

        # A reply alone ends only the wait; the abuse alert ends with the ticket.
        await reply_from_slack(bot, slack, "Here is a new link; closing this.", close=["yes"])
        [alert] = alerts(slack)
        assert "☑️ Resolved" in shown(alert) and "the ticket was closed" in shown(alert)


async def test_accepting_a_dispute_from_slack_resolves_its_alert(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    clock = FakeClock(NIGHT)
    settings = on_call_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings, pacer=unpaced(), clock=clock) as bot:
        stripe_api.add_payment_intent("pi_al01", 4900, "usd")
        stripe_api.disputes.add_dispute("dp_al01", payment_intent="pi_al01", amount=4900)
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_al01")))
        dispute = stripe_dispute(dispute_id="dp_al01", pi="pi_al01", due_by=bot.now() + 7 * 86400, created=bot.now())
        await bot.stripe(stripe_event("charge.dispute.created", dispute, created=bot.now()))
        await bot.settle()
        [alert] = alerts(slack)
        assert "Dispute opened" in shown(alert) and has_button(alert, ActionId.ACKNOWLEDGE)

        card = slack.channel_messages("C0DISPUTES")[-1]
        await bot.click(slack, ActionId.DISPUTE_ACCEPT, button_value(card, ActionId.DISPUTE_ACCEPT), user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        await bot.submit(modal, user=OWNER)
        await bot.settle()
        [alert] = alerts(slack)
        assert "☑️ Resolved" in shown(alert) and "the dispute was accepted" in shown(alert)
        assert not has_button(alert, ActionId.ACKNOWLEDGE)
