"""Hostile input at every door of a running bot: a clear 4xx, fast, and nothing of the body in the log.

Bodies are signed where the door checks a signature, so that what is tested is the parse after it; unsigned
ones show that the signature is checked first. Stripe and the tickets webhook check signatures against the
bot's clock (a FakeClock here); Slack's against the wall clock, as Bolt does (bot.fakes.slack_requests.signed).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.core.clock import FakeClock
from bot.fakes.paypal import FakePayPal, capture_completed_event
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import command_body, signed
from bot.integrations import tickets_webhooks
from bot.integrations.paypal_verification import MAX_IN_FLIGHT
from bot.observability import logs
from bot.storage.models.inbound import InboundEvent
from tests.builders import STRIPE_SECRET, TICKETS_SECRET
from tests.harness import PAYPAL_WEBHOOK_ID, BotUnderTest, bot_settings, running_bot

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DEEP = b'{"id": "evt_deep", "type": "charge.succeeded", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
WIDE = b'{"id": "evt_wide", "type": "charge.succeeded", "x": [' + b"[]," * 300_000 + b"[]]}"
LONG_NUMBER = b'{"id": "evt_num", "type": "charge.succeeded", "amount": ' + b"9" * 5_000 + b"}"
NOT_UTF8 = b'{"id": "evt_bytes", "type": "charge.succeeded", "name": "\xff\xfe\xc3"}'
MALFORMED = b'{"id": "evt_cut", "type": '
HOSTILE = {
    "deep": (DEEP, "nested deeper"),
    "wide": (WIDE, "more than 20,000 values"),
    "long number": (LONG_NUMBER, "number longer"),
    "not utf-8": (NOT_UTF8, "not UTF-8"),
    "malformed": (MALFORMED, "malformed JSON"),
}


@pytest.fixture
async def bot(database_url: str, slack: FakeSlack, paypal: FakePayPal) -> AsyncIterator[BotUnderTest]:
    async with running_bot(bot_settings(database_url, slack, paypal), clock=FakeClock(NOW)) as running:
        yield running


@pytest.fixture
def served_log() -> Iterator[io.StringIO]:
    """The process's log as `supportbot serve` sets it up at INFO, in the text format, into a buffer.

    Ask for it before `bot`: like `serve`, the log is set up before the app is built.
    """
    root = logging.getLogger()
    before = root.level, {name: logging.getLogger(name).level for name in logs.NOISY_LOGGERS}
    stream = io.StringIO()
    handler = logs.configure_logging(logging.INFO, "text", stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        logs._installed = None
        root.setLevel(before[0])
        for name, level in before[1].items():
            logging.getLogger(name).setLevel(level)


def stripe_headers(raw: bytes) -> dict[str, str]:
    ts = int(NOW.timestamp())
    digest = hmac.new(STRIPE_SECRET.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={ts},v1={digest}", "Content-Type": "application/json"}


def tickets_headers(raw: bytes) -> dict[str, str]:
    ts = int(NOW.timestamp())
    return {
        tickets_webhooks.TIMESTAMP_HEADER: str(ts),
        tickets_webhooks.SIGNATURE_HEADER: tickets_webhooks.sign(TICKETS_SECRET, ts, raw),
        "Content-Type": "application/json",
    }


def slack_json_headers(raw: bytes) -> dict[str, str]:
    return signed(raw, timestamp=int(NOW.timestamp())) | {"Content-Type": "application/json"}


def a_capture(event_id: str = "WH-HOSTILE-1") -> dict[str, Any]:
    return capture_completed_event("CAPTURE0000000009", "10.00", "USD", event_id=event_id, at=NOW)


async def stored(bot: BotUnderTest) -> int:
    async with bot.runtime.db.transaction(read_only=True) as session:
        return int(await session.scalar(select(func.count()).select_from(InboundEvent)) or 0)


# -- malformed bodies, signed: 400 with a one-line reason, nothing stored ------------------------------------


@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.parametrize(
    ("path", "sign"),
    [
        ("/webhooks/stripe", stripe_headers),
        ("/webhooks/tickets", tickets_headers),
        ("/slack/events", slack_json_headers),
    ],
)
async def test_a_signed_malformed_body_answers_400_at_every_signed_door(
    bot: BotUnderTest, path: str, sign: Callable[[bytes], dict[str, str]], kind: str
) -> None:
    raw, reason = HOSTILE[kind]
    status, answer = await bot.post(path, raw, sign(raw))
    assert status == 400, answer
    assert reason in answer["error"] and "\n" not in answer["error"]
    assert await stored(bot) == 0


@pytest.mark.parametrize("kind", list(HOSTILE))
async def test_paypal_refuses_a_malformed_body_without_asking_paypal(
    bot: BotUnderTest, paypal: FakePayPal, kind: str
) -> None:
    raw, reason = HOSTILE[kind]
    headers = paypal.sign_webhook(a_capture(), PAYPAL_WEBHOOK_ID, at=NOW) | {"Content-Type": "application/json"}
    status, answer = await bot.post("/webhooks/paypal", raw, headers)
    assert status == 400 and reason in answer["error"]
    assert paypal.verifications == 0


@pytest.mark.parametrize("path", ["/webhooks/stripe", "/webhooks/tickets", "/slack/events"])
async def test_the_signature_is_checked_before_the_body_is_read_as_json(bot: BotUnderTest, path: str) -> None:
    for raw, _ in HOSTILE.values():
        status, answer = await bot.post(path, raw, {"Content-Type": "application/json"})
        assert status in (400, 401), answer
        # Stripe's SDK decodes the body before it looks at the signature: a 400 all the same, and no parse.
        stripe_decodes_first = path == "/webhooks/stripe" and raw == NOT_UTF8
        assert "signature" in answer["error"] or "Timestamp" in answer["error"] or stripe_decodes_first, answer


@pytest.mark.parametrize("timestamp", ["", "abc", "1.5", "²³", "١٧٠٠٠٠٠٠٠٠", "9" * 5_000, "0x6553f100", "-1700000000"])
async def test_a_garbage_slack_timestamp_answers_401(bot: BotUnderTest, slack: FakeSlack, timestamp: str) -> None:
    body = command_body(slack, "/support", "help", user="U0AGENT")
    headers = signed(body, timestamp=bot.now()) | {"X-Slack-Request-Timestamp": timestamp}
    status, answer = await bot.post("/slack/events", body.encode(), headers)
    assert status == 401 and "X-Slack-Request-Timestamp" in answer["error"]


async def test_a_garbage_tickets_timestamp_answers_4xx(bot: BotUnderTest) -> None:
    for timestamp in ("²³", "9" * 5_000):
        headers = tickets_headers(b"{}") | {tickets_webhooks.TIMESTAMP_HEADER: timestamp}
        status, _ = await bot.post("/webhooks/tickets", b"{}", headers)
        assert status == 400


async def test_slack_bodies_bolt_could_not_parse_answer_400_once_signed(bot: BotUnderTest, slack: FakeSlack) -> None:
    form = command_body(slack, "/support", "help", user="U0AGENT").encode()
    unsigned_form_as_json = await bot.post("/slack/events", form, {"Content-Type": "application/json"})
    assert unsigned_form_as_json[0] == 401
    form_as_json = await bot.post("/slack/events", form, slack_json_headers(form))
    assert form_as_json[0] == 400 and "malformed JSON" in form_as_json[1]["error"]
    a_list = b'[{"type": "url_verification"}]'
    assert (await bot.post("/slack/events", a_list, slack_json_headers(a_list)))[0] == 400
    deep_payload = urlencode({"payload": DEEP.decode()}).encode()
    status, answer = await bot.post("/slack/events", deep_payload, signed(deep_payload, timestamp=bot.now()))
    assert status == 400 and "nested deeper" in answer["error"]
    unsigned_bytes = await bot.post("/slack/events", NOT_UTF8, {"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned_bytes[0] == 401
    assert "cmd" not in slack.responses


async def test_a_slack_body_over_1_mib_answers_413(bot: BotUnderTest) -> None:
    big = b"text=" + b"x" * (1024 * 1024)
    async with bot.http.post(
        bot.url + "/slack/events", data=io.BytesIO(big), headers=signed(big, timestamp=bot.now())
    ) as response:
        assert response.status == 413


async def test_a_command_still_works_through_the_guarded_door(bot: BotUnderTest, slack: FakeSlack) -> None:
    assert await bot.slash(slack, "/support", "help", user="U0AGENT") == 200
    await slack.wait_for(lambda s: "cmd" in s.responses)
    assert "/support status" in slack.responses["cmd"][0]["text"]


# -- strangers at /slack/events: nothing of theirs in the log, and the event loop stays free ------------------


async def test_a_rejected_slack_body_never_reaches_the_log(
    served_log: io.StringIO, bot: BotUnderTest, slack: FakeSlack
) -> None:
    body = command_body(slack, "/refund", "pi_zebra-quartz dana%40example.org", user="U0STRANGER")
    forged = body + "&forged=1\n2026-12-02 10:00:00,000 ERROR   bot.actions.audit: the audit chain is broken"
    status, _ = await bot.post("/slack/events", forged.encode(), signed(body, timestamp=bot.now()))
    assert status == 401
    written = served_log.getvalue()
    assert "slack request rejected (401)" in written
    for leaked in ("zebra-quartz", "dana", "response_url", "audit chain", slack.response_url("cmd")):
        assert leaked not in written, f"the log carries {leaked!r}"


async def test_health_stays_fast_while_big_unsigned_requests_arrive(served_log: io.StringIO, bot: BotUnderTest) -> None:
    # 120 KB of one long word: the old email pattern took seconds on it, on the event loop, once Bolt logged it.
    body = b"text=" + b"a" * 120_000
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": "1"}
    loop = asyncio.get_running_loop()

    async def health_latency() -> float:
        await asyncio.sleep(0.05)  # the strangers' requests are in flight by now
        started = loop.time()
        async with bot.http.get(bot.url + "/healthz") as answer:
            assert answer.status == 200
        return loop.time() - started

    strangers = asyncio.gather(*(bot.post("/slack/events", body, headers) for _ in range(20)))
    answers, latency = await asyncio.gather(strangers, health_latency())
    assert [status for status, _ in answers] == [401] * 20
    assert latency < 1.0, f"/healthz waited {latency:.2f} s"


# -- PayPal: a forged delivery is asked about once, and a flood of them is bounded ---------------------------


async def test_a_replayed_forged_paypal_delivery_costs_one_verification(bot: BotUnderTest, paypal: FakePayPal) -> None:
    event = a_capture()
    headers = paypal.sign_webhook(event, PAYPAL_WEBHOOK_ID, at=NOW) | {"Content-Type": "application/json"}
    forged = json.dumps(event | {"summary": "forged"}).encode()
    for _ in range(5):
        status, answer = await bot.post("/webhooks/paypal", forged, headers)
        assert status == 400 and "did not confirm" in answer["error"]
    assert paypal.verifications == 1

    genuine = json.dumps(event).encode()
    assert (await bot.post("/webhooks/paypal", genuine, headers))[0] == 200
    assert paypal.verifications == 2  # the same headers with another body are asked about again
    assert await stored(bot) == 1


async def test_a_flood_of_forged_paypal_deliveries_is_bounded(bot: BotUnderTest, paypal: FakePayPal) -> None:
    paypal.delay_next("/v1/notifications/verify-webhook-signature", times=100, delay=3.0)
    loop = asyncio.get_running_loop()

    async def forged(n: int) -> tuple[int, float]:
        event = a_capture(f"WH-FLOOD-{n}")
        headers = paypal.sign_webhook(event, PAYPAL_WEBHOOK_ID, at=NOW) | {"Content-Type": "application/json"}
        started = loop.time()
        status, _ = await bot.post("/webhooks/paypal", json.dumps(event | {"summary": "forged"}).encode(), headers)
        return status, loop.time() - started

    answers = await asyncio.gather(*(forged(n) for n in range(20)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [400] * MAX_IN_FLIGHT + [503] * (20 - MAX_IN_FLIGHT)
    assert all(took < 2.0 for status, took in answers if status == 503), "a refusal waited for the flood"
    assert paypal.verifications == MAX_IN_FLIGHT
    assert await stored(bot) == 0
