"""GET /metrics on a running bot: webhook outcomes, Slack calls and 429s, actions, tone verdicts, and the queues."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.errors import Rejection
from bot.core.slack_ids import Command
from bot.fakes.slack import FakeSlack
from bot.integrations import tickets_webhooks
from bot.observability.metrics import PROVIDERS, WebhookOutcome
from bot.policies.tone import Tone
from bot.tone import model_version
from tests.builders import TICKETS_SECRET, stripe_charge, stripe_event, stripe_signed, ticket_event, tickets_signed
from tests.harness import CHANNELS, BotUnderTest, bot_settings, running_bot, unpaced

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(channels=CHANNELS) as fake:
        yield fake


async def scrape(bot: BotUnderTest) -> Samples:
    async with bot.http.get(bot.url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


async def scraped_until(bot: BotUnderTest, ready: Callable[[Samples], bool], timeout: float = 10.0) -> Samples:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not ready(samples := await scrape(bot)):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"metrics never got there; last scrape: {samples}")
        await asyncio.sleep(0.05)
    return samples


def webhooks(samples: Samples, provider: str, outcome: str) -> float:
    return value(samples, "supportbot_webhooks_received_total", provider=provider, outcome=outcome)


def slack_calls(samples: Samples, method: str, outcome: str) -> float:
    return value(samples, "supportbot_slack_api_calls_total", method=method, outcome=outcome)


async def test_webhook_outcomes_and_the_outbox_queue_while_slack_is_down(database_url, slack: FakeSlack):
    clock = FakeClock()
    now = int(clock.now().timestamp())
    async with running_bot(bot_settings(database_url, slack), clock=clock, pacer=unpaced()) as bot:
        fresh = await scrape(bot)
        for provider in PROVIDERS:  # every outcome is there from the start, at 0
            for outcome in (*WebhookOutcome, *Rejection):
                assert webhooks(fresh, provider, outcome) == 0
        assert value(fresh, "supportbot_database_up") == 1

        slack.set_down()
        sale = stripe_event("charge.succeeded", stripe_charge(pi="pi_metrics01"))
        assert (await bot.post("/webhooks/stripe", *stripe_signed(sale, timestamp=now)))[0] == 200
        assert (await bot.post("/webhooks/stripe", *stripe_signed(sale, timestamp=now)))[0] == 200  # redelivered
        forged = stripe_signed(sale, secret="whsec_not_ours", timestamp=now)
        assert (await bot.post("/webhooks/stripe", *forged))[0] == 400
        assert (await bot.post("/webhooks/stripe", *stripe_signed(sale, timestamp=now - 3600)))[0] == 400
        _, headers = tickets_signed({"id": "x"}, timestamp=now)
        assert (await bot.post("/webhooks/tickets", b"{not json", headers))[0] == 401  # signed for another body
        assert (await bot.post("/webhooks/paypal", b"{}", {"Content-Type": "application/json"}))[0] == 503

        # The card cannot reach Slack: it waits in the outbox, and its age grows with the clock.
        await scraped_until(bot, lambda s: slack_calls(s, "chat.postMessage", "error") >= 1)
        clock.advance(120)
        down = await scraped_until(bot, lambda s: value(s, "supportbot_outbox_messages", status="pending") == 1)
        assert value(down, "supportbot_outbox_messages_oldest_age_seconds", status="pending") == 120
        assert value(down, "supportbot_outbox_messages", status="failed") == 0
        assert value(down, "supportbot_inbound_events", status="pending") == 0
        assert value(down, "supportbot_inbound_events", status="quarantined") == 0

        slack.set_down(False)
        clock.advance(3600)  # past any backoff: the next poll delivers
        await bot.settle()
        done = await scrape(bot)

    assert webhooks(done, "stripe", WebhookOutcome.ACCEPTED) == 1
    assert webhooks(done, "stripe", WebhookOutcome.DUPLICATE) == 1
    assert webhooks(done, "stripe", Rejection.BAD_SIGNATURE) == 1
    assert webhooks(done, "stripe", Rejection.REPLAYED) == 1
    assert webhooks(done, "tickets", Rejection.BAD_SIGNATURE) == 1
    assert webhooks(done, "paypal", WebhookOutcome.UNCONFIGURED) == 1
    assert slack_calls(done, "chat.postMessage", "ok") == 1
    assert value(done, "supportbot_outbox_messages", status="pending") == 0
    assert value(done, "supportbot_outbox_messages_oldest_age_seconds", status="pending") == 0


async def test_malformed_and_oversized_deliveries_are_counted_as_such(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack)) as bot:
        malformed = b"{not json"
        timestamp = bot.now()
        headers = {
            tickets_webhooks.TIMESTAMP_HEADER: str(timestamp),
            tickets_webhooks.SIGNATURE_HEADER: tickets_webhooks.sign(TICKETS_SECRET, timestamp, malformed),
        }
        assert (await bot.post("/webhooks/tickets", malformed, headers))[0] == 400
        async with bot.http.post(bot.url + "/webhooks/stripe", data=io.BytesIO(b"x" * (1024 * 1024 + 1))) as answer:
            assert answer.status == 413
        samples = await scrape(bot)
    assert webhooks(samples, "tickets", Rejection.MALFORMED) == 1
    assert webhooks(samples, "stripe", Rejection.TOO_LARGE) == 1


async def test_slack_429s_are_counted(database_url):
    async with FakeSlack(channels=CHANNELS, retry_after=1) as slack:
        slack.fail_next("chat.postMessage", status=429)
        async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
            await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_metrics02")))
            await bot.settle()
            samples = await scrape(bot)
    assert slack.rate_limited["chat.postMessage"] == 1
    assert slack_calls(samples, "chat.postMessage", "rate_limited") == 1
    assert slack_calls(samples, "chat.postMessage", "ok") == 1


async def test_tone_verdicts_and_audited_actions_are_counted_once_committed(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        for number, body in enumerate(
            ["Third email about this: the download link has expired AGAIN.", "You are idiots, fix this now you morons"]
        ):
            event = ticket_event("ticket.created", ticket_id=f"T-{number}", message_id=f"M-{number}", body=body)
            assert (await bot.tickets(event))[0] == 200
        await bot.settle()
        # Someone outside the support team asks for the audit trail: refused, and the refusal is audited.
        assert await bot.slash(slack, Command.AUDIT, "", user="U0STRANGER", reply_to="refused") == 200
        await slack.wait_for(lambda s: "refused" in s.responses)
        samples = await scraped_until(
            bot,
            lambda s: ("supportbot_actions_total", frozenset({("action", "view-audit"), ("outcome", "refused")})) in s,
        )
    assert value(samples, "supportbot_actions_total", action="view-audit", outcome="refused") == 1
    tones = {tone: value(samples, "supportbot_tone_verdicts_total", tone=tone) for tone in Tone}
    assert tones == {Tone.NEUTRAL: 0, Tone.FRUSTRATED: 1, Tone.ABUSIVE: 1}
    # The verdicts say which model judged them.
    assert value(samples, "supportbot_tone_model_info", version=model_version()) == 1


async def test_without_a_database_the_counters_are_still_served(slack: FakeSlack):
    # Nothing listens on port 1: every query fails at once, as when the database server is down.
    runtime = Runtime(bot_settings("postgresql+asyncpg://supportbot@127.0.0.1:1/supportbot", slack))
    runner = web.AppRunner(runtime.web_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with aiohttp.ClientSession() as http:
            bot = BotUnderTest(runtime, f"http://127.0.0.1:{runner.addresses[0][1]}", http)
            assert (await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_metrics03"))))[0] == 503
            samples = await scrape(bot)
    finally:
        await runner.cleanup()
        await runtime.db.dispose()
    assert value(samples, "supportbot_database_up") == 0
    assert webhooks(samples, "stripe", WebhookOutcome.STORAGE_UNAVAILABLE) == 1
    assert not any(name.startswith("supportbot_outbox") for name, _ in samples)
