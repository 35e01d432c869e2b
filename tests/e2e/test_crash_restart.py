"""`supportbot serve` killed with SIGKILL at the worst moments, then restarted: every sale posted exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from sqlalchemy import func, select

from bot.db import Database
from bot.fakes.slack import FakeSlack
from bot.models import InboundEvent, OutboxMessage, Payment
from tests.builders import STRIPE_SECRET, TICKETS_SECRET, stripe_charge, stripe_event, stripe_signed
from tests.harness import CHANNELS, SIGNING_SECRET


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(database_url: str, slack: FakeSlack, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SUPPORTBOT_")}
    return env | {
        "SUPPORTBOT_HOST": "127.0.0.1",
        "SUPPORTBOT_PORT": str(port),
        "SUPPORTBOT_DATABASE_URL": database_url,
        "SUPPORTBOT_SLACK_BOT_TOKEN": slack.token,
        "SUPPORTBOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SUPPORTBOT_SLACK_API_URL": str(slack.base_url),
        "SUPPORTBOT_STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
        "SUPPORTBOT_TICKETS_WEBHOOK_SECRET": TICKETS_SECRET,
        "SUPPORTBOT_CHANNEL_SALES": "C0SALES",
        # A short lease, so the restarted process may take over the dead one's message within the test.
        "SUPPORTBOT_OUTBOX_LEASE_SECONDS": "1",
    }


@asynccontextmanager
async def _serve(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await _wait_healthy(f"http://127.0.0.1:{env['SUPPORTBOT_PORT']}/healthz", process)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 20)


async def _wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            if process.returncode is not None:
                raise RuntimeError(f"supportbot serve exited with {process.returncode}")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("supportbot serve did not become healthy")


async def _send_sale(port: int, n: int) -> int:
    body, headers = stripe_signed(stripe_event("charge.succeeded", stripe_charge(pi=f"pi_crash_{n}")))
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{port}/webhooks/stripe", data=body, headers=headers) as response:
            return response.status


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.kill()
    await process.wait()


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
    port = _free_port()
    async with FakeSlack(channels=CHANNELS) as slack:
        # Slack posts the card but its answer never reaches the bot before the bot dies.
        slack.lose_answer_next("chat.postMessage", delay=60)
        env = _env(database_url, slack, port)
        async with _serve(env) as first:
            assert await _send_sale(port, 1) == 200
            await slack.wait_for(lambda s: len(s.channel_messages("C0SALES")) == 1, timeout=10)
            await _kill(first)
        async with _serve(env):
            assert await _send_sale(port, 2) == 200
            await _wait_settled(database_url)

    cards = slack.channel_messages("C0SALES")
    assert len(cards) == 2, [c.text for c in cards]
    assert await _payment_ts(database_url, "pi_crash_1") == cards[0].ts


async def test_killed_after_acknowledging_before_posting_then_restarted_posts_the_sale(database_url):
    port = _free_port()
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.set_down(True)
        env = _env(database_url, slack, port)
        async with _serve(env) as first:
            assert await _send_sale(port, 3) == 200
            await _kill(first)
        slack.set_down(False)
        async with _serve(env):
            await _wait_settled(database_url)

    assert len(slack.channel_messages("C0SALES")) == 1
