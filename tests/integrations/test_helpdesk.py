"""SignedCallbackWriteBack over real HTTP against FakeHelpDesk, which verifies every request as a help desk would."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import ProviderError
from bot.fakes.helpdesk import FakeHelpDesk, fake_helpdesk
from bot.integrations.contracts import TicketUpdate
from bot.integrations.helpdesk import MAX_BODY_BYTES, SignedCallbackWriteBack
from bot.integrations.tickets_webhooks import sign

SECRET = "tickets-secret"
AT = datetime(2026, 11, 24, 12, 0, 5, 250000, tzinfo=UTC)


def reply(key: str = "reply-1", body: str = "Hi Carla, here is a fresh link.", ticket: str = "T-1042") -> TicketUpdate:
    return TicketUpdate(
        ticket_key=ticket, kind="reply", idempotency_key=key, agent_id="U0AGENT1", agent_name="Ana", body=body
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeHelpDesk]:
    async with fake_helpdesk(SECRET, now=lambda: AT) as fake:
        yield fake


@pytest.fixture
async def writeback() -> AsyncIterator[SignedCallbackWriteBack]:
    async with SignedCallbackWriteBack(SECRET, now=lambda: AT) as writeback:
        yield writeback


async def test_a_reply_arrives_signed_and_returns_the_help_desks_reference(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack
) -> None:
    reference = await writeback.send(fake.callback_url, reply())

    [update] = fake.updates
    assert reference == update.reference == "HD-1001"
    assert update.event == {
        "type": "ticket.reply",
        "id": "reply-1",
        "ticket": {"id": "T-1042"},
        "agent": {"slack_user_id": "U0AGENT1", "name": "Ana"},
        "body": "Hi Carla, here is a fresh link.",
        "sent_at": "2026-11-24T12:00:05.250Z",
    }
    headers = update.headers
    assert headers["Idempotency-Key"] == "reply-1"
    assert headers["X-Supportbot-Timestamp"] == str(int(AT.timestamp()))
    [raw] = [request.raw for request in fake.requests]
    assert headers["X-Supportbot-Signature"] == sign(SECRET, int(AT.timestamp()), raw)
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("supportbot/")


@pytest.mark.parametrize(
    ("kind", "body"), [("assigned", None), ("closed", None), ("closed", "Solved by the new link.")]
)
async def test_takeover_and_closing_carry_their_type_and_a_body_only_when_given(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack, kind: str, body: str | None
) -> None:
    update = TicketUpdate(ticket_key="T-1042", kind=kind, idempotency_key=f"{kind}-1", agent_id="U0AGENT1", body=body)

    await writeback.send(fake.callback_url, update)

    [received] = fake.updates
    assert received.type == f"ticket.{kind}"
    assert received.agent == {"slack_user_id": "U0AGENT1"}
    assert ("body" in received.event) is (body is not None)
    assert received.body == body


async def test_a_non_ascii_reply_near_the_limit_arrives_intact(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack
) -> None:
    text = "Grüße aus Köln 🍪 — 東京の件、了解です。\n" * 900  # ~55 KiB of UTF-8

    await writeback.send(fake.callback_url, reply(body=text))

    assert fake.updates[0].body == text


async def test_a_reply_too_long_to_send_is_refused_before_sending(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack
) -> None:
    with pytest.raises(ProviderError) as caught:
        await writeback.send(fake.callback_url, reply(body="€" * (MAX_BODY_BYTES // 3 + 1)))

    assert caught.value.retryable is False
    assert "too long" in caught.value.reason
    assert fake.requests == []


async def test_a_redelivery_is_applied_once_and_answers_the_same_reference(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack
) -> None:
    first = await writeback.send(fake.callback_url, reply())
    again = await writeback.send(fake.callback_url, reply())

    assert first == again
    assert len(fake.updates) == 1
    assert (len(fake.requests), fake.replays) == (2, 1)


async def test_without_a_reference_in_the_answer_the_idempotency_key_stands_for_it(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack
) -> None:
    fake.plain_answers = True

    assert await writeback.send(fake.callback_url, reply(key="reply-7")) == "reply-7"
    assert len(fake.updates) == 1


async def test_a_refusal_is_not_retryable_and_says_why(fake: FakeHelpDesk, writeback: SignedCallbackWriteBack) -> None:
    closing = TicketUpdate(ticket_key="T-1042", kind="closed", idempotency_key="close-1", agent_id="U0AGENT1")
    await writeback.send(fake.callback_url, closing)

    with pytest.raises(ProviderError) as caught:
        await writeback.send(fake.callback_url, reply())

    assert (caught.value.status, caught.value.retryable) == (409, False)
    assert str(caught.value) == "help desk: 127.0.0.1 answered 409: ticket T-1042 is closed"


async def test_a_wrong_secret_is_refused_by_the_help_desk_and_not_retryable(fake: FakeHelpDesk) -> None:
    async with SignedCallbackWriteBack("not-the-secret", now=lambda: AT) as writeback:
        with pytest.raises(ProviderError) as caught:
            await writeback.send(fake.callback_url, reply())

    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "signature" in caught.value.reason
    assert fake.updates == []


async def test_a_clock_more_than_five_minutes_off_is_refused(fake: FakeHelpDesk) -> None:
    async with SignedCallbackWriteBack(SECRET, now=lambda: AT - timedelta(minutes=6)) as writeback:
        with pytest.raises(ProviderError) as caught:
            await writeback.send(fake.callback_url, reply())

    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert fake.updates == []


@pytest.mark.parametrize("status", [400, 404, 410, 422])
async def test_client_errors_are_not_retryable(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack, status: int
) -> None:
    fake.fail_next(status=status)

    with pytest.raises(ProviderError) as caught:
        await writeback.send(fake.callback_url, reply())

    assert (caught.value.status, caught.value.retryable) == (status, False)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
async def test_server_errors_and_rate_limits_are_retryable_and_a_retry_applies_once(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack, status: int
) -> None:
    fake.fail_next(status=status)

    with pytest.raises(ProviderError) as caught:
        await writeback.send(fake.callback_url, reply())
    reference = await writeback.send(fake.callback_url, reply())

    assert (caught.value.status, caught.value.retryable) == (status, True)
    assert [update.reference for update in fake.updates] == [reference]


async def test_a_help_desk_answering_too_slowly_is_retryable(fake: FakeHelpDesk) -> None:
    fake.fail_next(delay=3.0)
    started = time.monotonic()

    async with SignedCallbackWriteBack(SECRET, timeout=0.3, now=lambda: AT) as writeback:
        with pytest.raises(ProviderError) as caught:
            await writeback.send(fake.callback_url, reply())

    assert caught.value.retryable is True
    assert "in time" in caught.value.reason
    assert time.monotonic() - started < 1.5


async def test_an_unreachable_help_desk_is_retryable(writeback: SignedCallbackWriteBack) -> None:
    async with fake_helpdesk(SECRET) as gone:
        pass  # closed: nothing listens on its port any more

    with pytest.raises(ProviderError) as caught:
        await writeback.send(gone.callback_url, reply())

    assert caught.value.retryable is True
    assert caught.value.reason == "could not reach 127.0.0.1"


async def test_messages_name_the_host_but_never_the_url_that_may_hold_a_token(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack
) -> None:
    fake.fail_next(status=503)

    with pytest.raises(ProviderError) as caught:
        await writeback.send(fake.callback_url + "?token=s3cr3t-token", reply())

    assert "127.0.0.1" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/callbacks", "file:///etc/passwd", "javascript:alert(1)", "127.0.0.1:8080/x", "http:///x", ""],
)
async def test_only_http_and_https_urls_are_called(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack, url: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        await writeback.send(url, reply())

    assert caught.value.retryable is False
    assert "http" in caught.value.reason
    assert fake.requests == []


@pytest.mark.parametrize(
    "update",
    [
        TicketUpdate(ticket_key="T-1", kind="reopened", idempotency_key="k", agent_id="U1"),
        TicketUpdate(ticket_key="T-1", kind="reply", idempotency_key="k", agent_id="U1", body=None),
        TicketUpdate(ticket_key="T-1", kind="assigned", idempotency_key="", agent_id="U1"),
    ],
    ids=["unknown kind", "reply without body", "no idempotency key"],
)
async def test_an_update_the_code_got_wrong_is_a_bug_not_a_provider_error(
    fake: FakeHelpDesk, writeback: SignedCallbackWriteBack, update: TicketUpdate
) -> None:
    with pytest.raises(ValueError):
        await writeback.send(fake.callback_url, update)

    assert fake.requests == []


async def test_a_callback_to_a_metadata_address_or_an_unlisted_host_is_refused_before_any_request(
    fake: FakeHelpDesk,
) -> None:
    async with SignedCallbackWriteBack(SECRET, now=lambda: AT) as open_to_any:
        with pytest.raises(ProviderError, match=r"169\.254\.169\.254 is not a help desk") as refused:
            await open_to_any.send("http://169.254.169.254/latest/meta-data/iam", reply())
        assert not refused.value.retryable
    async with SignedCallbackWriteBack(SECRET, now=lambda: AT, allowed_hosts=(".zendesk.com",)) as pinned:
        with pytest.raises(ProviderError, match="not one of SUPPORTBOT_HELPDESK_HOSTS"):
            await pinned.send(fake.callback_url, reply())
    async with SignedCallbackWriteBack(SECRET, now=lambda: AT, allowed_hosts=("127.0.0.1",)) as local:
        assert await local.send(fake.callback_url, reply()) == "HD-1001"
    assert len(fake.requests) == 1
