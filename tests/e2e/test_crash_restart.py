"""`supportbot serve` killed with SIGKILL at the worst moments, then restarted: every sale posted exactly once."""

from __future__ import annotations

import asyncio

import aiohttp
from sqlalchemy import func, select

from bot.fakes.slack import FakeSlack
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.outbox import OutboxMessage
from bot.storage.models.sales import Payment
from tests.builders import stripe_charge, stripe_event, stripe_signed
from tests.clocks import serve_process_now
from tests.harness import CHANNELS
from tests.processes import free_port, kill, serve_env, serving


def _env(database_url: str, slack: FakeSlack, port: int) -> dict[str, str]:
    # A short lease, so the restarted process may take over the dead one's message within the test.
    return serve_env(database_url, slack, port, outbox_lease_seconds="1")


async def _send_sale(port: int, n: int) -> int:
    body, headers = stripe_signed(
        stripe_event("charge.succeeded", stripe_charge(pi=f"pi_crash_{n}")), timestamp=serve_process_now()
    )
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{port}/webhooks/stripe", data=body, headers=headers) as response:
            return response.status


async def _wait_settled(database_url: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    db = Database(database_url)
    try:
        for _ in range(int(timeout * 10)):
            async with db.transaction() as session:
                open_events = await session.scalar(select(func.count()).where(InboundEvent.status == "pending"))
                open_posts = await session.scalar(
                    select(func.count()).where(OutboxMessage.status.in_(["pending", "sending"]))
                )
            if open_events == 0 and open_posts == 0:
                return
            await asyncio.sleep(0.1)
        raise TimeoutError("the restarted bot did not deliver everything")
    finally:
        await db.dispose()


async def _payment_ts(database_url: str, pi: str) -> str | None:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return await session.scalar(select(Payment.slack_ts).where(Payment.provider_payment_id == pi))
    finally:
        await db.dispose()


async def test_killed_while_slack_was_posting_then_restarted_posts_each_sale_once(database_url):
    port = free_port()
    async with FakeSlack(channels=CHANNELS) as slack:
        # Slack posts the card but its answer never reaches the bot before the bot dies.
        slack.lose_answer_next("chat.postMessage", delay=60)
        env = _env(database_url, slack, port)
        async with serving(env) as first:
            assert await _send_sale(port, 1) == 200
            await slack.wait_for(lambda s: len(s.channel_messages("C0SALES")) == 1, timeout=10)
            await kill(first)
        async with serving(env):
            assert await _send_sale(port, 2) == 200
            await _wait_settled(database_url)

    cards = slack.channel_messages("C0SALES")
    assert len(cards) == 2, [c.text for c in cards]
    assert await _payment_ts(database_url, "pi_crash_1") == cards[0].ts


async def test_killed_after_acknowledging_before_posting_then_restarted_posts_the_sale(database_url):
    port = free_port()
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.set_down(True)
        env = _env(database_url, slack, port)
        async with serving(env) as first:
            assert await _send_sale(port, 3) == 200
            await kill(first)
        slack.set_down(False)
        async with serving(env):
            await _wait_settled(database_url)

    assert len(slack.channel_messages("C0SALES")) == 1
