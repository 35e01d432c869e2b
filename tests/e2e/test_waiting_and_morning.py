"""A night simulated end to end: a customer who writes again and again, a big refund request, alerts that resolve
in place when the team answers, and the morning digest when the team comes on duty."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.slack import FakeSlack
from tests.builders import stripe_charge, stripe_dispute, stripe_event, ticket_event
from tests.harness import (
    alerts,
    button_value,
    has_button,
    on_call_settings,
    running_bot,
    shown,
    thread,
    unpaced,
)

OWNER, AGENT, SECOND = "U0OWNER", "U0AGENT", "U0SECOND"
# Wednesday 25 November 2026, 02:00 in Berlin; the customer is in Los Angeles, where it is 17:00 the day before.
NIGHT = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
OPENING = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


async def write(bot: Any, n: int, body: str, *, ticket: str = "T-7", sender: str = "customer", author=None) -> None:
    event = ticket_event(
        "ticket.created" if n == 1 else "ticket.message",
        ticket_id=ticket,
        message_id=f"{ticket}-{n}",
        body=body,
        subject="Licence key does not activate",
        email="dana@example.com",
        name="Dana Lee",
        timezone="America/Los_Angeles",
        sender=sender,
        author=author,
    )
    status, answer = await bot.tickets(event)
    assert status == 200, answer
    await bot.settle()


async def sale(bot: Any, amount: int, pi: str = "pi_big") -> None:
    now = bot.now()
    charge = stripe_charge(pi=pi, amount=amount, email="dana@example.com", name="Dana Lee", created=now)
    status, _ = await bot.stripe(stripe_event("charge.succeeded", charge, created=now))
    assert status == 200
    await bot.settle()


def ticket_card(slack: FakeSlack) -> Any:
    [card] = slack.channel_messages("C0SUPPORT")
    return card


async def test_a_customer_writing_again_and_again_at_night_pages_once_and_the_alert_resolves_when_answered(
    database_url, slack: FakeSlack
):
    clock = FakeClock(NIGHT)
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        await write(bot, 1, "My licence key says 'invalid'. Can you help?")
        clock.advance(50 * 60)
        await write(bot, 2, "Hello? Still not working.")
        assert not alerts(slack)
        assert "⏳ Waiting since" in shown(ticket_card(slack))
        assert "17:50 for the customer (America/Los_Angeles)" in shown(ticket_card(slack))

        clock.advance(40 * 60)
        await write(bot, 3, "I have a client demo tomorrow and this still does not work!")
        [alert] = alerts(slack)
        assert alert.text.startswith(f"<@{AGENT}>")
        assert "dana@example.com is waiting*: 3rd message in 2 hours, no reply yet" in shown(alert)
        assert "18:30 for the customer (America/Los_Angeles)" in shown(alert)
        assert "🔥" in shown(ticket_card(slack)) and "3rd message in 2 hours" in shown(ticket_card(slack))

        clock.advance(30 * 60)
        await write(bot, 4, "Fourth email. Please answer.")
        [alert] = alerts(slack)  # the same alert, redrawn in place: nobody is paged twice
        assert "4th message in 2 hours, no reply yet" in shown(alert)

        pages = [shown(page) for page in slack.replies("C0ONCALL", alert.ts)]
        assert [f"<@{SECOND}> (next in line)" in pages[0], f"<@{OWNER}> (owners)" in pages[1]] == [True, True]

        clock.advance(10 * 60)
        await write(bot, 5, "Sorry for the wait, here is a new key: ...", sender="agent", author="Sam")
        [alert] = alerts(slack)
        assert "☑️ Resolved" in shown(alert) and "Sam replied" in shown(alert)
        assert "4th message in 2 hours, no reply yet" in shown(alert)  # the wait as it was when answered
        assert not has_button(alert, ActionId.ACKNOWLEDGE)
        assert "Waiting since" not in shown(ticket_card(slack))

        # Nobody waits, so nothing escalates, and no target runs out later in the night.
        clock.advance(4 * 3600)
        assert await bot.runtime.timers.tick() == 0
        assert len(slack.replies("C0ONCALL", alert.ts)) == 2


async def test_a_customer_waiting_past_the_target_is_flagged_once_even_after_a_restart_with_two_processes(
    database_url, slack: FakeSlack
):
    clock = FakeClock(NIGHT)
    settings = on_call_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced(), clock=clock) as bot:
        await write(bot, 1, "My licence key says 'invalid'. Can you help?")
        clock.advance(3 * 3600 + 59 * 60)
        assert await bot.runtime.timers.tick() == 0
    assert not alerts(slack)

    clock.advance(2 * 60)  # the target (4 h) passed while the bot was down
    async with (
        running_bot(settings, pacer=unpaced(), clock=clock, poll_seconds=3600) as first,
        running_bot(settings, pacer=unpaced(), clock=clock, poll_seconds=3600) as second,
    ):
        taken = await asyncio.gather(first.runtime.timers.tick(), second.runtime.timers.tick())
        assert sum(taken) <= 1
        await first.settle()
        await second.settle()
    [alert] = alerts(slack)
    assert "waiting 4 h 1 min, over the 4 h first-response target" in shown(alert)
    assert "🔥 *Waiting since" in shown(ticket_card(slack)) and "over the 4 h first-response target" in shown(
        ticket_card(slack)
    )


async def test_what_a_timer_pass_takes_is_posted_without_waiting_for_the_outbox_poll(database_url, slack: FakeSlack):
    # Polls an hour apart: only the pass's own hand-over to the outbox can post the alert within the test.
    clock = FakeClock(NIGHT)
    async with running_bot(
        on_call_settings(database_url, slack), pacer=unpaced(), clock=clock, poll_seconds=3600
    ) as bot:
        await write(bot, 1, "My licence key says 'invalid'. Can you help?")
        clock.advance(4 * 3600 + 60)
        assert await bot.runtime.timers.tick() == 1
        await bot.settle()
    [alert] = alerts(slack)
    assert "over the 4 h first-response target" in shown(alert)


async def test_by_day_a_waiting_customer_is_marked_urgent_in_the_ticket_and_nobody_is_paged(
    database_url, slack: FakeSlack
):
    clock = FakeClock(DAY)
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        for n in (1, 2, 3):
            await write(bot, n, f"Message number {n}: the key still does not work.")
            clock.advance(5 * 60)
        card = ticket_card(slack)
        [note] = [text for text in thread(slack, card) if "This customer is waiting" in text]
        assert (
            "🚨 Urgent · ⏰ *This customer is waiting*: 3rd message in 10 minutes, no reply yet; "
            "waiting 10 min, within the 4 h first-response target." in note
        )
    assert not alerts(slack)


async def test_a_big_refund_request_at_night_pages_and_a_small_one_waits_for_the_morning(
    database_url, slack: FakeSlack
):
    clock = FakeClock(NIGHT)
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        await sale(bot, 24900)
        await write(bot, 1, "The course is not what I expected. I'd like a refund please.")
        [alert] = alerts(slack)
        assert "dana@example.com asks for a refund: $249.00 at stake* on ticket T-7" in shown(alert)
        assert "I'd like a refund please" in shown(alert)

        # The team answers (and refunds): the alert says so where it is.
        await write(bot, 2, "Of course, refunded.", sender="agent", author="Sam")
        assert "☑️ Resolved" in shown(alerts(slack)[0])

    async with running_bot(on_call_settings(database_url, slack, big_refund=500), pacer=unpaced(), clock=clock) as bot:
        await write(bot, 1, "Refund me, please.", ticket="T-8")
    assert len(alerts(slack)) == 1


async def test_a_dispute_alert_resolves_in_place_when_the_dispute_is_won(database_url, slack: FakeSlack):
    clock = FakeClock(NIGHT)
    now = int(NIGHT.timestamp())
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        opened = stripe_dispute(dispute_id="dp_9", pi="pi_9", amount=9900, due_by=now + 7 * 86400, created=now)
        await bot.stripe(stripe_event("charge.dispute.created", opened, created=now), timestamp=now)
        await bot.settle()
        [alert] = alerts(slack)
        assert has_button(alert, ActionId.ACKNOWLEDGE)
        clock.advance(3600)
        later = now + 3600
        won = stripe_dispute(
            dispute_id="dp_9", pi="pi_9", amount=9900, status="won", due_by=now + 7 * 86400, created=now
        )
        await bot.stripe(stripe_event("charge.dispute.closed", won, created=later), timestamp=later)
        await bot.settle()
        [alert] = alerts(slack)
        assert "☑️ Resolved" in shown(alert) and "the dispute is Won" in shown(alert)
        assert not has_button(alert, ActionId.ACKNOWLEDGE)
        clock.advance(3600)
        assert await bot.runtime.timers.tick() == 0  # no escalation of a resolved alert


async def test_the_morning_digest_tells_the_night_once_when_the_team_comes_on_duty(database_url, slack: FakeSlack):
    clock = FakeClock(NIGHT)
    settings = on_call_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced(), clock=clock) as bot:
        await sale(bot, 4900, pi="pi_night")
        await write(bot, 1, "My licence key says 'invalid'. Can you help?")
        now = int(clock.now().timestamp())
        dispute = stripe_dispute(dispute_id="dp_3", pi="pi_night", amount=4900, due_by=now + 48 * 3600, created=now)
        await bot.stripe(stripe_event("charge.dispute.created", dispute, created=now), timestamp=now)
        await bot.settle()
        dispute_alert = next(a for a in alerts(slack) if "Dispute opened" in shown(a))
        await bot.click(slack, ActionId.ACKNOWLEDGE, button_value(dispute_alert, ActionId.ACKNOWLEDGE), user=AGENT)
        await slack.wait_for(lambda s: bool(s.responses.get("click")))
        await bot.settle()

        clock.set(datetime(2026, 11, 25, 5, 1, tzinfo=UTC))  # 06:01 in Berlin: the 4 h target has passed
        await bot.runtime.timers.tick()  # or the bot's own timer loop, whichever comes first
        await bot.settle()
        assert "dana@example.com is waiting" in shown(alerts(slack)[-1])

        clock.set(OPENING.replace(minute=1))
        await bot.runtime.timers.tick()
        await bot.settle()
        digest = alerts(slack)[-1]
        text = shown(digest)
        assert "Good morning: while you were away" in text
        assert "*Sales*: 1 · $49.00" in text
        assert "*New tickets*: 1" in text
        assert "Licence key does not activate" in text and "dana@example.com" in text
        assert f"dispute opened>: acknowledged by <@{AGENT}>" in text
        assert "customer waiting>" in text and "*nobody acknowledged it*" in text
        assert "New: " in text and "Evidence due" in text

    posted = len(alerts(slack))
    async with (
        running_bot(settings, pacer=unpaced(), clock=clock, poll_seconds=3600) as first,
        running_bot(settings, pacer=unpaced(), clock=clock, poll_seconds=3600) as second,
    ):
        clock.advance(3600)
        assert sum(await asyncio.gather(first.runtime.timers.tick(), second.runtime.timers.tick())) == 0
        await first.settle()
    assert len(alerts(slack)) == posted  # one digest per morning
