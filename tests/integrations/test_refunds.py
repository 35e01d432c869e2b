"""StripeRefunds and PayPalRefunds, with the real SDKs underneath, over real HTTP against FakeStripe and FakePayPal."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from bot.core.errors import ProviderError, UsageError
from bot.fakes.paypal import FakePayPal, fake_paypal_api
from bot.fakes.stripe import REFUNDS_PATH, FakeStripe, RecordedRequest, fake_stripe_api
from bot.integrations.contracts import PaymentGateway, RefundOutcome, RefundRequest
from bot.integrations.paypal import PayPalClient
from bot.integrations.refunds import PayPalRefunds, StripeRefunds

INTENT = "pi_3QxYzAbCdEfGh1234567"
CHARGE = "ch_3QxYzAbCdEfGh1234567"
CAPTURE = "2GG279541U471931P"


def refund_of(ref: str, key: str = "refund-1", amount: int | None = None, **fields: str) -> RefundRequest:
    return RefundRequest(payment_ref=ref, idempotency_key=key, amount_minor=amount, **fields)


# -- Stripe -------------------------------------------------------------------------------------------------


@pytest.fixture
async def stripe_api() -> AsyncIterator[FakeStripe]:
    async with fake_stripe_api() as fake:
        fake.add_payment_intent(INTENT, 2500, "usd", customer="cus_PeT7mLw2", charge_id=CHARGE)
        yield fake


MakeStripe = Callable[..., StripeRefunds]


@pytest.fixture
async def make_stripe() -> AsyncIterator[MakeStripe]:
    """Builds StripeRefunds for a fake and closes every one after the test, passed or not."""
    made: list[StripeRefunds] = []

    def make(fake: FakeStripe, *, api_key: str | None = None, timeout: float = 5.0, retries: int = 0):
        gateway = StripeRefunds(
            api_key=api_key or fake.api_key, api_base=fake.base_url, timeout=timeout, max_network_retries=retries
        )
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.close()


@pytest.fixture
def stripe_refunds(stripe_api: FakeStripe, make_stripe: MakeStripe) -> StripeRefunds:
    return make_stripe(stripe_api)


def refund_calls(fake: FakeStripe) -> list[RecordedRequest]:
    return [call for call in fake.calls if call.method == "POST" and call.path == REFUNDS_PATH]


async def refund_failure(gateway: PaymentGateway, request: RefundRequest) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await gateway.refund(request)
    return caught.value


async def test_a_full_refund_of_a_payment_intent(stripe_api: FakeStripe, stripe_refunds: StripeRefunds) -> None:
    outcome = await stripe_refunds.refund(refund_of(INTENT, "refund-42"))

    [made] = stripe_api.refunds
    assert outcome == RefundOutcome(made["id"], "succeeded", 2500, "USD")
    assert made["id"].startswith("re_")
    [call] = refund_calls(stripe_api)
    assert call.form == {"payment_intent": INTENT}
    assert call.idempotency_key == "refund-42"
    assert stripe_api.refunded(INTENT) == 2500


async def test_partial_refunds_add_up_and_a_charge_id_works_too(
    stripe_api: FakeStripe, stripe_refunds: StripeRefunds
) -> None:
    first = await stripe_refunds.refund(refund_of(INTENT, "refund-1", 1000, reason="requested_by_customer"))
    rest = await stripe_refunds.refund(refund_of(CHARGE, "refund-2"))

    assert (first.amount_minor, rest.amount_minor) == (1000, 1500)
    assert [call.form for call in refund_calls(stripe_api)] == [
        {"payment_intent": INTENT, "amount": "1000", "reason": "requested_by_customer"},
        {"charge": CHARGE},
    ]
    assert stripe_api.refunded(INTENT) == 2500


async def test_a_reason_stripe_does_not_know_travels_as_metadata(
    stripe_api: FakeStripe, stripe_refunds: StripeRefunds
) -> None:
    await stripe_refunds.refund(refund_of(INTENT, reason="Parcel lost by the courier"))

    [call] = refund_calls(stripe_api)
    assert call.form == {"payment_intent": INTENT, "metadata[reason]": "Parcel lost by the courier"}
    assert stripe_api.refunds[0]["reason"] is None
    assert stripe_api.refunds[0]["metadata"] == {"reason": "Parcel lost by the courier"}


async def test_a_zero_decimal_currency_keeps_its_amount(stripe_api: FakeStripe, stripe_refunds: StripeRefunds) -> None:
    stripe_api.add_payment_intent("pi_Yen", 5000, "jpy")

    outcome = await stripe_refunds.refund(refund_of("pi_Yen", amount=1200))

    assert (outcome.amount_minor, outcome.currency) == (1200, "JPY")


async def test_a_retried_refund_returns_the_same_refund_once(
    stripe_api: FakeStripe, stripe_refunds: StripeRefunds
) -> None:
    request = refund_of(INTENT, "refund-1", 1000)

    first = await stripe_refunds.refund(request)
    again = await stripe_refunds.refund(request)

    assert first == again
    assert len(stripe_api.refunds) == 1
    assert [call.idempotency_key for call in refund_calls(stripe_api)] == ["refund-1", "refund-1"]
    assert stripe_api.refunded(INTENT) == 1000


async def test_a_refund_whose_answer_was_lost_is_found_again_by_its_key(
    stripe_api: FakeStripe, make_stripe: MakeStripe
) -> None:
    gateway = make_stripe(stripe_api, timeout=0.3)
    stripe_api.fail_next(REFUNDS_PATH, status=None, delay=2.0)  # Stripe refunds, the answer never arrives

    lost = await refund_failure(gateway, refund_of(INTENT, "refund-1"))
    outcome = await gateway.refund(refund_of(INTENT, "refund-1"))

    assert lost.retryable is True
    [made] = stripe_api.refunds
    assert outcome.provider_refund_id == made["id"]


async def test_the_same_key_with_another_amount_is_refused(
    stripe_api: FakeStripe, stripe_refunds: StripeRefunds
) -> None:
    await stripe_refunds.refund(refund_of(INTENT, "refund-1", 1000))

    error = await refund_failure(stripe_refunds, refund_of(INTENT, "refund-1", 2000))

    assert (error.retryable, error.status) == (False, 400)
    assert "other details" in error.reason
    assert stripe_api.refunded(INTENT) == 1000


@pytest.mark.parametrize(
    ("first_amount", "amount", "code", "words"),
    [
        (None, None, "charge_already_refunded", "already been refunded in full"),
        (None, 100, "charge_already_refunded", "already been refunded in full"),
        (2000, 1000, "amount_too_large", "more than what is left to refund"),
    ],
)
async def test_refunding_more_than_is_left_says_why(
    stripe_api: FakeStripe,
    stripe_refunds: StripeRefunds,
    first_amount: int | None,
    amount: int | None,
    code: str,
    words: str,
) -> None:
    await stripe_refunds.refund(refund_of(INTENT, "refund-1", first_amount))

    error = await refund_failure(stripe_refunds, refund_of(INTENT, "refund-2", amount))

    assert (error.retryable, error.status) == (False, 400)
    assert words in error.reason
    assert code in error.reason
    assert str(error).startswith("stripe: refund failed: ")
    assert len(stripe_api.refunds) == 1


@pytest.mark.parametrize("ref", ["pi_Nope404", "ch_Nope404"])
async def test_an_unknown_payment_is_named(stripe_refunds: StripeRefunds, ref: str) -> None:
    error = await refund_failure(stripe_refunds, refund_of(ref))

    assert error.retryable is False
    assert error.reason == f"refund failed: Stripe has no payment {ref} (resource_missing)"


async def test_a_refused_api_key_is_not_retryable_and_never_shown(
    stripe_api: FakeStripe, make_stripe: MakeStripe
) -> None:
    gateway = make_stripe(stripe_api, api_key="sk_test_NotOurKey0000000000000000")

    error = await refund_failure(gateway, refund_of(INTENT))

    assert (error.retryable, error.status) == (False, 401)
    assert error.reason == "refund failed: the Stripe API key was refused"
    assert "NotOurKey" not in str(error)
    assert stripe_api.refunds == []


async def test_a_rate_limit_is_retryable(stripe_api: FakeStripe, stripe_refunds: StripeRefunds) -> None:
    stripe_api.fail_next(REFUNDS_PATH, status=429)

    error = await refund_failure(stripe_refunds, refund_of(INTENT))

    assert (error.retryable, error.status) == (True, 429)
    assert "rate limiting" in error.reason
    assert stripe_api.rate_limited == 1
    assert stripe_api.refunds == []


@pytest.mark.parametrize("status", [500, 503])
async def test_a_stripe_error_is_retryable(stripe_api: FakeStripe, stripe_refunds: StripeRefunds, status: int) -> None:
    stripe_api.fail_next(REFUNDS_PATH, status=status)

    error = await refund_failure(stripe_refunds, refund_of(INTENT))

    assert (error.retryable, error.status) == (True, status)
    assert f"HTTP {status}" in error.reason


async def test_the_sdk_retries_one_stripe_error_with_the_same_key(
    stripe_api: FakeStripe, make_stripe: MakeStripe
) -> None:
    gateway = make_stripe(stripe_api, retries=1)
    stripe_api.fail_next(REFUNDS_PATH, status=500)

    outcome = await gateway.refund(refund_of(INTENT, "refund-7"))

    assert outcome.status == "succeeded"
    assert [call.idempotency_key for call in refund_calls(stripe_api)] == ["refund-7", "refund-7"]
    assert len(stripe_api.refunds) == 1


async def test_a_slow_stripe_gives_a_retryable_error_within_the_timeout(
    stripe_api: FakeStripe, make_stripe: MakeStripe
) -> None:
    # With SDK retries on, the timeout still bounds the whole call.
    gateway = make_stripe(stripe_api, timeout=0.3, retries=2)
    stripe_api.fail_next(REFUNDS_PATH, times=3, delay=3.0)
    started = time.monotonic()

    error = await refund_failure(gateway, refund_of(INTENT))

    assert time.monotonic() - started < 1.0
    assert error.retryable is True
    assert "did not answer in time" in error.reason


async def test_a_declined_refund_names_the_failure_reason(
    stripe_api: FakeStripe, stripe_refunds: StripeRefunds
) -> None:
    stripe_api.decline_refunds_for(INTENT, "expired_or_canceled_card")

    error = await refund_failure(stripe_refunds, refund_of(INTENT))

    assert error.retryable is False
    assert error.reason == "refund failed: the customer's card has expired or was cancelled (expired_or_canceled_card)"
    assert stripe_api.refunds[0]["status"] == "failed"
    assert stripe_api.refunded(INTENT) == 0


async def test_stripe_unreachable_is_retryable(make_stripe: MakeStripe) -> None:
    async with fake_stripe_api() as gone:
        pass  # closed: nothing listens on its port any more
    gateway = make_stripe(gone)

    error = await refund_failure(gateway, refund_of(INTENT))

    assert error.retryable is True
    assert "could not reach Stripe" in error.reason


@pytest.mark.parametrize(
    ("ref", "amount"),
    [("cus_PeT7mLw2", None), ("pi_3Qx/../../v1/account", None), ("", None), (INTENT, 0), (INTENT, -100)],
)
async def test_unusable_input_never_reaches_stripe(
    stripe_api: FakeStripe, stripe_refunds: StripeRefunds, ref: str, amount: int | None
) -> None:
    with pytest.raises(UsageError):
        await stripe_refunds.refund(refund_of(ref, amount=amount))

    assert stripe_api.calls == []


async def test_closing_is_clean_unused_and_twice(stripe_api: FakeStripe, make_stripe: MakeStripe) -> None:
    gateway = make_stripe(stripe_api)
    await gateway.close()  # and once more by the fixture


# -- PayPal -------------------------------------------------------------------------------------------------


class DecliningPayPal(FakePayPal):
    """A PayPal whose refunds come back FAILED, as they can when the buyer's funding source refuses them."""

    def _make_refund(self, capture, body, request_id):
        refund = super()._make_refund(capture, body, request_id)
        refund["status"] = "FAILED"
        return refund


