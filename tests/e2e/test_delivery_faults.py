"""Slack misbehaving: rate limits, errors, outages and lost answers never lose a post nor double one."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from sqlalchemy import select

from bot.config.slack_scopes import BOT_SCOPES
from bot.core.clock import FakeClock
from bot.fakes.slack import FakeSlack
from bot.policies.retry import MAX_DELAY_SECONDS
from bot.storage.models.outbox import OutboxMessage
from bot.storage.models.sales import Payment
from tests.builders import stripe_charge, stripe_event, ticket_event
from tests.harness import CHANNELS, bot_settings, running_bot, sales_shown, unpaced

FAST_RETRY = {"backoff_base": 0.05}


def _sale(n: int) -> dict:
    return stripe_event("charge.succeeded", stripe_charge(pi=f"pi_fault_{n}", email=f"c{n}@example.com"))


async def test_a_429_is_waited_out_for_as_long_as_slack_asks(database_url):
    async with FakeSlack(channels=CHANNELS, retry_after=1) as slack:
        slack.fail_next("chat.postMessage", status=429)
        async with running_bot(bot_settings(database_url, slack), **FAST_RETRY) as bot:
            await bot.stripe(_sale(1))
            await bot.settle()

    posts = [call for call in slack.calls if call.method == "chat.postMessage"]
    assert [call.status for call in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0, "the retry came before Retry-After had passed"
    assert len(slack.channel_messages("C0SALES")) == 1


async def test_server_errors_and_timeouts_are_retried_until_the_post_lands(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.fail_next("chat.postMessage", times=2, status=500)
        slack.fail_next("chat.postMessage", status=502)
        async with running_bot(bot_settings(database_url, slack), **FAST_RETRY) as bot:
            await bot.stripe(_sale(2))
            await bot.settle()
            async with bot.runtime.db.transaction() as session:
                item = await session.scalar(select(OutboxMessage))
    assert item is not None and item.attempts == 4 and item.status == "sent"
    assert len(slack.channel_messages("C0SALES")) == 1


async def test_a_post_that_landed_but_whose_answer_was_lost_is_not_posted_again(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.lose_answer_next("chat.postMessage", status=500)
        async with running_bot(bot_settings(database_url, slack), **FAST_RETRY) as bot:
            await bot.stripe(_sale(3))
            await bot.settle()
            async with bot.runtime.db.transaction() as session:
                payment = await session.scalar(select(Payment))

    cards = slack.channel_messages("C0SALES")
    assert len(cards) == 1
    assert payment is not None and payment.slack_ts == cards[0].ts
    assert any(call.method == "conversations.history" for call in slack.calls)


async def test_slack_down_for_a_while_delays_posts_and_loses_none(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.set_down(True)
        async with running_bot(bot_settings(database_url, slack), **FAST_RETRY) as bot:
            for n in range(4):
                assert (await bot.stripe(_sale(10 + n)))[0] == 200
            created = ticket_event("ticket.created", ticket_id="T-9", message_id="m1", body="Where is my order?")
            follow_up = ticket_event("ticket.message", ticket_id="T-9", message_id="m2", body="Hello?")
            assert (await bot.tickets(created))[0] == 200
            assert (await bot.tickets(follow_up))[0] == 200
            await asyncio.sleep(1.0)
            assert not slack.all_messages()
            slack.set_down(False)
            await bot.settle(timeout=20)

    assert sum(sales_shown(slack)) == 4
    [ticket_card] = slack.channel_messages("C0SUPPORT")
    assert [reply.text for reply in slack.replies("C0SUPPORT", ticket_card.ts)] == ["Customer: Hello?"]


async def test_slack_down_for_ten_minutes_is_retried_gently_and_every_card_posted_once_after(database_url):
    clock = FakeClock()
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.set_down(True)
        async with running_bot(bot_settings(database_url, slack), clock=clock, pacer=unpaced()) as bot:
            signed_now = int(clock.now().timestamp())  # the bot checks signatures against its own clock
            for n in range(3):
                assert (await bot.stripe(_sale(30 + n), timestamp=signed_now))[0] == 200
            created = ticket_event("ticket.created", ticket_id="T-10", message_id="m1", body="Is anyone there?")
            assert (await bot.tickets(created, timestamp=signed_now))[0] == 200
            for _ in range(20):  # ten minutes of Slack answering 503, half a minute at a time
                await asyncio.sleep(0.15)
                clock.advance(30)
            # A retry after a 503 looks in the channel first (the post may have landed): both count as tries.
            tries_while_down = Counter(call.method for call in slack.calls if call.status == 503)
            slack.set_down(False)
            clock.advance(MAX_DELAY_SECONDS)  # the longest a retry waits
            await bot.settle(timeout=20)

    assert sum(sales_shown(slack)) == 3
    assert len(slack.channel_messages("C0SUPPORT")) == 1
    # Kept trying, but backed off rather than hammering: about eight tries for each of the (at most five)
    # messages in ten minutes, where one try a poll would have made hundreds.
    assert set(tries_while_down) == {"chat.postMessage", "conversations.history"}
    assert 10 <= tries_while_down.total() <= 50, tries_while_down


async def test_a_message_that_slack_refuses_for_good_is_marked_failed_and_others_still_go(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.fail_next("chat.postMessage", error="invalid_blocks")
        async with running_bot(bot_settings(database_url, slack), **FAST_RETRY) as bot:
            await bot.stripe(_sale(20))
            await bot.stripe(_sale(21))
            await bot.settle()
            async with bot.runtime.db.transaction() as session:
                statuses = sorted((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == ["failed", "sent"]
    assert len(slack.channel_messages("C0SALES")) == 1


async def test_a_channel_the_bot_is_not_in_is_told_once_with_its_setting_and_shows_on_healthz(database_url, caplog):
    caplog.set_level(logging.DEBUG, logger="bot")
    # The scopes of manifest.yaml: chat:write, not chat:write.public, so the bot posts only where it was invited.
    async with FakeSlack(channels=CHANNELS, member_of=set(CHANNELS) - {"C0SALES"}, scopes=BOT_SCOPES) as slack:
        async with running_bot(bot_settings(database_url, slack), **FAST_RETRY) as bot:
            await bot.stripe(_sale(9))
            await slack.wait_for(lambda s: sum(call.method == "chat.postMessage" for call in s.calls) >= 3)
            async with bot.http.get(bot.url + "/healthz") as response:
                degraded = (response.status, await response.json())
            slack.member_of = None  # someone invites the bot
            await bot.settle()
            async with bot.http.get(bot.url + "/healthz") as response:
                recovered = (response.status, await response.json())

    status, body = degraded
    assert status == 200  # still taking and keeping every event: not a reason to restart the container
    assert body["status"] == "degraded" and body["ok"] is True
    [problem] = body["slack"]
    assert problem.startswith("posting to C0SALES (SUPPORTBOT_CHANNEL_SALES) fails: Slack answers not_in_channel")
    assert "/invite @supportbot" in problem
    assert recovered == (200, {"ok": True, "status": "ok", "database": "ok", "slack": "ok"})
    told = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "C0SALES" in r.getMessage()]
    assert told == [f"outbox: {problem}; messages to it wait and are retried"], "told once, not per attempt"
    assert len(slack.channel_messages("C0SALES")) == 1
