"""Log lines: JSON with the request id, the id echoed to the caller, and no secret or message body in any line."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app.runtime import Runtime
from bot.fakes.slack import FakeSlack
from bot.observability import logs
from bot.observability.logs import JsonLines, accepted_request_id, log_handler, redact
from tests.builders import STRIPE_SECRET, stripe_charge, stripe_event, stripe_signed, ticket_event, tickets_signed
from tests.harness import CHANNELS, bot_settings, running_bot, unpaced

SLACK_TOKEN = "xoxb-1111-2222-NotForTheLogs"
MESSAGE_BODY = "Order 7731 never arrived and my neighbour says the parcel was zebra-quartz-green"
EMAIL = "dana.private@example.org"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, as the bot writes it with SUPPORTBOT_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root, bot_logger = logging.getLogger(), logging.getLogger("bot")
    before = bot_logger.level
    root.addHandler(handler)
    bot_logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        bot_logger.setLevel(before)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("token xoxb-12345-67890-abcDEF posted", "xoxb-12345-67890-abcDEF"),
        ("app token xapp-1-A0-123-abc", "xapp-1-A0-123-abc"),
        ("key sk_live_51HxYzAbCdEf in use", "sk_live_51HxYzAbCdEf"),
        ("restricted rk_test_abc123XYZ", "rk_test_abc123XYZ"),
        ("secret whsec_abcDEF123+/=", "whsec_abcDEF123"),
        ("Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi.payload.sig"),
        ("Stripe-Signature: t=1700000000,v1=" + "ab" * 32, "ab" * 32),
        ("postgresql+asyncpg://bot:hunter2@db:5432/supportbot", "hunter2"),
        ("customer Ann.Example+shop@mail.example.co.uk wrote", "Ann.Example+shop@mail.example.co.uk"),
        ("text=refund+dana.private%40example.org&x=1", "dana.private%40example.org"),
        ("two: a@b.cc.dana@example.org", "dana@example.org"),
        ("write to dana@example.org.", "dana@example.org"),
        ("token=Xoxb-1 xoxp-9-abc", "xoxp-9-abc"),
        ("basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
    ],
)
def test_redact_blanks_secrets_by_their_shape(text: str, leaked: str):
    assert leaked not in redact(text)


def test_redact_leaves_ordinary_lines_alone():
    line = "outbox 12: attempt 2 failed (slack: ratelimited); retrying in 1.0 s"
    assert redact(line) == line
    for word in ("maskxoxb-1", "disk_test_run", "twhsec_x", "Bearers ok", "@handle", "x@localhost"):
        assert redact(word) == word


MIB = 1024 * 1024


# Shapes that made the old patterns backtrack: long runs of what an address, a URL or a token is made of.
@pytest.mark.parametrize(
    "text",
    [
        "a" * MIB,
        "a." * (MIB // 2),
        "a@" * (MIB // 2),
        "@a." * (MIB // 3),
        "x@" + "a." * (MIB // 2) + "1",
        "://a:" * (MIB // 5),
        "://" + "a:" * (MIB // 2),
        "Bearer" + " " * MIB,
        "x%40" * (MIB // 4),
        "v0=" + "a" * MIB,
        "dana@example.org " * (MIB // 17),
    ],
    ids=lambda text: repr(text[:8]),
)
def test_a_megabyte_line_is_redacted_in_well_under_a_second(text: str):
    # The best of three tries, so a busy machine does not fail it; the quadratic patterns took minutes.
    took = []
    for _ in range(3):
        started = time.perf_counter()
        redact(text)
        took.append(time.perf_counter() - started)
        if took[-1] < 0.5:
            break
    assert min(took) < 1.0, took


def test_a_message_cannot_forge_a_line_of_the_text_log():
    stream = io.StringIO()
    logger = logging.getLogger("bot.test_logging.forge")
    logger.addHandler(log_handler("text", stream))
    logger.propagate = False
    forged = "body=x\n2026-12-02 10:00:00,000 ERROR   bot.actions.audit: the audit chain is broken\r\x1b[2J\u2028!"
    try:
        logger.warning("rejected: %s", forged)
        try:
            raise ValueError(forged)
        except ValueError:
            logger.exception("failed")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    first, *traceback = stream.getvalue().splitlines()
    assert first.endswith(
        "WARNING bot.test_logging.forge: rejected: body=x\\n2026-12-02 10:00:00,000 ERROR   bot.actions.audit: "
        "the audit chain is broken\\r\\x1b[2J\\u2028!"
    )
    assert "failed" in traceback[0]
    assert all(line.startswith("    ") for line in traceback[1:]), traceback
    assert "\x1b" not in stream.getvalue()


def test_a_huge_message_is_cut():
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "%s", ("x" * 100_000,), None)
    logs.RedactSecrets().filter(record)
    message = record.getMessage()
    assert len(message) < logs.MAX_MESSAGE_CHARS + 100 and message.endswith("[84000 more characters]")


async def test_bolt_logs_nothing_below_warning_whatever_the_roots_level(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
):
    # Straight to Bolt, past the door (which checks signatures against the bot's clock; Bolt's own check is off):
    # whatever Bolt handles, its per-class loggers must say nothing below WARNING, even with the root at DEBUG.
    caplog.set_level(logging.DEBUG)
    runtime = Runtime(bot_settings("sqlite+aiosqlite:///:memory:", slack))
    try:
        request = AsyncBoltRequest(
            body='{"type": "url_verification", "challenge": "zebra-quartz", "token": "x"}',
            headers={"content-type": "application/json"},
        )
        response = await runtime.slack_app().async_dispatch(request)
    finally:
        await runtime.db.dispose()
    assert response.status == 200 and "zebra-quartz" in response.body
    assert [record.getMessage() for record in caplog.records if record.name.startswith("slack_bolt")] == []


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("req-7f3a", True),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
        ("Root=1-67891233-abcdef012345678912345678", True),
        (None, False),
        ("", False),
        ("has space", False),
        ("line\nbreak", False),
        ('{"json": 1}', False),
        ("x" * 129, False),
    ],
)
def test_a_callers_request_id_is_kept_only_when_it_looks_like_one(offered: str | None, kept: bool):
    got = accepted_request_id(offered)
    assert (got == offered) is kept
    if not kept:
        assert re.fullmatch(r"[0-9a-f]{32}", got)


def test_a_json_line_has_the_fields_a_collector_expects():
    stream = io.StringIO()
    logger = logging.getLogger("bot.test_logging")
    handler = log_handler("json", stream)
    logger.addHandler(handler)
    logger.propagate = False
    token = logs.request_id.set("req-42")
    try:
        logger.warning("payment %s refused", "pi_1", extra={"provider": "stripe", "key": "sk_test_abc123"})
        try:
            raise ValueError("boom with Bearer abc.def")
        except ValueError:
            logger.exception("it failed")
    finally:
        logs.request_id.reset(token)
        logger.removeHandler(handler)
        logger.propagate = True
    first, second = lines(stream)
    assert first["level"] == "WARNING" and first["logger"] == "bot.test_logging"
    assert first["message"] == "payment pi_1 refused" and first["request_id"] == "req-42"
    assert first["provider"] == "stripe" and first["key"] == "sk_test_[redacted]"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    assert "ValueError" in second["exception"] and "abc.def" not in second["exception"]


def test_the_text_format_stays_the_human_one():
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    assert not isinstance(log_handler("text").formatter, JsonLines)
    assert log_handler("text").format(record).endswith("INFO    bot.x: hello there")


async def test_every_line_written_for_a_request_carries_its_id(database_url, json_log: io.StringIO):
    async with FakeSlack(channels=CHANNELS) as slack, running_bot(bot_settings(database_url, slack)) as bot:
        sale = stripe_event("charge.succeeded", stripe_charge(pi="pi_logs0001"))
        body, headers = stripe_signed(sale, secret="whsec_someone_else", timestamp=bot.now())
        async with bot.http.post(
            bot.url + "/webhooks/stripe", data=body, headers=headers | {"X-Request-Id": "req-7f3a"}
        ) as answer:
            assert answer.status == 400
            assert answer.headers["X-Request-Id"] == "req-7f3a"
        async with bot.http.post(bot.url + "/webhooks/tickets", data=b"{}") as answer:
            generated = answer.headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", generated)
        async with bot.http.get(bot.url + "/healthz", headers={"X-Request-Id": "bad id; drop"}) as answer:
            assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"])

    rejected = [line for line in lines(json_log) if "webhook rejected" in line["message"]]
    assert [(line["message"].split()[0], line["request_id"]) for line in rejected] == [
        ("stripe", "req-7f3a"),
        ("tickets", generated),
    ]
    assert all(line["level"] == "WARNING" and line["logger"] == "bot.handlers.webhooks" for line in rejected)


async def test_no_token_email_or_message_body_reaches_the_log(
    database_url, json_log: io.StringIO, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="bot")
    async with FakeSlack(channels=CHANNELS, token=SLACK_TOKEN) as slack:
        settings = bot_settings(database_url, slack, stripe_api_key="sk_test_NotForTheLogs0001")
        assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == SLACK_TOKEN
        async with running_bot(settings, pacer=unpaced()) as bot:
            slack.fail_next("chat.postMessage", status=500)  # the card's first attempt fails, and is logged
            event = ticket_event("ticket.created", ticket_id="T-LOG", message_id="M-1", body=MESSAGE_BODY, email=EMAIL)
            assert (await bot.tickets(event))[0] == 200
            forged_body, forged_headers = tickets_signed(event, secret="not-the-secret", timestamp=bot.now())
            assert (await bot.post("/webhooks/tickets", forged_body, forged_headers))[0] == 401
            unparsable = stripe_signed({"id": MESSAGE_BODY}, timestamp=bot.now())
            assert (await bot.post("/webhooks/stripe", *unparsable))[0] == 400
            await bot.settle()
            assert any(MESSAGE_BODY in str(m.blocks) for m in slack.channel_messages("C0SUPPORT"))

    assert any("attempt 1 failed" in record.getMessage() for record in caplog.records), "the failure was logged"
    written = json_log.getvalue()
    assert "webhook rejected" in written
    for secret in (MESSAGE_BODY, "zebra-quartz", EMAIL, SLACK_TOKEN, "sk_test_NotForTheLogs", STRIPE_SECRET):
        assert secret not in caplog.text, f"the code logged {secret!r}"
        assert secret not in written, f"a JSON line carries {secret!r}"
