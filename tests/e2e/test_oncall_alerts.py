"""On-call alerts at night: who is paged, escalation when nobody acknowledges, and exactly once across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.slack import FakeSlack
from tests.builders import stripe_dispute, stripe_event, ticket_event
from tests.harness import (
    alerts,
    audit_trail,
    button_value,
    has_button,
    on_call_settings,
    running_bot,
    shown,
    unpaced,
)

OWNER, AGENT, SECOND = "U0OWNER", "U0AGENT", "U0SECOND"
ABUSIVE = "You are a bunch of idiots and your programmer is a liar. Refund me now."
# Wednesday 25 November 2026, 03:00 in Berlin: the team is asleep and AGENT has the week.
NIGHT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # 10:30 in Berlin


async def abusive_ticket(bot: Any, ticket_id: str = "T-1") -> None:
    for n, body in enumerate(("Where is my licence key?", ABUSIVE), start=1):
        kind = "ticket.created" if n == 1 else "ticket.message"
        event = ticket_event(kind, ticket_id=ticket_id, message_id=f"{ticket_id}-{n}", body=body)
        # Signed at the bot's (set) time: the webhook refuses a timestamp far from its clock as a replay.
        status, answer = await bot.tickets(event, timestamp=int(bot.runtime.clock.now().timestamp()))
        assert status == 200, answer
    await bot.settle()


def pages(slack: FakeSlack, alert: Any) -> list[str]:
    return [shown(reply) for reply in slack.replies("C0ONCALL", alert.ts)]


async def test_a_night_alert_pages_on_call_then_the_next_person_then_the_owners_until_acknowledged(
    database_url, slack: FakeSlack
):
    clock = FakeClock(NIGHT)
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        await abusive_ticket(bot)
        [alert] = alerts(slack)
        assert alert.text.startswith(f"<@{AGENT}>")  # the mention in the notification text is what wakes them
        assert f"📟 <@{AGENT}>, please acknowledge · if nobody acknowledges, next in line" in shown(alert)
        assert has_button(alert, ActionId.ACKNOWLEDGE)

        clock.advance(14 * 60)
        assert await bot.runtime.timers.tick() == 0  # not yet
        clock.advance(60)
        await bot.runtime.timers.tick()  # or the bot's own timer loop, whichever comes first: one page either way
        await bot.settle()
        [second] = pages(slack, alert)
        assert f"Not acknowledged within 15 min: <@{SECOND}> (next in line)" in second
        assert f"<@{AGENT}> <@{SECOND}>, please acknowledge · if nobody acknowledges, owners" in shown(alerts(slack)[0])

        clock.advance(15 * 60)
        await bot.runtime.timers.tick()
        await bot.settle()
        assert len(pages(slack, alert)) == 2 and f"<@{OWNER}> (owners)" in pages(slack, alert)[1]

        await bot.click(slack, ActionId.ACKNOWLEDGE, button_value(alert, ActionId.ACKNOWLEDGE), user=OWNER)
        await slack.wait_for(lambda s: bool(s.responses.get("click")))
        await bot.settle()
        acknowledged = alerts(slack)[0]
        assert f"✅ Acknowledged by <@{OWNER}>" in shown(acknowledged)
        assert not has_button(acknowledged, ActionId.ACKNOWLEDGE)

        # Nothing more is paged, however long the night.
        clock.advance(3 * 3600)
        assert await bot.runtime.timers.tick() == 0
        await bot.click(slack, ActionId.ACKNOWLEDGE, str(alert_id(alert)), user=AGENT, reply_to="late")
        await slack.wait_for(lambda s: bool(s.responses.get("late")))
        assert f"<@{OWNER}> already acknowledged this alert" in slack.responses["late"][0]["text"]
        assert len(pages(slack, alert)) == 2
    assert ("acknowledge", "succeeded", OWNER) in await audit_trail(database_url)


def alert_id(alert: Any) -> int:
    return int(button_value(alert, ActionId.ACKNOWLEDGE)) if has_button(alert, ActionId.ACKNOWLEDGE) else 1


async def test_during_business_hours_the_team_is_told_in_the_ticket_and_nobody_is_paged(database_url, slack: FakeSlack):
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=FakeClock(DAY)) as bot:
        await abusive_ticket(bot)
    assert not alerts(slack)
    [card] = slack.channel_messages("C0SUPPORT")
    warning = slack.replies("C0SUPPORT", card.ts)[-1]
    assert "🚨 Urgent · ⚠️ *This customer's messages have turned abusive*" in shown(warning)
    assert "On-call was told" not in shown(warning)


async def test_an_escalation_due_while_the_bot_was_down_is_paged_once_by_two_processes(database_url, slack: FakeSlack):
    clock = FakeClock(NIGHT)
    settings = on_call_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced(), clock=clock) as bot:
        await abusive_ticket(bot)
    [alert] = alerts(slack)

    clock.advance(20 * 60)  # the bot was down when the next person should have been paged
    async with (
        running_bot(settings, pacer=unpaced(), clock=clock, poll_seconds=3600) as first,
        running_bot(settings, pacer=unpaced(), clock=clock, poll_seconds=3600) as second,
    ):
        # Both processes' timers look at start-up, and again here, at the same moment: one page between them.
        taken = await asyncio.gather(first.runtime.timers.tick(), second.runtime.timers.tick())
        assert sum(taken) <= 1
        await first.settle()
        await second.settle()
    [page] = pages(slack, alert)
    assert f"<@{SECOND}> (next in line)" in page


async def test_a_dispute_at_night_pages_on_call_and_its_deadline_is_reminded_once_per_level(
    database_url, slack: FakeSlack
):
    clock = FakeClock(NIGHT)
    now = int(NIGHT.timestamp())
    due = now + 28 * 3600  # reminders at due - 24 h (07:00 in Berlin, still night) and due - 6 h (01:00)
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        dispute = stripe_dispute(
            dispute_id="dp_1", pi="pi_1", amount=19900, reason="fraudulent", due_by=due, created=now
        )
        status, _ = await bot.stripe(stripe_event("charge.dispute.created", dispute, created=now), timestamp=now)
        assert status == 200
        await bot.settle()
        [alert] = alerts(slack)
        assert "Dispute opened: $199.00*" in shown(alert) and "Reason: Fraudulent" in shown(alert)
        assert alert.text.startswith(f"<@{AGENT}>")
        await bot.click(slack, ActionId.ACKNOWLEDGE, button_value(alert, ActionId.ACKNOWLEDGE), user=AGENT)
        await slack.wait_for(lambda s: bool(s.responses.get("click")))

        assert await bot.runtime.timers.tick() == 0
        clock.advance(4 * 3600)
        # Taken by this tick or by the bot's own timer loop, whichever comes first; either way it is taken once,
        # committed before this tick returns (it waits for the other claim), and nothing is left due after it.
        await bot.runtime.timers.tick()
        assert await bot.runtime.timers.tick() == 0
        await bot.settle()
        [card] = slack.channel_messages("C0DISPUTES")
        [soon] = [shown(r) for r in slack.replies("C0DISPUTES", card.ts)]
        assert "⏰ *Evidence due in 1 d 0 h*" in soon
        assert "Dispute evidence due soon (soon): $199.00" in shown(alerts(slack)[1])

        clock.advance(18 * 3600)
        await bot.runtime.timers.tick()  # the final reminder (and the unacknowledged alert's next page)
        await bot.settle()
        final = shown(slack.replies("C0DISPUTES", card.ts)[-1])
        assert "🚨 *Evidence due in 6 h 0 min*" in final and "submit it now" in final
        assert len(alerts(slack)) == 3
