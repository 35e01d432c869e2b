"""Acknowledging actions while the providers are slow: slash commands, button clicks and confirmations.

Target: p99 acknowledgement under 100 ms on loopback while Stripe and Keygen take 10 s to answer.

    /work/main/.venv/bin/python bench/actions.py [--sales 40] [--rounds 3] [--max-seconds 300]

The bot runs in this process (Runtime + its aiohttp app, SQLite) against fake Slack, Stripe and Keygen; every
refund and licence revocation it carries out waits 10 s for its provider, so the action worker is busy the whole
time. Each round an owner sends, for every sale: `/refund <payment>`, a Refund button click, the confirmation of
the modal it opened (which records the action), a Take over click and `/customer`. Every request is signed as
Slack signs it. The baseline is a bare aiohttp handler in the same process, answering the same signed requests
with 200 without reading them: the cost of HTTP on loopback here. Figures are printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import aiohttp
import stripe
from _common import (
    CHANNELS,
    STRIPE_SECRET,
    Figure,
    charge_succeeded,
    format_latencies,
    latency_summary,
    log,
    print_figures,
    ratio,
    run_main,
)
from aiohttp import web

from bot.app.runtime import Runtime
from bot.config.settings import Settings
from bot.core.slack_ids import ActionId, Command
from bot.fakes.licences import FakeKeygen
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import click_body, command_body, signed, submission_body
from bot.fakes.stripe import FakeStripe

SLOW_PROVIDER_SECONDS = 10.0
TARGET_P99_MS = 100.0
OWNER = "U0OWNER"
RUN = "bench"
SLACK_SECRET = "bench-signing-secret"  # noqa: S105


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="supportbot-bench-actions-") as tmp:
        async with FakeSlack(channels=CHANNELS) as slack, FakeStripe() as stripe_api, FakeKeygen() as keygen:
            for n in range(args.sales):
                stripe_api.add_payment_intent(_payment(n), 4900, "eur")
                keygen.add_licence(f"KEY-{n:05d}", _buyer(n), "Pro licence")
            stripe_api.fail_next("/v1/refunds", times=10_000, status=None, delay=SLOW_PROVIDER_SECONDS)
            settings = Settings(
                _env_file=None,
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
                slack_bot_token=slack.token,
                slack_signing_secret=SLACK_SECRET,
                slack_api_url=slack.base_url,
                stripe_webhook_secret=STRIPE_SECRET,
                stripe_api_key=stripe_api.api_key,
                stripe_api_base=stripe_api.base_url,
                keygen_account=keygen.account,
                keygen_token=keygen.token,
                keygen_api_base=keygen.base_url,
                channel_sales="C0SALES",
                channel_support="C0SUPPORT",
                owners=(OWNER,),
                provider_timeout_seconds=SLOW_PROVIDER_SECONDS * 2,
            )
            runtime = Runtime(settings, poll_seconds=0.2)
            await runtime.start()
            bot_url, stop_bot = await _serve(runtime.web_app(runtime.slack_app()))
            bare_url, stop_bare = await _serve(_bare_app())
            try:
                async with aiohttp.ClientSession() as http:
                    await _seed_sales(http, bot_url, args.sales)
                    await _wait_for_cards(slack, args.sales)
                    acks, kinds = await _rounds(http, bot_url, slack, args)
                    baseline, _ = await _rounds(http, bare_url, slack, args, bare=True)
            finally:
                await stop_bare()
                await stop_bot()
                await runtime.stop()
    summary, base = latency_summary(acks), latency_summary(baseline)
    log(f"{len(acks)} acknowledgements: {format_latencies(summary)}")
    for kind, values in sorted(kinds.items()):
        log(f"  {kind:<14} {format_latencies(latency_summary(values))}")
    print_figures(
        "actions: acknowledgement while providers take 10 s",
        [
            Figure(
                "p99 acknowledgement",
                f"{summary['p99']:.1f} ms (p50 {summary['p50']:.1f} ms, max {summary['max']:.1f} ms, n={len(acks)})",
                f"bare aiohttp handler p99 {base['p99']:.1f} ms (p50 {base['p50']:.1f} ms)",
                f"{ratio(summary['p99'], base['p99']):.1f}x the bare handler",
                f"p99 < {TARGET_P99_MS:.0f} ms",
                summary["p99"] < TARGET_P99_MS,
            )
        ],
    )
    return 0


async def _rounds(
    http: aiohttp.ClientSession, url: str, slack: FakeSlack, args: argparse.Namespace, *, bare: bool = False
) -> tuple[list[float], dict[str, list[float]]]:
    acks: list[float] = []
    kinds: dict[str, list[float]] = {}

    async def timed(kind: str, body: str) -> dict:
        started = time.perf_counter()
        async with http.post(
            f"{url}/slack/events", data=body, headers=signed(body, SLACK_SECRET, timestamp=int(time.time()))
        ) as r:
            answer = await r.text()
            if r.status != 200:
                raise RuntimeError(f"{kind}: HTTP {r.status} {answer[:200]}")
        elapsed = time.perf_counter() - started
        acks.append(elapsed)
        kinds.setdefault(kind, []).append(elapsed)
        return {}

    for round_number in range(args.rounds):
        for n in range(args.sales):
            card_value = _sale_value(slack, n)
            views_before = len(slack.views)
            await asyncio.gather(
                timed("/refund", command_body(slack, Command.REFUND, _payment(n), user=OWNER)),
                timed("Refund button", click_body(slack, ActionId.REFUND, card_value, user=OWNER)),
                timed("/customer", command_body(slack, Command.CUSTOMER, _buyer(n), user=OWNER)),
            )
            if bare:
                modal = {"type": "modal", "callback_id": "refund-confirm", "blocks": [], "private_metadata": "{}"}
            else:
                modal = await _newest_view(slack, views_before)
            await asyncio.gather(
                timed("confirmation", submission_body(modal, user=OWNER, amount=f"{round_number + 1}.00")),
                timed("Revoke button", click_body(slack, ActionId.REVOKE, card_value, user=OWNER)),
            )
    return acks, kinds


def _sale_value(slack: FakeSlack, n: int) -> str:
    for message in slack.channel_messages("C0SALES"):
        if _buyer(n) in str(message.blocks):
            for block in message.blocks or []:
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element["action_id"] == ActionId.REFUND:
                        return element["value"]
    return f"sale:{n + 1}"


async def _newest_view(slack: FakeSlack, before: int, timeout: float = 5.0) -> dict:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        views = [v for v in slack.views.values() if v.get("callback_id") == "refund-confirm"]
        if len(slack.views) > before and views:
            return views[-1]
        await asyncio.sleep(0.01)
    raise TimeoutError("no refund modal opened")


async def _seed_sales(http: aiohttp.ClientSession, url: str, count: int) -> None:
    for n in range(count):
        event = charge_succeeded(run=RUN, index=n, email=_buyer(n), product="Pro licence")
        body = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET)
        headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
        async with http.post(f"{url}/webhooks/stripe", data=body, headers=headers) as r:
            r.raise_for_status()


def _payment(n: int) -> str:
    return f"pi_{RUN}{n:07d}"  # as _common.charge_succeeded names it


def _buyer(n: int) -> str:
    return f"buyer{n}@example.com"


async def _wait_for_cards(slack: FakeSlack, count: int, timeout: float = 120.0) -> None:  # noqa: ASYNC109
    log(f"waiting for {count} sale cards (or their digest) in the fake Slack")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posted = [str(message.blocks) for message in slack.channel_messages("C0SALES")]
        shown = sum(any(_buyer(n) in blocks for blocks in posted) for n in range(count))
        if shown >= count:
            return
        await asyncio.sleep(0.2)


def _bare_app() -> web.Application:
    async def answer(_request: web.Request) -> web.Response:
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", answer)
    return app


async def _serve(app: web.Application):
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}", runner.cleanup


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    raise SystemExit(run_main("actions", main, parser.parse_args()))
