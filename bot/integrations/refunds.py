"""Refunds behind `PaymentGateway`: Stripe through stripe-python's async API, PayPal through `PayPalClient`.

Both take the caller's idempotency key as the provider's own (Stripe's `Idempotency-Key`, PayPal's
`PayPal-Request-Id`), so a retried or double-clicked refund is carried out once. Every vendor failure leaves here
as `ProviderError` with a sentence safe to show in Slack; `retryable` is set only where asking again with the
same key may succeed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from decimal import Decimal
from typing import Any

import stripe

from bot.core.errors import ProviderError, UsageError
from bot.core.money import exponent, to_minor
from bot.integrations.contracts import RefundOutcome, RefundRequest
from bot.integrations.paypal import PayPalClient
from bot.integrations.stripe_client import stripe_client

log = logging.getLogger(__name__)

STRIPE = "stripe"
PAYPAL = "paypal"
STRIPE_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
# Stripe's id shapes; checking them also keeps arbitrary text out of the request.
# Letters, digits and underscores: never a slash or "?" that would change the request.
_STRIPE_PAYMENT = re.compile(r"(pi|ch|py)_[A-Za-z0-9_]{1,250}")
_METADATA_VALUE_LIMIT = 500  # Stripe's limit for one metadata value
_PAYPAL_NOTE_LIMIT = 255  # PayPal's limit for note_to_payer
_MESSAGE_LIMIT = 300
# Stripe's `failure_reason` values of a refund, as a person reads them.
_FAILURE_REASONS = {
    "charge_for_pending_refund_disputed": "the customer disputed the payment while the refund was pending",
    "declined": "the customer's bank declined the refund",
    "expired_or_canceled_card": "the customer's card has expired or was cancelled",
    "insufficient_funds": "the Stripe balance is too low to pay the refund",
    "lost_or_stolen_card": "the customer's card was reported lost or stolen",
    "merchant_request": "the refund was cancelled at our request",
    "unknown": "Stripe gave no reason",
}
# Stripe's error codes a refund meets most often, as a person reads them.
_REFUSALS = {
    "charge_already_refunded": "this payment has already been refunded in full",
    "amount_too_large": "the amount is more than what is left to refund on this payment",
    "charge_disputed": "this payment was charged back in a dispute and cannot be refunded",
}
# PayPal's currencies without decimals, although ISO 4217 gives HUF and TWD two.
_PAYPAL_WHOLE_CURRENCIES = frozenset({"HUF", "JPY", "TWD"})


class StripeRefunds:
    """`PaymentGateway` for Stripe payment intents (`pi_...`) and charges (`ch_...`, `py_...`).

    `timeout` bounds a whole `refund()` call, SDK retries included: a server that does not answer in time
    gives a retryable `ProviderError`. The SDK retries (up to `max_network_retries`) only quick failures such
    as a 5xx or a refused connection, always with the same idempotency key.
    """

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str = stripe.DEFAULT_API_BASE,
        timeout: float = 10.0,
        max_network_retries: int = 1,
    ):
        self._timeout = timeout
        self._client, self._http = stripe_client(api_key, api_base=api_base, max_network_retries=max_network_retries)

    async def refund(self, request: RefundRequest) -> RefundOutcome:
        params = _stripe_params(request)
        try:
            async with asyncio.timeout(self._timeout):
                refund = await self._client.v1.refunds.create_async(
                    params,  # type: ignore[arg-type]
                    {"idempotency_key": request.idempotency_key},
                )
        except TimeoutError:
            raise _stripe_too_slow() from None
        except stripe.StripeError as exc:
            raise _from_stripe_error(exc, request) from exc
        return _stripe_outcome(refund.to_dict())

    async def close(self) -> None:
        await self._http.close_async()


class PayPalRefunds:
    """`PaymentGateway` for PayPal captures, on a `PayPalClient` it shares with others and does not close."""

    def __init__(self, client: PayPalClient):
        self._client = client

    async def refund(self, request: RefundRequest) -> RefundOutcome:
        amount_value = currency = None
        if request.amount_minor is not None:
            if not request.currency:
                raise UsageError("A partial PayPal refund needs the currency of its amount.")
            currency = request.currency.upper()
            amount_value = _paypal_value(request.amount_minor, currency)
        refund = await self._client.refund_capture(
            request.payment_ref,
            amount_value=amount_value,
            currency=currency,
            note=request.reason[:_PAYPAL_NOTE_LIMIT] if request.reason else None,
            request_id=_checked_key(request.idempotency_key),
        )
        if refund.status in ("FAILED", "CANCELLED"):
            message = f"refund failed: PayPal reports refund {refund.id} as {refund.status}"
            raise ProviderError(PAYPAL, message)
        return RefundOutcome(
            provider_refund_id=refund.id,
            status=refund.status,
            amount_minor=to_minor(refund.amount_value, refund.currency),
            currency=refund.currency.upper(),
        )


def _stripe_params(request: RefundRequest) -> dict[str, Any]:
    ref = request.payment_ref.strip()
    if not _STRIPE_PAYMENT.fullmatch(ref):
        raise UsageError(f"{ref!r} is not a Stripe payment: give its payment intent (pi_...) or charge (ch_...) id.")
    _checked_key(request.idempotency_key)
    params: dict[str, Any] = {"payment_intent" if ref.startswith("pi_") else "charge": ref}
    if request.amount_minor is not None:
        if request.amount_minor < 1:
            raise UsageError("A refund amount must be more than zero.")
        params["amount"] = request.amount_minor
    if request.reason in STRIPE_REASONS:
        params["reason"] = request.reason
    elif request.reason:
        # Stripe refuses any other reason; a person's own words still belong with the refund.
        params["metadata"] = {"reason": request.reason[:_METADATA_VALUE_LIMIT]}
    return params


def _checked_key(key: str) -> str:
    if not key:
        raise ValueError("idempotency_key must not be empty: it is what makes a retried refund happen once")
    return key


def _stripe_outcome(refund: dict[str, Any]) -> RefundOutcome:
    status = refund.get("status")
    if status in ("failed", "canceled"):
        reason = refund.get("failure_reason") or "unknown"
        words = _FAILURE_REASONS.get(reason, "Stripe could not pay it out")
        log.warning("Stripe refund %s %s: %s", refund.get("id"), status, reason)
        raise ProviderError(STRIPE, f"refund {status}: {words} ({reason})")
    currency = refund.get("currency")
    return RefundOutcome(
        provider_refund_id=str(refund["id"]),
        status=str(status),
        amount_minor=refund.get("amount"),
        currency=currency.upper() if isinstance(currency, str) else None,
    )


def _stripe_too_slow() -> ProviderError:
    return ProviderError(STRIPE, "refund failed: Stripe did not answer in time; retrying is safe", retryable=True)


def _from_stripe_error(exc: stripe.StripeError, request: RefundRequest) -> ProviderError:
    status = exc.http_status
    # Some error classes are built without their code; the parsed error body still has it.
    code = exc.code or (exc.error.code if exc.error is not None else None)
    log.warning(
        "Stripe refund failed: %s, HTTP %s, code %s, request %s", type(exc).__name__, status, code, exc.request_id
    )
    match exc:
        case stripe.AuthenticationError():
            return ProviderError(STRIPE, "refund failed: the Stripe API key was refused", status=status)
        case stripe.PermissionError():
            return ProviderError(STRIPE, "refund failed: the Stripe API key may not make refunds", status=status)
        case stripe.RateLimitError():
            message = "refund failed: Stripe is rate limiting us; try again in a minute"
            return ProviderError(STRIPE, message, retryable=True, status=status)
        case stripe.APIConnectionError():
            return ProviderError(STRIPE, "refund failed: could not reach Stripe", retryable=True)
        case stripe.IdempotencyError():
            message = "refund failed: this refund was already asked for with other details; start a new refund"
            return ProviderError(STRIPE, message, status=status)
        case stripe.InvalidRequestError() | stripe.CardError():
            return ProviderError(STRIPE, f"refund failed: {_refusal(code, exc, request)}", status=status)
        case stripe.APIError():
            # 5xx, 409 (a lock held by a concurrent request) or a 2xx we could not read: with the same key,
            # asking again returns the refund if there is one rather than making a second.
            retryable = status is None or status >= 500 or status == 409 or status < 400
            message = f"refund failed: Stripe had an error (HTTP {status})"
            return ProviderError(STRIPE, message, retryable=retryable, status=status)
    log.error("unexpected Stripe error during a refund: %r", exc)
    return ProviderError(STRIPE, "refund failed: unexpected error from Stripe", status=status)


def _refusal(code: str | None, exc: stripe.StripeError, request: RefundRequest) -> str:
    if code == "resource_missing":
        return f"Stripe has no payment {request.payment_ref.strip()} (resource_missing)"
    if code in _REFUSALS:
        return f"{_REFUSALS[code]} ({code})"
    detail = (exc.user_message or "Stripe refused the refund")[:_MESSAGE_LIMIT]
    return f"{detail} ({code})" if code else detail


def _paypal_value(amount_minor: int, currency: str) -> str:
    """PayPal's decimal string for an amount in our minor units: 1050 EUR -> "10.50", 5000 JPY -> "5000"."""
    if amount_minor < 1:
        raise UsageError("A refund amount must be more than zero.")
    places = exponent(currency)
    value = Decimal(amount_minor).scaleb(-places)
    paypal_places = 0 if currency in _PAYPAL_WHOLE_CURRENCIES else places
    if value != round(value, paypal_places):
        raise UsageError(f"PayPal refunds {currency} in whole units only.")
    return f"{value:.{paypal_places}f}"
