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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import stripe
from aiohttp import web

from bot import audit
from bot.clock import FakeClock
from bot.demo.blockkit_text import render_blocks
from bot.demo.day import TEAM_ZONE, VICTOR, VICTOR_LICENCE, VICTOR_PAYMENT, Delivery, the_day
from bot.demo.owner import SlackPerson, card_of
from bot.fakes.helpdesk import FakeHelpDesk
from bot.fakes.licences import FakeKeygen
from bot.fakes.mailing_lists import FakeMailchimp
from bot.fakes.paypal import FakePayPal
from bot.fakes.slack import FakeSlack, Message
from bot.fakes.stripe import FakeStripe
from bot.integrations import tickets_webhooks
from bot.outbox.pacing import Pacer
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack_ids import ActionId

# Wednesday 25 November 2026, 08:55 in Berlin: the demo's day starts here and runs through the night.
DAY_STARTS = datetime(2026, 11, 25, 7, 55, tzinfo=UTC)
CHANNELS = {"C0SALES": "sales", "C0SUPPORT": "support", "C0DISPUTES": "disputes", "C0ONCALL": "oncall"}
STRIPE_SECRET = "whsec_demo"
TICKETS_SECRET = "demo-tickets-secret"
PAYPAL_WEBHOOK_ID = "WH-DEMO"
SIGNING_SECRET = "demo-signing-secret"
OWNER = "U0OLIVIA"
AGENT = "U0SAM"
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
            FakeStripe() as stripe_api,
            FakeKeygen() as keygen,
            FakeMailchimp() as mailchimp,
            FakeHelpDesk(TICKETS_SECRET) as helpdesk,
        ):
            stripe_api.add_payment_intent(VICTOR_PAYMENT, 19900, "usd")
            keygen.add_licence(VICTOR_LICENCE, VICTOR["email"], "Team licence (5 seats)")
            mailchimp.subscribe(VICTOR["email"])
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=url,
                slack_bot_token=slack.token,
                slack_signing_secret=SIGNING_SECRET,
                slack_api_url=slack.base_url,
                stripe_api_key=stripe_api.api_key,
                stripe_api_base=stripe_api.base_url,
                keygen_account=keygen.account,
                keygen_token=keygen.token,
                keygen_api_base=keygen.base_url,
                mailchimp_api_key=mailchimp.api_key,
                mailchimp_list_id=mailchimp.list_id,
                mailchimp_api_base=mailchimp.base_url,
                owners=(OWNER,),
                agents=(AGENT,),
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
                # The team works 09:00-18:00 in Berlin; out of hours Sam is on call and Olivia is the owner.
                timezone=TEAM_ZONE.key,
                business_hours="mon-fri 09:00-18:00",
                oncall_people=AGENT,
                oncall_start="2026-11-23T09:00",
            )
            print(
                f"supportbot demo — database {url}\n(offline: Slack, Stripe, PayPal, Keygen, Mailchimp and the help "
                "desk are local stand-ins)\n"
            )
            clock = FakeClock(DAY_STARTS)
            # The story's clock is set scene by scene; Slack's posting limit is paced in real seconds.
            runtime = Runtime(settings, clock=clock, poll_seconds=0.1, pacer=Pacer(time.monotonic))
            await runtime.start()
            runner = web.AppRunner(runtime.web_app(runtime.slack_app()), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            try:
                async with aiohttp.ClientSession() as http:
                    olivia = SlackPerson(http, base, slack, (OWNER, "olivia"), SIGNING_SECRET)
                    sam = SlackPerson(http, base, slack, (AGENT, "sam"), SIGNING_SECRET)
                    people = {OWNER: olivia, AGENT: sam}
                    for scene in the_day(burst, int(clock.now().timestamp()), helpdesk.callback_url):
                        _move_to(clock, scene.clock)
                        print(f"\n━━ {scene.clock}  {scene.title} " + "━" * max(0, WIDTH - len(scene.title) - 10))
                        # The bot's timers notice the new time at once, as they would in the minute it took.
                        await runtime.timers.tick()
                        await _settle(runtime)
                        statuses = Counter()
                        for delivery in scene.deliveries:
                            statuses[await _send(http, base, delivery, paypal, clock)] += 1
                        if statuses:
                            print(f"  (webhooks answered: {dict(statuses)})")
                        if scene.team_does == "answers-back":
                            await _sam_answers_back(sam, slack)
                        elif scene.team_does and scene.team_does.startswith("acknowledge:"):
                            _, user, needle = scene.team_does.split(":", 2)
                            await _acknowledge(people[user], slack, needle)
                        elif scene.team_does:
                            await _owner_acts(olivia, slack, scene.team_does)
                        await _settle(runtime)
                trail = await _audit_trail(runtime)
            finally:
                await runner.cleanup()
                await runtime.stop()
            print("\n━━ End of the day " + "━" * (WIDTH - 18))
            for key, count in sorted(terminal.counts.items()):
                print(f"  {key:<40} {count}")
            print(f"  Slack 429 answers provoked: {sum(slack.rate_limited.values())}")
            _print_providers(stripe_api, keygen, mailchimp, helpdesk)
            print("\n━━ The audit trail " + "━" * (WIDTH - 19))
            print("\n".join(trail))
    return 0


async def _sam_answers_back(sam: SlackPerson, slack: FakeSlack) -> None:
    card = card_of(slack, "C0SUPPORT", "T-1077")
    draft = "As I already told you, the key works. Did you even read the activation guide?"
    print(f"  Sam clicks [ Reply ] and types: “{draft}”")
    await sam.click(card, ActionId.REPLY)
    answer = await sam.submit_newest_modal(body=draft)
    held = answer.get("view") or {}
    for line in render_blocks(held.get("blocks", []), (held.get("title") or {}).get("text", "")).splitlines():
        for piece in textwrap.wrap(line, WIDTH - 6) or [""]:
            print(f"  ┆ {piece}")
    calm = "Victor, I understand how frustrating this is. Olivia, our owner, is looking at your licence now."
    print(f"  Sam clicks [ Back ] and writes instead: “{calm}”")
    await sam.submit_newest_modal(body=calm)


async def _acknowledge(person: SlackPerson, slack: FakeSlack, needle: str) -> None:
    alert = card_of(slack, "C0ONCALL", needle)
    print(f"  {person.name.capitalize()} clicks [ Acknowledge ] on the alert.")
    await person.click(alert, ActionId.ACKNOWLEDGE)


def _move_to(clock: FakeClock, wall_clock: str) -> None:
    """The scene's time in Berlin, on the same day or, once past midnight, the next."""
    hours, minutes = (int(part) for part in wall_clock.split(":"))
    local = clock.now().astimezone(TEAM_ZONE)
    then = local.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if then < local:
        then += timedelta(days=1)
    clock.set(then.astimezone(UTC))


async def _owner_acts(olivia: SlackPerson, slack: FakeSlack, step: str) -> None:
    card = card_of(slack, "C0SUPPORT", "T-1077")
    if step == "take-over":
        print("  Olivia clicks [ Take over ] on the ticket card.")
        await olivia.click(card, ActionId.TAKE_OVER)
        return
    print("  Olivia clicks [ Part ways… ]; Slack shows her what will happen before anything does:")
    await olivia.click(card, ActionId.PART_WAYS)
    shown = await olivia.confirm_newest_modal(settled_when="licences")
    for line in shown.splitlines():
        indent = "  │ " if line.startswith("  │") else ""
        for piece in textwrap.wrap(line, WIDTH - 6, subsequent_indent=indent) or [""]:
            print(f"  ┆ {piece}")
    print("  She confirms.")


def _print_providers(
    stripe_api: FakeStripe, keygen: FakeKeygen, mailchimp: FakeMailchimp, helpdesk: FakeHelpDesk
) -> None:
    print("\n━━ What the providers were asked to do " + "━" * (WIDTH - 39))
    for refund in stripe_api.refunds:
        print(
            f"  Stripe: refund {refund['id']} of {refund['amount'] / 100:.2f} {refund['currency'].upper()} "
            f"on {refund['payment_intent']} ({refund['status']})"
        )
    print(f"  Keygen: licence {VICTOR_LICENCE} is {keygen.status_of(VICTOR_LICENCE)}")
    print(f"  Mailchimp: {VICTOR['email']} is {mailchimp.status_of(VICTOR['email'])}")
    for update in helpdesk.updates:
        said = f": “{' '.join(update.body.split())[:60]}…”" if update.body else ""
        print(
            f"  Help desk: {update.type} on {update.ticket_id} by {update.agent.get('name') or '?'}{said} "
            f"(signed, ref {update.reference})"
        )


async def _audit_trail(runtime: Runtime) -> list[str]:
    lines = []
    async with runtime.db.transaction(read_only=True) as session:
        async for line in audit.export(session, "jsonl"):
            row = json.loads(line)
            ref = f" · {row['provider_reference']}" if row["provider_reference"] else ""
            lines.append(
                f"  #{row['seq']:<3} {row['at'][11:19]} {row['actor_name'] or row['actor_id']:<14} "
                f"{row['action']:<15} {row['outcome']:<10} {row['subject'] or ''}{ref}"
            )
        checked, broken = await audit.verify(session)
    verdict = f"BROKEN at {broken.seq}" if broken else "intact (supportbot audit verify)"
    return [*lines, f"  chain: {checked} records, {verdict}"]


async def _send(
    http: aiohttp.ClientSession, base: str, delivery: Delivery, paypal: FakePayPal, clock: FakeClock
) -> int:
    # Signed at the demo's time: the bot refuses a signature far from its own clock as a replay.
    body = json.dumps(delivery.event)
    now = int(clock.now().timestamp())
    if delivery.provider == "stripe":
        signature = stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET, timestamp=now)
        headers = {"Stripe-Signature": signature}
    elif delivery.provider == "paypal":
        headers = paypal.sign_webhook(delivery.event, PAYPAL_WEBHOOK_ID, at=clock.now())
    else:
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
