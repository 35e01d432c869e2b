"""The real bot, started on a free port against fake providers, driven as the providers would drive it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select

from bot.app.runtime import Runtime
from bot.config.settings import Settings
from bot.core.clock import FakeClock
from bot.fakes.helpdesk import FakeHelpDesk
from bot.fakes.licences import FakeKeygen, FakeLicenceServer
from bot.fakes.mailing_lists import FakeKit, FakeMailchimp
from bot.fakes.paypal import FakePayPal
from bot.fakes.slack import FakeSlack, Message
from bot.fakes.slack_requests import (
    SIGNING_SECRET,
    button_value,
    click_body,
    command_body,
    shortcut_body,
    signed,
    submission_body,
)
from bot.fakes.smtp import FakeSmtp
from bot.fakes.stripe import FakeStripe
from bot.outbox.pacing import Pacer, Rate
from bot.storage.db import Database
from bot.storage.models.actions import AuditRecord
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.outbox import OutboxMessage, OutboxStatus
from tests.builders import STRIPE_SECRET, TICKETS_SECRET, stripe_signed, ticket_event, tickets_signed
from tests.clocks import SteadyClock, unix
from tests.waiting import eventually

# A stop takes a few seconds at most (WORK_GRACE_SECONDS for work in flight); this is far past that.
STOP_SECONDS = 30

CHANNELS = {"C0SALES": "sales", "C0SUPPORT": "support", "C0DISPUTES": "disputes", "C0ONCALL": "oncall"}
PAYPAL_WEBHOOK_ID = "WH-TEST-0001"
SMTP_FROM = "support@shop.example"


def provider_settings(
    *,
    stripe: FakeStripe | None = None,
    keygen: FakeKeygen | None = None,
    mailchimp: FakeMailchimp | None = None,
    kit: FakeKit | None = None,
    licence_server: FakeLicenceServer | None = None,
    helpdesk: FakeHelpDesk | None = None,
    smtp: FakeSmtp | None = None,
) -> dict[str, Any]:
    """Settings that point the bot's action providers at the fakes.

    The help desk's write-back is signed with the tickets webhook secret (bot_settings sets it to TICKETS_SECRET),
    so a FakeHelpDesk must be made with that secret; where it listens comes with each ticket's `callback_url`.
    """
    values: dict[str, Any] = {"provider_timeout_seconds": 2.0}
    if stripe is not None:
        values |= {"stripe_api_key": stripe.api_key, "stripe_api_base": stripe.base_url}
    if keygen is not None:
        values |= {"keygen_account": keygen.account, "keygen_token": keygen.token, "keygen_api_base": keygen.base_url}
    if mailchimp is not None:
        values |= {
            "mailchimp_api_key": mailchimp.api_key,
            "mailchimp_list_id": mailchimp.list_id,
            "mailchimp_api_base": mailchimp.base_url,
        }
    if kit is not None:
        values |= {"kit_api_key": kit.api_key, "kit_api_base": kit.base_url}
    if licence_server is not None:
        values |= {"licence_url": licence_server.base_url, "licence_secret": licence_server.secret}
    if helpdesk is not None:
        # Nothing to set: tickets bring their callback_url, and the write-back signs with the tickets secret.
        assert helpdesk.secret == TICKETS_SECRET, "make the FakeHelpDesk with tests.builders.TICKETS_SECRET"
    if smtp is not None:
        # The mailer settings carry no TLS context to trust the fake's throwaway certificate: plain SMTP.
        assert smtp.tls == "none", "start FakeSmtp with tls='none' for the bot under test"
        values |= {"smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_tls": "none", "smtp_from": SMTP_FROM}
        if smtp.username is not None:
            values |= {"smtp_user": smtp.username, "smtp_password": smtp.password}
    return values


def unpaced() -> Pacer:
    """A pacer that never waits: threads with several replies need not take a second per reply."""
    return Pacer(time.monotonic, post_rate=Rate(per_second=1000, burst=100), update_rate=Rate(1000, 100))


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
    return Settings(_env_file=None, **(values | overrides))


# A team in Berlin, open mon-fri 09:00-17:00, with U0AGENT on call the week from Monday 23 November 2026 and
# U0SECOND next in line; U0OWNER (bot_settings' owner) is paged last.
ON_CALL: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "business_hours": "mon-fri 09:00-17:00",
    "oncall_people": "U0AGENT,U0SECOND",
    "oncall_start": "2026-11-23T09:00",
    "oncall_ack_minutes": 15,
}


def on_call_settings(database_url: str, slack: FakeSlack, **extra: Any) -> Settings:
    return bot_settings(database_url, slack, **(ON_CALL | extra))


def alerts(slack: FakeSlack) -> list[Any]:
    """What the on-call channel shows, oldest first."""
    return slack.channel_messages("C0ONCALL")


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

    def now(self) -> int:
        """The bot's time as a unix timestamp: when a provider signing a request for it would sign."""
        return unix(self.runtime.clock.now())

    async def stripe(self, event: dict[str, Any], **sign: Any) -> tuple[int, dict[str, Any]]:
        return await self.post("/webhooks/stripe", *stripe_signed(event, **({"timestamp": self.now()} | sign)))

    async def tickets(self, event: dict[str, Any], **sign: Any) -> tuple[int, dict[str, Any]]:
        return await self.post("/webhooks/tickets", *tickets_signed(event, **({"timestamp": self.now()} | sign)))

    async def paypal(self, event: dict[str, Any], fake: FakePayPal) -> tuple[int, dict[str, Any]]:
        headers = fake.sign_webhook(event, PAYPAL_WEBHOOK_ID, self.runtime.clock.now()) | {
            "Content-Type": "application/json"
        }
        return await self.post("/webhooks/paypal", json.dumps(event).encode(), headers)

    async def slash(self, slack: FakeSlack, command: str, text: str, *, user: str, reply_to: str = "cmd") -> int:
        body = command_body(slack, command, text, user=user, reply_to=reply_to)
        status, _ = await self.post("/slack/events", body.encode(), signed(body, timestamp=self.now()))
        return status

    async def click(self, slack: FakeSlack, action_id: str, value: str, *, user: str, reply_to: str = "click") -> int:
        body = click_body(slack, action_id, value, user=user, reply_to=reply_to)
        status, _ = await self.post("/slack/events", body.encode(), signed(body, timestamp=self.now()))
        return status

    async def shortcut(self, slack: FakeSlack, callback_id: str, message: Any, *, user: str) -> int:
        body = shortcut_body(slack, callback_id, message.channel, message.ts, user=user)
        status, _ = await self.post("/slack/events", body.encode(), signed(body, timestamp=self.now()))
        return status

    async def submit(self, view: dict[str, Any], *, user: str, **values: Any) -> tuple[int, dict[str, Any]]:
        """Submit a modal; the answer is what Bolt acked: {} (closed), or errors, or a view to show instead."""
        body = submission_body(view, user=user, **values)
        return await self.post("/slack/events", body.encode(), signed(body, timestamp=self.now()))

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every stored event is applied and every message it asked for is in Slack."""
        try:
            await eventually(self.runtime.settled, timeout, "the bot did not settle in time")
        except AssertionError:
            raise AssertionError(f"the bot did not settle in time; left: {await self._left()}") from None

    async def settle_with_retries(self, clock: FakeClock, step_seconds: float = 2) -> None:
        """Settle, moving `clock` on a few seconds a step, so that work put off for a retry comes due and is done."""

        async def settled_or_later() -> bool:
            if await self.runtime.settled():
                return True
            clock.advance(step_seconds)
            return False

        await eventually(settled_or_later, 15.0, "the bot did not settle")

    async def _left(self) -> str:
        """What keeps the bot from settling, for the failure message: a retry held by a fixed clock, or slowness."""
        now = self.runtime.clock.now()
        async with self.runtime.db.transaction(read_only=True) as session:
            pending = await session.scalars(select(InboundEvent).where(InboundEvent.status == InboundStatus.PENDING))
            events = [
                f"{e.provider} {e.event_type} tries={e.attempts} not_before={e.not_before} error={e.error!r}"
                for e in pending
            ]
            items = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
            )
            outbox = [
                f"{m.kind} {m.channel} {m.status} tries={m.attempts} not_before={m.not_before} error={m.last_error!r}"
                for m in items
            ]
        return f"clock {now.isoformat()}, events pending {events or 'none'}, outbox {outbox or 'empty'}"


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, **runtime_options: Any) -> AsyncIterator[BotUnderTest]:
    runtime_options.setdefault("clock", SteadyClock())
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
            # Bounded, so that a stop that hangs fails its test with where everything waits, not the whole run.
            stopping = asyncio.create_task(_stop(runner, runtime))
            await asyncio.wait({stopping}, timeout=STOP_SECONDS)
            if not stopping.done():
                for task in asyncio.all_tasks():
                    task.print_stack()
                raise AssertionError(f"the bot did not stop within {STOP_SECONDS} s; where its tasks wait is above")
            await stopping


async def _stop(runner: web.AppRunner, runtime: Runtime) -> None:
    await runner.cleanup()
    await runtime.stop()


def card_header(message: Message) -> str:
    """The text of a card's first block, its header."""
    assert message.blocks, f"not a card: {message.text!r}"
    return message.blocks[0]["text"]["text"]