@pytest.fixture
async def paypal_api() -> AsyncIterator[FakePayPal]:
    async with fake_paypal_api() as fake:
        fake.add_capture(CAPTURE, "25.00", "USD")
        yield fake


def make_paypal(fake: FakePayPal, *, timeout: float = 5.0) -> PayPalClient:
    return PayPalClient(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        api_base=fake.base_url,
        webhook_id="8PT597110X687430LKGECATA",
        timeout=timeout,
    )


@pytest.fixture
async def paypal_refunds(paypal_api: FakePayPal) -> AsyncIterator[PayPalRefunds]:
    client = make_paypal(paypal_api)
    yield PayPalRefunds(client)
    await client.close()


def capture_refund_calls(fake: FakePayPal) -> list:
    return [call for call in fake.calls if call.path == f"/v2/payments/captures/{CAPTURE}/refund"]


async def test_paypal_full_refund(paypal_api: FakePayPal, paypal_refunds: PayPalRefunds) -> None:
    outcome = await paypal_refunds.refund(refund_of(CAPTURE, "refund-42", reason="Sorry for the trouble"))

    [made] = paypal_api.refunds
    assert outcome == RefundOutcome(made.id, "COMPLETED", 2500, "USD")
    assert made.note == "Sorry for the trouble"
    [call] = capture_refund_calls(paypal_api)
    assert call.json == {"note_to_payer": "Sorry for the trouble"}
    assert call.headers["PayPal-Request-Id"] == "refund-42"


