"""A fake Stripe API on 127.0.0.1 for tests and the offline demo: refunds, payment intents, customers, account,
and (bot.fakes.stripe_disputes) evidence files and disputes.

It speaks Stripe's wire format as stripe-python sends and reads it: a Bearer secret key, form-encoded bodies
with `metadata[...]` keys, `{"error": {...}}` bodies with Stripe's types and codes, and Stripe's idempotency:
the first answer given once an endpoint has started work is saved under the `Idempotency-Key` and replayed,
marked `Idempotent-Replayed: true`, for the same parameters; other parameters with that key are refused.
"""

from __future__ import annotations

import asyncio
import hmac
import random
import secrets
import string
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.core.money import format_money
from bot.fakes.faults import HttpFault
from bot.fakes.http import FaultyServer

REFUNDS_PATH = "/v1/refunds"
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
_REFUND_PARAMS = frozenset({"payment_intent", "charge", "amount", "reason", "expand[0]"})
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_PARAMS = web.RequestKey("params", list)  # the request's form or query pairs, read once by the outermost middleware
_BEGAN = web.RequestKey("began", bool)  # the endpoint accepted the parameters and started work


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # as sent, without Authorization
    form: dict[str, str]  # a POST's form fields or a GET's query, flat as sent: "metadata[order]": "1001"

    @property
    def idempotency_key(self) -> str | None:
        return next((value for name, value in self.headers.items() if name.lower() == "idempotency-key"), None)


@dataclass
class _Payment:
    id: str
    amount: int
    currency: str
    charge_id: str
    customer: str | None
    created: int
    refunded: int = 0
    decline_reason: str | None = None


@dataclass(frozen=True)
class _Saved:
    fingerprint: tuple
    status: int
    body: bytes


