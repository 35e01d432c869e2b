"""`supportbot demo`: the real pipeline on SQLite against stand-ins for Slack and PayPal, offline.

Webhooks are signed as the providers sign them and sent over loopback HTTP to the bot's own server; what the
stand-in Slack receives is printed as each channel would show it.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

import aiohttp
import stripe
from aiohttp import web

from bot.demo.blockkit_text import render_blocks
from bot.demo.day import Delivery, the_day
from bot.fakes.paypal import FakePayPal
from bot.fakes.slack import FakeSlack, Message
from bot.integrations import tickets_webhooks
from bot.runtime import Runtime
from bot.settings import Settings

CHANNELS = {"C0SALES": "sales", "C0SUPPORT": "support", "C0DISPUTES": "disputes", "C0ONCALL": "oncall"}
STRIPE_SECRET = "whsec_demo"
TICKETS_SECRET = "demo-tickets-secret"
PAYPAL_WEBHOOK_ID = "WH-DEMO"
WIDTH = 100


class Terminal:
    """Prints each Slack change as it happens, as the channel would show it."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def show(self, kind: str, message: Message) -> None:
        channel = "#" + CHANNELS.get(message.channel, message.channel)
        self.counts[f"{channel} {kind}"] += 1
        if kind == "post" and message.thread_ts:
            label = f"{channel} ↳ thread reply"
        elif kind == "update":
            label = f"{channel} ✎ card updated in place"
        else:
            label = f"{channel} new message"
        body = render_blocks(message.blocks, message.text)
        print(f"  ┌─ {label}")
        for line in body.splitlines():
            for piece in textwrap.wrap(line, WIDTH - 6) or [""]:
                print(f"  │ {piece}")
        print("  └" + "─" * 40)


async def run_demo(*, database_url: str | None, burst: int) -> int:
    terminal = Terminal()
    with tempfile.TemporaryDirectory(prefix="supportbot-demo-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        # The stand-in enforces Slack's real posting limit, so the demo shows pacing and the rush digest.
        async with (
            FakeSlack(channels=CHANNELS, post_rate=1.0, post_burst=3, on_change=terminal.show) as slack,
            FakePayPal() as paypal,
        ):
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=url,
                slack_bot_token=slack.token,
                slack_api_url=slack.base_url,
                stripe_webhook_secret=STRIPE_SECRET,
                tickets_webhook_secret=TICKETS_SECRET,
                paypal_client_id=paypal.client_id,
                paypal_client_secret=paypal.client_secret,
                paypal_webhook_id=PAYPAL_WEBHOOK_ID,
                paypal_api_base=paypal.base_url,
                channel_sales="C0SALES",
                channel_support="C0SUPPORT",
                channel_disputes="C0DISPUTES",
                channel_oncall="C0ONCALL",
            )
            print(f"supportbot demo — database {url}\n(offline: Slack and PayPal are local stand-ins)\n")
            runtime = Runtime(settings, poll_seconds=0.1)
            await runtime.start()
            runner = web.AppRunner(runtime.web_app(), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            try:
                async with aiohttp.ClientSession() as http:
                    for scene in the_day(burst, int(time.time())):
                        print(f"\n━━ {scene.clock}  {scene.title} " + "━" * max(0, WIDTH - len(scene.title) - 10))
                        statuses = Counter()
                        for delivery in scene.deliveries:
                            statuses[await _send(http, base, delivery, paypal)] += 1
                        print(f"  (webhooks answered: {dict(statuses)})")
                        await _settle(runtime)
            finally:
                await runner.cleanup()
                await runtime.stop()
            print("\n━━ End of the day " + "━" * (WIDTH - 18))
            for key, count in sorted(terminal.counts.items()):
                print(f"  {key:<40} {count}")
            print(f"  Slack 429 answers provoked: {sum(slack.rate_limited.values())}")
    return 0


async def _send(http: aiohttp.ClientSession, base: str, delivery: Delivery, paypal: FakePayPal) -> int:
    body = json.dumps(delivery.event)
    if delivery.provider == "stripe":
        headers = {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET)}
    elif delivery.provider == "paypal":
        headers = paypal.sign_webhook(delivery.event, PAYPAL_WEBHOOK_ID)
    else:
        now = int(time.time())
        headers = {
            tickets_webhooks.TIMESTAMP_HEADER: str(now),
            tickets_webhooks.SIGNATURE_HEADER: tickets_webhooks.sign(TICKETS_SECRET, now, body.encode()),
        }
    async with http.post(
        f"{base}/webhooks/{delivery.provider}", data=body, headers=headers | {"Content-Type": "application/json"}
    ) as response:
        return response.status


async def _settle(runtime: Runtime, timeout: float = 120.0) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not await runtime.settled():
        if asyncio.get_running_loop().time() > deadline:
            print("  (still delivering; moving on)")
            return
        await asyncio.sleep(0.1)
