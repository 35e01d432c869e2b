"""PayPalClient, with the real paypalrestsdk underneath, over real HTTP against FakePayPal."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from bot.core.errors import ProviderError, UsageError
from bot.fakes.paypal import (
    TOKEN_PATH,
    VERIFY_PATH,
    FakePayPal,
    capture_completed_event,
    capture_refunded_event,
    dispute_event,
    dispute_resource,
    fake_paypal_api,
    sale_event,
)
from bot.integrations.paypal import PayPalClient, PayPalRefund
from tests.clocks import START

WEBHOOK_ID = "8PT597110X687430LKGECATA"
AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakePayPal]:
    async with fake_paypal_api() as fake:
        yield fake


def make_client(fake: FakePayPal, *, secret: str | None = None, timeout: float = 5.0) -> PayPalClient:
    return PayPalClient(
        client_id=fake.client_id,
        client_secret=secret or fake.client_secret,
        api_base=fake.base_url,
        webhook_id=WEBHOOK_ID,
        timeout=timeout,
    )


@pytest.fixture
async def client(fake: FakePayPal) -> AsyncIterator[PayPalClient]:
    client = make_client(fake)
    yield client
    await client.close()


def calls_to(fake: FakePayPal, path: str) -> list:
    return [call for call in fake.calls if call.path == path]


# -- webhook verification ------------------------------------------------------------------------------------

EVENTS: dict[str, Callable[[], dict]] = {
    "capture completed": lambda: capture_completed_event("5VK462069F664902F", "10.00", "USD", at=AT),
    "capture refunded": lambda: capture_refunded_event("5VK462069F664902F", "4.00", "USD", at=AT),
    "sale completed": lambda: sale_event("80021663DE681814L", "0.48", "USD", at=AT),
    "dispute created": lambda: dispute_event("CREATED", "PP-D-27803", at=AT),
    "dispute resolved": lambda: dispute_event("RESOLVED", "PP-D-27803", outcome="RESOLVED_SELLER_FAVOUR", at=AT),
}


@pytest.mark.parametrize("build", EVENTS.values(), ids=EVENTS.keys())
async def test_an_event_signed_for_our_webhook_verifies(fake: FakePayPal, client: PayPalClient, build) -> None:
    event = build()
    headers = fake.sign_webhook(event, WEBHOOK_ID, at=START)
    # What the endpoint has in hand: header names in any case, and the body parsed from the wire.
    delivered_headers = {name.title(): value for name, value in headers.items()}
    delivered_event = json.loads(json.dumps(event, indent=2))

    assert await client.verify_webhook(delivered_headers, delivered_event) is True

    [call] = calls_to(fake, VERIFY_PATH)
    assert call.json["webhook_id"] == WEBHOOK_ID
    assert call.json["webhook_event"] == event
    assert call.json["transmission_sig"] == headers["PAYPAL-TRANSMISSION-SIG"]


async def test_a_tampered_event_fails(fake: FakePayPal, client: PayPalClient) -> None:
    event = capture_completed_event("5VK462069F664902F", "10.00", "USD", at=AT)
    headers = fake.sign_webhook(event, WEBHOOK_ID, at=START)
    event["resource"]["amount"]["value"] = "1000.00"

    assert await client.verify_webhook(headers, event) is False


async def test_an_event_signed_for_another_webhook_fails(fake: FakePayPal, client: PayPalClient) -> None:
    event = capture_completed_event("5VK462069F664902F", "10.00", "USD", at=AT)
    headers = fake.sign_webhook(event, "SOMEONE-ELSES-WEBHOOK", at=START)

    assert await client.verify_webhook(headers, event) is False


@pytest.mark.parametrize(
    "header",
    [
        "PAYPAL-AUTH-ALGO",
        "PAYPAL-CERT-URL",
        "PAYPAL-TRANSMISSION-ID",
        "PAYPAL-TRANSMISSION-SIG",
        "PAYPAL-TRANSMISSION-TIME",
    ],
)
async def test_a_missing_header_fails_without_asking_paypal(
    fake: FakePayPal, client: PayPalClient, header: str
) -> None:
    event = dispute_event("CREATED", "PP-D-27803", at=AT)
    headers = fake.sign_webhook(event, WEBHOOK_ID, at=START)
    del headers[header]

    assert await client.verify_webhook(headers, event) is False
    assert fake.calls == []


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_paypal_failing_or_rate_limiting_is_retryable(
    fake: FakePayPal, client: PayPalClient, status: int
) -> None:
    event = capture_completed_event("5VK462069F664902F", "10.00", "USD", at=AT)
    fake.fail_next(VERIFY_PATH, status=status)

    with pytest.raises(ProviderError) as caught:
        await client.verify_webhook(fake.sign_webhook(event, WEBHOOK_ID, at=START), event)

    assert caught.value.retryable is True
    assert caught.value.status == status
    assert fake.rate_limited == (1 if status == 429 else 0)


async def test_paypal_answering_too_slowly_is_retryable(fake: FakePayPal) -> None:
    client = make_client(fake, timeout=0.2)
    event = capture_completed_event("5VK462069F664902F", "10.00", "USD", at=AT)
    fake.fail_next(VERIFY_PATH, delay=3.0)
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        await client.verify_webhook(fake.sign_webhook(event, WEBHOOK_ID, at=START), event)

    assert caught.value.retryable is True
    assert "in time" in caught.value.reason
    assert time.monotonic() - started < 1.5
    await client.close()


async def test_a_slow_token_fetch_times_out_too(fake: FakePayPal) -> None:
    client = make_client(fake, timeout=0.2)
    fake.fail_next(TOKEN_PATH, delay=3.0)

    with pytest.raises(ProviderError) as caught:
        await client.get_dispute("PP-D-27803")

    assert caught.value.retryable is True
    await client.close()


async def test_paypal_unreachable_is_retryable() -> None:
    async with fake_paypal_api() as gone:
        pass  # closed: nothing listens on its port any more
    client = make_client(gone)

    with pytest.raises(ProviderError) as caught:
        await client.get_dispute("PP-D-27803")

    assert caught.value.retryable is True
    assert "could not reach" in caught.value.reason
    await client.close()


async def test_wrong_credentials_are_not_retryable(fake: FakePayPal) -> None:
    client = make_client(fake, secret="not-the-secret")
    event = capture_completed_event("5VK462069F664902F", "10.00", "USD", at=AT)

    with pytest.raises(ProviderError) as caught:
        await client.verify_webhook(fake.sign_webhook(event, WEBHOOK_ID, at=START), event)

    assert caught.value.retryable is False
    assert caught.value.status == 401
    assert "credentials" in caught.value.reason
    assert calls_to(fake, VERIFY_PATH) == []
    await client.close()


async def test_a_token_paypal_stopped_accepting_is_renewed_once(fake: FakePayPal, client: PayPalClient) -> None:
    fake.add_dispute(dispute_resource("PP-D-27803", at=AT))
    await client.get_dispute("PP-D-27803")
    fake.revoke_tokens()

    assert (await client.get_dispute("PP-D-27803"))["dispute_id"] == "PP-D-27803"
    assert len(calls_to(fake, TOKEN_PATH)) == 2


# -- refunds ------------------------------------------------------------------------------------------------


async def test_a_full_refund_returns_paypals_refund(fake: FakePayPal, client: PayPalClient) -> None:
    fake.add_capture("2GG279541U471931P", "25.00", "EUR")

    refund = await client.refund_capture(
        "2GG279541U471931P", amount_value=None, currency=None, note=None, request_id="refund-1"
    )

    [recorded] = fake.refunds
    assert refund == PayPalRefund(id=recorded.id, status="COMPLETED", amount_value="25.00", currency="EUR")
    [call] = calls_to(fake, "/v2/payments/captures/2GG279541U471931P/refund")
    assert call.json == {}
    assert call.headers["PayPal-Request-Id"] == "refund-1"


async def test_partial_refunds_add_up_to_the_capture(fake: FakePayPal, client: PayPalClient) -> None:
    fake.add_capture("2GG279541U471931P", "25.00", "USD")

    first = await client.refund_capture(
        "2GG279541U471931P", amount_value="10.00", currency="USD", note="Sorry!", request_id="refund-1"
    )
    rest = await client.refund_capture(
        "2GG279541U471931P", amount_value=None, currency=None, note=None, request_id="refund-2"
    )

    assert (first.amount_value, rest.amount_value) == ("10.00", "15.00")
    assert [refund.note for refund in fake.refunds] == ["Sorry!", None]


async def test_repeating_a_request_id_returns_the_same_refund_once(fake: FakePayPal, client: PayPalClient) -> None:
    fake.add_capture("2GG279541U471931P", "25.00", "USD")

    async def refund() -> PayPalRefund:
        return await client.refund_capture(
            "2GG279541U471931P", amount_value="5.00", currency="USD", note=None, request_id="refund-1"
        )

    assert await refund() == await refund()
    assert len(fake.refunds) == 1


@pytest.mark.parametrize(
    ("amount", "issue", "words"),
    [
        ("30.00", "REFUND_AMOUNT_EXCEEDED", "less than or equal to the capture amount"),
        ("5.00", "CAPTURE_FULLY_REFUNDED", "already been fully refunded"),
    ],
)
async def test_refunding_more_than_is_left_says_why(
    fake: FakePayPal, client: PayPalClient, amount: str, issue: str, words: str
) -> None:
    fake.add_capture("2GG279541U471931P", "25.00", "USD")
    if issue == "CAPTURE_FULLY_REFUNDED":
        await client.refund_capture(
            "2GG279541U471931P", amount_value=None, currency=None, note=None, request_id="refund-all"
        )

    with pytest.raises(ProviderError) as caught:
        await client.refund_capture(
            "2GG279541U471931P", amount_value=amount, currency="USD", note=None, request_id="refund-more"
        )

    assert caught.value.retryable is False
    assert caught.value.status == 422
    assert issue in caught.value.reason
    assert words in caught.value.reason
    assert str(caught.value).startswith("paypal: refund failed: ")


async def test_refunding_an_unknown_capture_is_not_found(fake: FakePayPal, client: PayPalClient) -> None:
    with pytest.raises(ProviderError) as caught:
        await client.refund_capture("NOPE", amount_value=None, currency=None, note=None, request_id="refund-1")

    assert (caught.value.status, caught.value.retryable) == (404, False)


@pytest.mark.parametrize(
    ("capture_id", "amount_value", "currency"),
    [("../../v1/oauth2/token", None, None), ("2GG279541U471931P", "5.00", None)],
)
async def test_unusable_refund_input_never_reaches_paypal(
    fake: FakePayPal, client: PayPalClient, capture_id: str, amount_value: str | None, currency: str | None
) -> None:
    with pytest.raises(UsageError):
        await client.refund_capture(
            capture_id, amount_value=amount_value, currency=currency, note=None, request_id="refund-1"
        )

    assert fake.calls == []


# -- disputes and hygiene -----------------------------------------------------------------------------------


async def test_get_dispute_returns_paypals_dispute(fake: FakePayPal, client: PayPalClient) -> None:
    dispute = dispute_resource("PP-D-27803", value="42.50", currency="GBP", at=AT)
    fake.add_dispute(dispute)

    served = await client.get_dispute("PP-D-27803")
    assert {k: v for k, v in served.items() if k != "links"} == {k: v for k, v in dispute.items() if k != "links"}
    # While it waits for the seller, PayPal links the actions the seller may take (HATEOAS).
    assert [link["rel"] for link in served["links"]] == ["self", "provide_evidence", "accept_claim"]


async def test_an_unknown_dispute_is_not_found(client: PayPalClient) -> None:
    with pytest.raises(ProviderError) as caught:
        await client.get_dispute("PP-D-404")

    assert (caught.value.status, caught.value.retryable) == (404, False)
    assert "INVALID_RESOURCE_ID" in caught.value.reason


async def test_credentials_and_tokens_never_reach_the_log(
    fake: FakePayPal, client: PayPalClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add_capture("2GG279541U471931P", "25.00", "USD")
    fake.fail_next("/v2/payments", status=500)

    with pytest.raises(ProviderError):
        await client.refund_capture(
            "2GG279541U471931P", amount_value=None, currency=None, note=None, request_id="refund-1"
        )
    await client.refund_capture("2GG279541U471931P", amount_value=None, currency=None, note=None, request_id="refund-1")

    basic = base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()
    for secret in (fake.client_secret, basic, "A21AA", "Bearer"):
        assert secret not in caplog.text
    assert logging.getLogger("paypalrestsdk").getEffectiveLevel() >= logging.INFO


def test_capture_events_carry_a_payer_email_only_when_given() -> None:
    plain = capture_completed_event("5VK462069F664902F", "10.00", "USD", at=AT)
    with_email = capture_completed_event("5VK462069F664902F", "10.00", "USD", "buyer@example.com", at=AT)

    assert "payer" not in plain["resource"]
    assert with_email["resource"]["payer"] == {"email_address": "buyer@example.com"}
    assert plain["id"].startswith("WH-")
    assert plain["resource"]["supplementary_data"]["related_ids"]["order_id"]