def sales_shown(slack: FakeSlack, channel: str = "C0SALES") -> tuple[int, int]:
    """(sales with a card of their own, sales counted in rush digests) as the channel shows them now."""
    cards = digested = 0
    for message in slack.channel_messages(channel):
        header = card_header(message)
        if header.startswith("🚀 Sales rush"):
            digested += int(header.split("·")[1].split()[0].replace(",", ""))
        elif header.startswith("💰"):
            cards += 1
    return cards, digested


# -- looking at what the bot did, for the tests of actions --------------------------------------------------------


def has_button(message: Any, action_id: str) -> bool:
    try:
        button_value(message, action_id)
    except LookupError:
        return False
    return True


def shown(message: Any) -> str:
    """Everything a message shows: its text and its blocks, as one searchable string."""
    return f"{message.text}\n{json.dumps(message.blocks or [], ensure_ascii=False)}"


async def audit_trail(database_url: str) -> list[tuple[str, str, str]]:
    """(action, outcome, actor id) of every audit record, oldest first."""
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            records = await session.scalars(select(AuditRecord).order_by(AuditRecord.seq))
            return [(r.action, r.outcome, r.actor_id) for r in records]
    finally:
        await db.dispose()


async def open_ticket(
    bot: BotUnderTest,
    slack: FakeSlack,
    ticket_id: str,
    *,
    callback_url: str | None = None,
    subject: str = "Download link",
    email: str = "ann@example.com",
) -> Any:
    """A new ticket from the help desk, settled; returns its card in the support channel."""
    event = ticket_event(
        "ticket.created",
        ticket_id=ticket_id,
        message_id=f"{ticket_id}-M1",
        body="The download link has expired.",
        subject=subject,
        email=email,
        callback_url=callback_url,
    )
    status, answer = await bot.tickets(event)
    assert status == 200, answer
    await bot.settle()
    [card] = [m for m in slack.channel_messages("C0SUPPORT") if f"Ticket {ticket_id}" in shown(m)]
    return card


def thread(slack: FakeSlack, card: Any) -> list[str]:
    """What the replies under a card show, oldest first."""
    return [shown(reply) for reply in slack.replies(card.channel, card.ts)]