class _ApiError(Exception):
    """Answered as Stripe's error body by the innermost middleware."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        error: dict[str, Any] = {"message": message, "type": error_type}
        if code:
            error["code"] = code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            error["param"] = param
        self.body = {"error": error}

    def response(self) -> web.Response:
        return web.json_response(self.body, status=self.status)


class FakeStripe(FaultyServer):
    """Stripe's refund, payment intent, customer and account endpoints, with state a test sets up.

    `calls` records every request, `refunds` every refund made (a replayed idempotent request adds none) and
    `rate_limited` counts the 429s answered.
    """

    def __init__(
        self,
        api_key: str = "sk_test_fake51supportbot0000000000",
        *,
        now: Callable[[], float] = time.time,
        seed: int | None = None,
    ):
        """`now` dates what it creates (a refund's `created`); with a `seed`, the ids it makes are the same on
        every run (the demo prints them), otherwise random as Stripe's."""
        super().__init__()
        self.api_key = api_key
        self._now = now
        self._ids: random.Random | secrets.SystemRandom = random.Random(seed) if seed is not None else _SYSTEM
        # What GET /v1/account answers (a setup check reads it); a test may change it.
        self.account: dict[str, Any] = {
            **{"id": f"acct_{self._token(16)}", "object": "account", "type": "standard", "country": "US"},
            **{"business_profile": {"name": "Fake Shop"}, "settings": {"dashboard": {"display_name": "Fake Shop"}}},
            **{"charges_enabled": True, "payouts_enabled": True, "default_currency": "usd"},
            "email": "owner@shop.example",
        }
        self.calls: list[RecordedRequest] = []
        self.refunds: list[dict[str, Any]] = []
        self._payments: dict[str, _Payment] = {}
        self._customers: dict[str, dict[str, Any]] = {}
        self._saved: dict[str, _Saved] = {}
        # Files and disputes live in their own module, which builds on this one's errors (so imported here).
        from bot.fakes.stripe_disputes import StripeDisputeDesk

        self.disputes = StripeDisputeDesk(self._token, now)

    def _app(self) -> web.Application:
        from bot.fakes.stripe_disputes import BODY_LIMIT

        # Faults sit outside idempotency, so an answer that is only late (status=None) is saved before the delay.
        middlewares = [self._record, self._inject_faults, self._authenticate, self._idempotency, _answer_errors]
        app = web.Application(middlewares=middlewares, client_max_size=BODY_LIMIT)
        self.disputes.routes(app)
        app.router.add_post(REFUNDS_PATH, self._create_refund)
        app.router.add_get(REFUNDS_PATH + "/{id}", self._get_refund)
        app.router.add_get("/v1/payment_intents/{id}", self._get_payment_intent)
        app.router.add_get("/v1/customers/{id}", self._get_customer)
        app.router.add_get("/v1/account", self._get_account)
        app.on_response_prepare.append(_stamp_request_id)
        return app

    # -- state a test sets up or inspects -------------------------------------------------------------------

    def add_payment_intent(
        self,
        payment_intent_id: str,
        amount: int,
        currency: str,
        customer: str | None = None,
        charge_id: str | None = None,
    ) -> None:
        """A succeeded payment of `amount` minor units; refundable by its id or by its charge's id."""
        charge_id = charge_id or f"ch_{self._token(24)}"
        self._payments[payment_intent_id] = _Payment(
            payment_intent_id, amount, currency.lower(), charge_id, customer, int(self._now())
        )

    def add_customer(self, customer_id: str, email: str | None, name: str | None = None) -> None:
        self._customers[customer_id] = {
            **{"id": customer_id, "object": "customer", "created": int(self._now()), "livemode": False},
            **{"email": email, "name": name, "metadata": {}},
        }

    def _token(self, length: int) -> str:
        return "".join(self._ids.choice(_ID_CHARACTERS) for _ in range(length))

    def decline_refunds_for(self, payment_intent_id: str, reason: str = "declined") -> None:
        """Refunds of this payment come back with status `failed` and this `failure_reason`."""
        self._payments[payment_intent_id].decline_reason = reason

    def refunded(self, payment_intent_id: str) -> int:
        return self._payments[payment_intent_id].refunded

    def fail_next(self, path_prefix: str, times: int = 1, *, status: int | None = 500, delay: float = 0.0) -> None:
        """Answer the next `times` requests under `path_prefix` with `status` after `delay` seconds.

        With `status=None` the request is carried out and only its answer is late: a refund that happened
        although the client gave up waiting.
        """
        self._faults.add(HttpFault(status, delay), times, path_prefix=path_prefix)

    # -- middlewares, outermost first ------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        source = await request.post() if request.method == "POST" else request.query
        params = [(name, value) for name, value in source.items() if isinstance(value, str)]
        request[_PARAMS] = params
        headers = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}
        self.calls.append(RecordedRequest(request.method, request.path, headers, dict(params)))
        return await handler(request)

    async def _late(self, request: web.Request, handler: _Handler, delay: float) -> web.StreamResponse:
        # Carried out first, then answered late: a refund that happened although the client gave up waiting.
        response = await handler(request)
        await asyncio.sleep(delay)
        return response

    def _fault_answer(self, status: int, retry_after: int) -> web.Response:
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            message = (
                "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."
            )
            return _ApiError(429, message, code="rate_limit").response()
        if status >= 500:
            return _ApiError(status, "An unknown error occurred", error_type="api_error").response()
        return _ApiError(status, f"{HTTPStatus(status).phrase}.").response()

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not key:
            message = (
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            )
            return _ApiError(401, message).response()
        # Bytes, because compare_digest refuses non-ASCII str and a caller may send anything.
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return _ApiError(401, f"Invalid API Key provided: {_mask(key)}").response()
        return await handler(request)

    @web.middleware
    async def _idempotency(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        params = request[_PARAMS]
        fingerprint = (request.method, request.path, tuple(sorted(params)))
        saved = self._saved.get(key)
        if saved is not None and saved.fingerprint != fingerprint:
            message = (
                "Keys for idempotent requests can only be used with the same parameters they were first used "
                f"with. Try using a key other than '{key}' if you meant to execute a different request."
            )
            return _ApiError(400, message, error_type="idempotency_error").response()
        headers = {"Idempotency-Key": key}
        if saved is not None:
            headers["Idempotent-Replayed"] = "true"
            return web.Response(body=saved.body, status=saved.status, content_type="application/json", headers=headers)
        response = await handler(request)
        # Stripe saves an answer only once the endpoint began work: not for a parameter it refused outright.
        if request.get(_BEGAN) and isinstance(response, web.Response) and isinstance(response.body, bytes):
            self._saved[key] = _Saved(fingerprint, response.status, response.body)
        response.headers.update(headers)
        return response

    # -- endpoints ------------------------------------------------------------------------------------------

    async def _create_refund(self, request: web.Request) -> web.Response:
        given = request[_PARAMS]
        params = dict(given)
        for name in params:
            if name not in _REFUND_PARAMS and not (name.startswith("metadata[") and name.endswith("]")):
                raise _ApiError(400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
        payment = self._payment_named_by(params)
        amount = _positive_int(params.get("amount"))
        reason = params.get("reason") or None
        if reason is not None and reason not in REFUND_REASONS:
            message = "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"
            raise _ApiError(400, message, code="parameter_invalid_string", param="reason")
        request[_BEGAN] = True
        remaining = payment.amount - payment.refunded
        if remaining <= 0:
            raise _ApiError(
                400, f"Charge {payment.charge_id} has already been refunded.", code="charge_already_refunded"
            )
        if amount is not None and amount > remaining:
            asked, left = format_money(amount, payment.currency), format_money(remaining, payment.currency)
            message = f"Refund amount ({asked}) is greater than unrefunded amount on charge ({left})"
            raise _ApiError(400, message, code="amount_too_large", param="amount")
        refund = self._make_refund(payment, amount or remaining, reason, params)
        return web.json_response(refund)

    def _payment_named_by(self, params: dict[str, str]) -> _Payment:
        intent_id, charge_id = params.get("payment_intent"), params.get("charge")
        if intent_id and charge_id:
            message = "You may only specify one of these parameters: charge, payment_intent."
            raise _ApiError(400, message)
        if intent_id:
            payment = self._payments.get(intent_id)
            if payment is None:
                raise _no_such("payment_intent", intent_id, status=400, param="payment_intent")
            return payment
        if charge_id:
            payment = next((p for p in self._payments.values() if p.charge_id == charge_id), None)
            if payment is None:
                raise _no_such("charge", charge_id, status=400, param="charge")
            return payment
        message = "One of the following params should be provided for this request: payment_intent or charge."
        raise _ApiError(400, message, code="parameter_missing")

    def _make_refund(self, payment: _Payment, amount: int, reason: str | None, params: dict[str, str]) -> dict:
        metadata = {
            name[len("metadata[") : -1]: value for name, value in params.items() if name.startswith("metadata[")
        }
        refund: dict[str, Any] = {
            "id": f"re_{self._token(24)}",
            "object": "refund",
            "amount": amount,
            "balance_transaction": f"txn_{self._token(24)}",
            "charge": payment.charge_id,
            "created": int(self._now()),
            "currency": payment.currency,
            "destination_details": {"type": "card", "card": {"type": "refund"}},
            "metadata": metadata,
            "payment_intent": payment.id,
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        if payment.decline_reason:
            # A failed refund returns the money to the balance: the payment stays refundable.
            refund["status"] = "failed"
            refund["failure_reason"] = payment.decline_reason
            refund["failure_balance_transaction"] = f"txn_{self._token(24)}"
        else:
            payment.refunded += amount
        self.refunds.append(refund)
        return refund

    async def _get_refund(self, request: web.Request) -> web.Response:
        refund_id = request.match_info["id"]
        refund = next((r for r in self.refunds if r["id"] == refund_id), None)
        if refund is None:
            raise _no_such("refund", refund_id)
        return web.json_response(refund)

    async def _get_payment_intent(self, request: web.Request) -> web.Response:
        payment = self._payments.get(request.match_info["id"])
        if payment is None:
            raise _no_such("payment_intent", request.match_info["id"], param="intent")
        return web.json_response(
            {
                **{
                    "id": payment.id,
                    "object": "payment_intent",
                    "amount": payment.amount,
                    "currency": payment.currency,
                },
                **{"amount_received": payment.amount, "created": payment.created, "customer": payment.customer},
                **{"latest_charge": payment.charge_id, "livemode": False, "metadata": {}, "receipt_email": None},
                "status": "succeeded",
            }
        )

    async def _get_customer(self, request: web.Request) -> web.Response:
        customer = self._customers.get(request.match_info["id"])
        if customer is None:
            raise _no_such("customer", request.match_info["id"])
        return web.json_response(customer)

    async def _get_account(self, request: web.Request) -> web.Response:
        return web.json_response(self.account)


@asynccontextmanager
async def fake_stripe_api(**kwargs: Any) -> AsyncIterator[FakeStripe]:
    async with FakeStripe(**kwargs) as fake:
        yield fake


@web.middleware
async def _answer_errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except _ApiError as error:
        return error.response()
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        message = (
            f"Unrecognized request URL ({request.method}: {request.path}). "
            "Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
        )
        return _ApiError(404, message).response()


async def _stamp_request_id(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Request-Id", f"req_{_token(14)}")


def _no_such(kind: str, resource_id: str, *, status: int = 404, param: str = "id") -> _ApiError:
    return _ApiError(status, f"No such {kind}: '{resource_id}'", code="resource_missing", param=param)


def _positive_int(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise _ApiError(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param="amount")
    if int(value) < 1:
        raise _ApiError(400, "Invalid positive integer", code="parameter_invalid_integer", param="amount")
    return int(value)


def _mask(key: str) -> str:
    # Stripe echoes a refused key with all but its kind and last four characters hidden.
    prefix = key[:8] if key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")) else ""
    return prefix + "*" * max(len(key) - len(prefix) - 4, 4) + key[-4:]


_ID_CHARACTERS = string.ascii_letters + string.digits
_SYSTEM = secrets.SystemRandom()


def _token(length: int) -> str:
    return "".join(_SYSTEM.choice(_ID_CHARACTERS) for _ in range(length))