@pytest.mark.parametrize(
    ("capture_value", "currency", "amount_minor", "paypal_value"),
    [("25.00", "EUR", 1050, "10.50"), ("5000", "JPY", 1200, "1200"), ("9000", "HUF", 150000, "1500")],
)
async def test_paypal_partial_refund_in_paypals_decimals(
    paypal_api: FakePayPal,
    paypal_refunds: PayPalRefunds,
    capture_value: str,
    currency: str,
    amount_minor: int,
    paypal_value: str,
) -> None:
    paypal_api.add_capture("8MC585209K746392H", capture_value, currency)

    outcome = await paypal_refunds.refund(refund_of("8MC585209K746392H", amount=amount_minor, currency=currency))

    [made] = paypal_api.refunds
    assert (made.value, made.currency) == (paypal_value, currency)
    assert (outcome.amount_minor, outcome.currency) == (amount_minor, currency)
    assert Decimal(made.value) < Decimal(capture_value)


async def test_paypal_retried_refund_returns_the_same_refund_once(
    paypal_api: FakePayPal, paypal_refunds: PayPalRefunds
) -> None:
    request = refund_of(CAPTURE, "refund-1", 500, currency="usd")

    assert await paypal_refunds.refund(request) == await paypal_refunds.refund(request)
    assert len(paypal_api.refunds) == 1
    assert [call.headers["PayPal-Request-Id"] for call in capture_refund_calls(paypal_api)] == ["refund-1"] * 2


