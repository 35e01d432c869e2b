"""The real bot, started on a free port against fake providers, driven as the providers would drive it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web

from bot.fakes.paypal import FakePayPal
from bot.fakes.slack import FakeSlack
from bot.runtime import Runtime
from bot.settings import Settings
from tests.builders import STRIPE_SECRET, TICKETS_SECRET, stripe_signed, tickets_signed

CHANNELS = {"C0SALES": "sales", "C0SUPPORT": "support", "C0DISPUTES": "disputes", "C0ONCALL": "oncall"}
SIGNING_SECRET = "slack-signing-secret"
PAYPAL_WEBHOOK_ID = "WH-TEST-0001"


def bot_settings(database_url: str, slack: FakeSlack, paypal: FakePayPal | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": slack.token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.base_url,
        "stripe_webhook_secret": STRIPE_SECRET,
        "tickets_webhook_secret": TICKETS_SECRET,
        "channel_sales": "C0SALES",
        "channel_support": "C0SUPPORT",
        "channel_disputes": "C0DISPUTES",
        "channel_oncall": "C0ONCALL",
        "owners": ("U0OWNER",),
        "agents": ("U0AGENT",),
    }
    if paypal is not None:
        values |= {
            "paypal_client_id": paypal.client_id,
            "paypal_client_secret": paypal.client_secret,
            "paypal_webhook_id": PAYPAL_WEBHOOK_ID,
            "paypal_api_base": paypal.base_url,
        }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


class BotUnderTest:
    def __init__(self, runtime: Runtime, url: str, http: aiohttp.ClientSession):
        self.runtime = runtime
        self.url = url
        self.http = http

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url + path, data=body, headers=headers) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except json.JSONDecodeError:
                return response.status, {"raw": text}

    async def stripe(self, event: dict[str, Any], **sign: Any) -> tuple[int, dict[str, Any]]:
        return await self.post("/webhooks/stripe", *stripe_signed(event, **sign))

    async def tickets(self, event: dict[str, Any], **sign: Any) -> tuple[int, dict[str, Any]]:
        return await self.post("/webhooks/tickets", *tickets_signed(event, **sign))

    async def paypal(self, event: dict[str, Any], fake: FakePayPal) -> tuple[int, dict[str, Any]]:
        headers = fake.sign_webhook(event, PAYPAL_WEBHOOK_ID) | {"Content-Type": "application/json"}
        return await self.post("/webhooks/paypal", json.dumps(event).encode(), headers)

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every stored event is applied and every message it asked for is in Slack."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self.runtime.settled():
            if loop.time() > deadline:
                raise TimeoutError("the bot did not settle in time")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, **runtime_options: Any) -> AsyncIterator[BotUnderTest]:
    runtime = Runtime(settings, poll_seconds=runtime_options.pop("poll_seconds", 0.05), **runtime_options)
    await runtime.start()
    runner = web.AppRunner(runtime.web_app(runtime.slack_app()), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as http:
        try:
            yield BotUnderTest(runtime, f"http://127.0.0.1:{port}", http)
        finally:
            await runner.cleanup()
            await runtime.stop()


def sales_shown(slack: FakeSlack, channel: str = "C0SALES") -> tuple[int, int]:
    """(sales with a card of their own, sales counted in rush digests) as the channel shows them now."""
    cards = digested = 0
    for message in slack.channel_messages(channel):
        header = message.blocks[0]["text"]["text"]
        if header.startswith("🚀 Sales rush"):
            digested += int(header.split("·")[1].split()[0].replace(",", ""))
        elif header.startswith("💰"):
            cards += 1
    return cards, digested
