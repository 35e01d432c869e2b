"""The inbound contract of the three webhook endpoints, with the real bot over real HTTP.

What a sender may rely on: a verified delivery is stored before the 200; a duplicate changes nothing; anything
unverified, too old, too big or malformed is refused with a 4xx and leaves no trace; and when the bot cannot
verify right now (PayPal down) it answers 503 so the sender tries again.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.fakes.paypal import (
    VERIFY_PATH,
    FakePayPal,
    capture_completed_event,
)
from bot.fakes.slack import FakeSlack
from bot.integrations import tickets_webhooks
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.outbox import OutboxMessage
from tests.builders import (
    STRIPE_SECRET,
    TICKETS_SECRET,
    stripe_charge,
    stripe_event,
    stripe_signed,
    ticket_event,
    tickets_signed,
)
from tests.clocks import START
from tests.harness import PAYPAL_WEBHOOK_ID, BotUnderTest, bot_settings, running_bot

ONE_MIB = 1024 * 1024


@pytest.fixture
async def bot(database_url: str, slack: FakeSlack, paypal: FakePayPal) -> AsyncIterator[BotUnderTest]:
    async with running_bot(bot_settings(database_url, slack, paypal)) as running:
        yield running


async def stored(bot: BotUnderTest) -> list[InboundEvent]:
    async with bot.runtime.db.transaction() as session:
        return list(await session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


async def outbox(bot: BotUnderTest) -> list[OutboxMessage]:
    async with bot.runtime.db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def stripe_sale(pi: str = "pi_contract") -> dict[str, Any]:
    return stripe_event("charge.succeeded", stripe_charge(pi=pi))


def stripe_raw_signed(body: bytes, *, timestamp: int, secret: str = STRIPE_SECRET) -> dict[str, str]:
    """A Stripe-Signature over arbitrary bytes, the way Stripe computes it (HMAC of "{t}.{body}")."""
    ts = timestamp
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={ts},v1={digest}", "Content-Type": "application/json"}


def a_ticket(event_id: str | None = None) -> dict[str, Any]:
    return ticket_event("ticket.created", ticket_id="T-100", message_id="M-1", body="Hello", event_id=event_id)


def paypal_sale(event_id: str | None = None) -> dict[str, Any]:
    return capture_completed_event("CAPTURE0000000001", "10.00", "USD", event_id=event_id, at=START)


def verify_calls(fake: FakePayPal) -> list[Any]:
    return [call for call in fake.calls if call.path == VERIFY_PATH]


# -- good and duplicate deliveries ---------------------------------------------------------------------------


async def test_stripe_good_delivery_is_stored_and_answered_200(bot: BotUnderTest, slack: FakeSlack) -> None:
    event = stripe_sale()
    status, body = await bot.stripe(event)
    assert (status, body) == (200, {"received": True})
    [row] = await stored(bot)
    assert (row.provider, row.event_id, row.event_type) == ("stripe", event["id"], "charge.succeeded")
    assert row.payload == event
    await bot.settle()
    [row] = await stored(bot)
    assert row.status == "applied"
    assert len(slack.channel_messages("C0SALES")) == 1


async def test_stripe_duplicate_delivery_changes_nothing(bot: BotUnderTest, slack: FakeSlack) -> None:
    event = stripe_sale()
    assert (await bot.stripe(event))[0] == 200
    await bot.settle()
    # Stripe redelivers the same event (same id), signed again at a later time.
    assert (await bot.stripe(event, timestamp=bot.now() + 1))[0] == 200
    await bot.settle()
    assert len(await stored(bot)) == 1
    assert len(await outbox(bot)) == 1
    [card] = slack.channel_messages("C0SALES")
    assert card.edits == []
    assert slack.replies("C0SALES", card.ts) == []


async def test_tickets_good_and_duplicate_delivery(bot: BotUnderTest, slack: FakeSlack) -> None:
    event = a_ticket()
    assert await bot.tickets(event) == (200, {"received": True})
    assert await bot.tickets(event) == (200, {"received": True})
    await bot.settle()
    [row] = await stored(bot)
    assert (row.provider, row.event_id, row.event_type, row.status) == (
        "tickets",
        event["id"],
        "ticket.created",
        "applied",
    )
    [card] = slack.channel_messages("C0SUPPORT")
    assert card.edits == [] and slack.replies("C0SUPPORT", card.ts) == []


async def test_paypal_good_and_duplicate_delivery(bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal) -> None:
    event = paypal_sale()
    assert await bot.paypal(event, paypal) == (200, {"received": True})
    assert await bot.paypal(event, paypal) == (200, {"received": True})
    await bot.settle()
    [row] = await stored(bot)
    assert (row.provider, row.event_id, row.event_type, row.status) == (
        "paypal",
        event["id"],
        "PAYMENT.CAPTURE.COMPLETED",
        "applied",
    )
    assert len(slack.channel_messages("C0SALES")) == 1
    assert len(await outbox(bot)) == 1


# -- signatures ----------------------------------------------------------------------------------------------


async def test_stripe_bad_and_missing_signature_store_nothing(bot: BotUnderTest) -> None:
    body, headers = stripe_signed(stripe_sale(), secret="whsec_someone_else", timestamp=bot.now())
    status, answer = await bot.post("/webhooks/stripe", body, headers)
    assert status == 400 and "Stripe signature" in answer["error"]

    status, answer = await bot.post("/webhooks/stripe", body, {"Content-Type": "application/json"})
    assert status in (400, 401) and "Stripe-Signature" in answer["error"]

    # A valid signature of another body: the signature covers the bytes.
    _, good = stripe_signed(stripe_sale("pi_other"), timestamp=bot.now())
    status, _ = await bot.post("/webhooks/stripe", body, good)
    assert status == 400
    assert await stored(bot) == []


async def test_tickets_bad_and_missing_signature_store_nothing(bot: BotUnderTest) -> None:
    body, headers = tickets_signed(a_ticket(), secret="not-our-secret", timestamp=bot.now())
    status, answer = await bot.post("/webhooks/tickets", body, headers)
    assert status == 401 and "signature" in answer["error"]

    status, answer = await bot.post("/webhooks/tickets", body, {"Content-Type": "application/json"})
    assert status == 401 and tickets_webhooks.SIGNATURE_HEADER in answer["error"]

    without_signature = {k: v for k, v in headers.items() if k != tickets_webhooks.SIGNATURE_HEADER}
    status, _ = await bot.post("/webhooks/tickets", body, without_signature)
    assert status == 401
    assert await stored(bot) == []


async def test_replayed_stripe_and_tickets_requests_are_rejected(bot: BotUnderTest) -> None:
    six_minutes_ago = bot.now() - 360
    status, answer = await bot.stripe(stripe_sale(), timestamp=six_minutes_ago)
    assert status == 400 and "too old" in answer["error"]
    status, answer = await bot.tickets(a_ticket(), timestamp=six_minutes_ago)
    assert status == 400 and "5 minutes" in answer["error"]
    assert await stored(bot) == []
    # Just inside the window is still fine.
    four_minutes_ago = bot.now() - 240
    assert (await bot.stripe(stripe_sale(), timestamp=four_minutes_ago))[0] == 200
    assert (await bot.tickets(a_ticket(), timestamp=four_minutes_ago))[0] == 200
    assert len(await stored(bot)) == 2


# -- body size and shape -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/webhooks/stripe", "/webhooks/tickets", "/webhooks/paypal"])
async def test_a_body_over_1_mib_answers_413(bot: BotUnderTest, path: str) -> None:
    big = b'{"id": "evt_big", "type": "charge.succeeded", "pad": "' + b"x" * ONE_MIB + b'"}'
    headers = {"Content-Type": "application/json"}
    # A file-like body, as aiohttp wants for a large one; it is sent with its Content-Length.
    async with bot.http.post(bot.url + path, data=io.BytesIO(big), headers=headers) as response:
        assert response.request_info.headers.get("Content-Length") == str(len(big))
        assert response.status == 413
        assert response.headers.get("Connection") == "close"  # the body is not read: the connection is done
        assert "1 MiB" in (await response.json())["error"]

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    async with bot.http.post(bot.url + path, data=chunks(), headers=headers) as response:
        assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
        assert response.status == 413
        assert response.headers.get("Connection") == "close"
        assert "1 MiB" in (await response.json())["error"]
    assert await stored(bot) == []


async def test_a_body_of_exactly_1_mib_is_not_refused_for_its_size(bot: BotUnderTest) -> None:
    event = stripe_sale()
    event["pad"] = ""
    size = len(json.dumps(event).encode())
    event["pad"] = "x" * (ONE_MIB - size)
    body, headers = stripe_signed(event, timestamp=bot.now())
    assert len(body) == ONE_MIB
    assert (await bot.post("/webhooks/stripe", body, headers))[0] == 200


async def test_stripe_checks_json_only_after_the_signature(bot: BotUnderTest) -> None:
    malformed = b'{"id": "evt_1", "type": '
    status, answer = await bot.post("/webhooks/stripe", malformed, {"Stripe-Signature": "t=1,v1=00"})
    assert status == 400 and "signature" in answer["error"]

    status, answer = await bot.post("/webhooks/stripe", malformed, stripe_raw_signed(malformed, timestamp=bot.now()))
    assert status == 400 and "malformed JSON" in answer["error"]
    assert await stored(bot) == []


async def test_stripe_body_that_is_not_utf8_answers_400_not_500(bot: BotUnderTest) -> None:
    raw = b'{"id": "evt_1", "type": "charge.succeeded", "x": "\xff\xfe"}'
    status, answer = await bot.post("/webhooks/stripe", raw, stripe_raw_signed(raw, timestamp=bot.now()))
    assert status == 400, answer
    assert await stored(bot) == []


async def test_tickets_and_paypal_malformed_json_answers_400(bot: BotUnderTest, paypal: FakePayPal) -> None:
    malformed = b'{"id": "t-1", "type": "ticket.created", '
    ts = bot.now()
    headers = {
        tickets_webhooks.TIMESTAMP_HEADER: str(ts),
        tickets_webhooks.SIGNATURE_HEADER: tickets_webhooks.sign(TICKETS_SECRET, ts, malformed),
    }
    status, answer = await bot.post("/webhooks/tickets", malformed, headers)
    assert status == 400 and "malformed JSON" in answer["error"]

    paypal_headers = paypal.sign_webhook(paypal_sale(), PAYPAL_WEBHOOK_ID, at=START)
    status, answer = await bot.post("/webhooks/paypal", b'{"id": "WH-1", ', paypal_headers)
    assert status == 400 and "malformed JSON" in answer["error"]
    assert verify_calls(paypal) == []  # nothing to ask PayPal about
    assert await stored(bot) == []


async def test_a_json_array_instead_of_an_object_answers_400(bot: BotUnderTest, paypal: FakePayPal) -> None:
    array = json.dumps([stripe_sale()]).encode()
    status, answer = await bot.post("/webhooks/stripe", array, stripe_raw_signed(array, timestamp=bot.now()))
    assert status == 400 and "JSON object" in answer["error"]

    ts = bot.now()
    headers = {
        tickets_webhooks.TIMESTAMP_HEADER: str(ts),
        tickets_webhooks.SIGNATURE_HEADER: tickets_webhooks.sign(TICKETS_SECRET, ts, array),
    }
    status, answer = await bot.post("/webhooks/tickets", array, headers)
    assert status == 400 and "JSON object" in answer["error"]

    event = paypal_sale()
    status, answer = await bot.post(
        "/webhooks/paypal", json.dumps([event]).encode(), paypal.sign_webhook(event, PAYPAL_WEBHOOK_ID, at=START)
    )
    assert status == 400 and "JSON object" in answer["error"]
    assert await stored(bot) == []


async def test_events_without_id_or_type_answer_400(bot: BotUnderTest, paypal: FakePayPal) -> None:
    no_id = stripe_sale()
    del no_id["id"]
    status, answer = await bot.stripe(no_id)
    assert status == 400 and "`id`" in answer["error"]

    event = paypal_sale()
    del event["event_type"]
    status, answer = await bot.paypal(event, paypal)
    assert status == 400 and "`event_type`" in answer["error"]
    assert await stored(bot) == []


# -- unknown event types -------------------------------------------------------------------------------------


async def test_unknown_event_types_are_acknowledged_recorded_as_ignored_and_not_posted(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal
) -> None:
    stripe_unknown = stripe_event("customer.created", {"id": "cus_1", "object": "customer", "email": "a@b.co"})
    paypal_unknown = paypal_sale()
    paypal_unknown["event_type"] = "BILLING.SUBSCRIPTION.CREATED"
    tickets_unknown = a_ticket()
    tickets_unknown["type"] = "ticket.closed"

    assert (await bot.stripe(stripe_unknown))[0] == 200
    assert (await bot.paypal(paypal_unknown, paypal))[0] == 200
    assert (await bot.tickets(tickets_unknown))[0] == 200
    await bot.settle()

    rows = await stored(bot)
    assert [(r.provider, r.event_type, r.status) for r in rows] == [
        ("stripe", "customer.created", "ignored"),
        ("paypal", "BILLING.SUBSCRIPTION.CREATED", "ignored"),
        ("tickets", "ticket.closed", "ignored"),
    ]
    assert slack.all_messages() == []
    assert not [c for c in slack.calls if c.method.startswith("chat.")]
    assert await outbox(bot) == []


# -- PayPal verification through PayPal's API ----------------------------------------------------------------


async def test_paypal_verification_goes_through_the_verify_api(bot: BotUnderTest, paypal: FakePayPal) -> None:
    event = paypal_sale()
    headers = paypal.sign_webhook(event, PAYPAL_WEBHOOK_ID, at=START)
    assert (await bot.paypal(event, paypal))[0] == 200

    [call] = verify_calls(paypal)
    assert call.method == "POST"
    assert call.json["webhook_id"] == PAYPAL_WEBHOOK_ID
    assert call.json["webhook_event"] == event
    assert call.json["auth_algo"] == headers["PAYPAL-AUTH-ALGO"]
    assert call.json["cert_url"] == headers["PAYPAL-CERT-URL"]
    assert [r.event_id for r in await stored(bot)] == [event["id"]]


async def test_paypal_tampered_body_is_rejected(bot: BotUnderTest, paypal: FakePayPal) -> None:
    event = paypal_sale()
    headers = paypal.sign_webhook(event, PAYPAL_WEBHOOK_ID, at=START) | {"Content-Type": "application/json"}
    tampered = json.loads(json.dumps(event))
    tampered["resource"]["amount"]["value"] = "1000.00"
    status, answer = await bot.post("/webhooks/paypal", json.dumps(tampered).encode(), headers)
    assert status == 400 and "PayPal did not confirm" in answer["error"]
    assert len(verify_calls(paypal)) == 1
    assert await stored(bot) == []


async def test_paypal_missing_or_foreign_signature_is_rejected(bot: BotUnderTest, paypal: FakePayPal) -> None:
    event = paypal_sale()
    body = json.dumps(event).encode()
    status, _ = await bot.post("/webhooks/paypal", body, {"Content-Type": "application/json"})
    assert status == 400
    assert verify_calls(paypal) == []  # no headers: nothing to ask PayPal

    foreign = paypal.sign_webhook(event, "WH-SOMEONE-ELSE", at=START)
    status, answer = await bot.post("/webhooks/paypal", body, foreign)
    assert status == 400 and "PayPal did not confirm" in answer["error"]
    assert await stored(bot) == []


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_paypal_verify_api_failing_answers_503_and_stores_nothing(
    bot: BotUnderTest, paypal: FakePayPal, status: int
) -> None:
    event = paypal_sale()
    paypal.fail_next(VERIFY_PATH, status=status)
    answer_status, answer = await bot.paypal(event, paypal)
    assert answer_status == 503 and "paypal" in answer["error"]
    assert await stored(bot) == []
    # PayPal delivers again later, and then it goes through.
    assert (await bot.paypal(event, paypal))[0] == 200
    assert [r.event_id for r in await stored(bot)] == [event["id"]]


async def test_paypal_verify_api_timing_out_answers_503_and_stores_nothing(
    database_url: str, slack: FakeSlack, paypal: FakePayPal
) -> None:
    async with running_bot(bot_settings(database_url, slack, paypal, provider_timeout_seconds=0.3)) as running:
        paypal.fail_next(VERIFY_PATH, status=200, delay=3.0)
        started = time.monotonic()
        status, answer = await running.paypal(paypal_sale(), paypal)
        assert status == 503 and "paypal" in answer["error"]
        assert time.monotonic() - started < 2.5
        assert await stored(running) == []


# -- configuration -------------------------------------------------------------------------------------------


async def test_endpoints_without_their_secret_answer_503(database_url: str, slack: FakeSlack) -> None:
    settings = bot_settings(database_url, slack, stripe_webhook_secret=None, tickets_webhook_secret=None)
    async with running_bot(settings) as running:
        status, answer = await running.stripe(stripe_sale())
        assert status == 503 and "not configured" in answer["error"]
        status, answer = await running.tickets(a_ticket())
        assert status == 503 and "not configured" in answer["error"]
        body = json.dumps(paypal_sale()).encode()
        status, answer = await running.post("/webhooks/paypal", body, {"Content-Type": "application/json"})
        assert status == 503 and "not configured" in answer["error"]
        assert await stored(running) == []


# -- tickets payload checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        (lambda t: t["ticket"]["message"].pop("body"), "ticket.message.body"),
        (lambda t: t["ticket"]["message"].update(body=None), "ticket.message.body"),
        (lambda t: t["ticket"]["message"].pop("id"), "ticket.message.id"),
        (lambda t: t["ticket"]["message"].update({"from": "robot"}), "ticket.message.from"),
        (lambda t: t["ticket"].pop("id"), "ticket.id"),
        (lambda t: t.pop("ticket"), "ticket.id"),
        (lambda t: t["ticket"].update(message="hello"), "ticket.message"),
    ],
    ids=["no body", "null body", "no message id", "bad from", "no ticket id", "no ticket", "message not object"],
)
async def test_a_malformed_ticket_answers_400_naming_the_field(bot: BotUnderTest, spoil: Any, field: str) -> None:
    event = a_ticket()
    spoil(event)
    status, answer = await bot.tickets(event)
    assert status == 400
    assert f"`{field}" in answer["error"]
    assert await stored(bot) == []