@pytest.mark.parametrize(
    ("first_amount", "amount", "issue"),
    [
        (None, 500, "CAPTURE_FULLY_REFUNDED"),
        (None, None, "CAPTURE_FULLY_REFUNDED"),
        (500, 2400, "REFUND_AMOUNT_EXCEEDED"),
    ],
)
async def test_paypal_refunding_more_than_is_left_says_why(
    paypal_refunds: PayPalRefunds, first_amount: int | None, amount: int | None, issue: str
) -> None:
    await paypal_refunds.refund(refund_of(CAPTURE, "refund-1", first_amount, currency="USD"))

    error = await refund_failure(paypal_refunds, refund_of(CAPTURE, "refund-2", amount, currency="USD"))

    assert (error.retryable, error.status) == (False, 422)
    assert issue in error.reason


async def test_paypal_unknown_capture_is_not_found(paypal_refunds: PayPalRefunds) -> None:
    error = await refund_failure(paypal_refunds, refund_of("5VK462069F6649NOPE"))

    assert (error.retryable, error.status) == (False, 404)


@pytest.mark.parametrize("status", [429, 500])
async def test_paypal_failing_is_retryable(paypal_api: FakePayPal, paypal_refunds: PayPalRefunds, status: int) -> None:
    paypal_api.fail_next("/v2/payments", status=status)

    error = await refund_failure(paypal_refunds, refund_of(CAPTURE))

    assert (error.retryable, error.status) == (True, status)
    assert paypal_api.refunds == []


async def test_paypal_too_slow_is_retryable(paypal_api: FakePayPal) -> None:
    client = make_paypal(paypal_api, timeout=0.2)
    paypal_api.fail_next("/v2/payments", delay=3.0)
    started = time.monotonic()

    error = await refund_failure(PayPalRefunds(client), refund_of(CAPTURE))

    assert time.monotonic() - started < 1.5
    assert error.retryable is True
    assert "in time" in error.reason
    await client.close()


async def test_paypal_failed_refund_is_an_error() -> None:
    async with DecliningPayPal() as fake:
        fake.add_capture(CAPTURE, "25.00", "USD")
        client = make_paypal(fake)

        error = await refund_failure(PayPalRefunds(client), refund_of(CAPTURE))

        assert error.retryable is False
        assert f"refund {fake.refunds[0].id} as FAILED" in error.reason
        await client.close()


@pytest.mark.parametrize(
    ("ref", "amount", "currency"),
    [(CAPTURE, 500, None), (CAPTURE, 0, "USD"), (CAPTURE, 15050, "HUF"), ("../../v1/oauth2/token", None, None)],
)
async def test_unusable_input_never_reaches_paypal(
    paypal_api: FakePayPal, paypal_refunds: PayPalRefunds, ref: str, amount: int | None, currency: str | None
) -> None:
    fields = {"currency": currency} if currency else {}
    with pytest.raises(UsageError):
        await paypal_refunds.refund(refund_of(ref, amount=amount, **fields))

    assert paypal_api.calls == []
