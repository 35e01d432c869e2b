"""A fake PayPal REST API on 127.0.0.1 for tests and the offline demo, plus builders of webhook bodies.

It speaks PayPal's wire format: OAuth client credentials, bearer tokens, v2 error bodies, `PayPal-Request-Id`
idempotency and `Prefer: return=representation` on refunds, and webhook signature verification.

Webhook signatures follow PayPal's scheme (a signature over "transmission id|time|webhook id|CRC32 of the
event") and carry PayPal's header values, but the signature is an HMAC with a key only this fake holds,
so only `FakePayPal.sign_webhook` produces deliveries that its verification endpoint accepts.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import json
import secrets
import string
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any, Literal

from aiohttp import web

from bot.core.clock import SystemClock
from bot.fakes.faults import HttpFault
from bot.fakes.http import FaultyServer
from bot.fakes.paypal_orders import FakeOrders

TOKEN_PATH = "/v1/oauth2/token"
VERIFY_PATH = "/v1/notifications/verify-webhook-signature"
AUTH_ALGO = "SHA256withRSA"
CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-fake0001"
LINK_BASE = "https://api.paypal.com"
_VERIFY_FIELDS = ("auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time")
_SCOPES = " ".join(f"https://uri.paypal.com/services/{scope}" for scope in ("payments/refund", "disputes/read-seller"))
_ZERO_DECIMAL_CURRENCIES = frozenset({"HUF", "JPY", "TWD"})
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedCall:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass(frozen=True)
class RecordedRefund:
    id: str
    capture_id: str
    value: str
    currency: str
    request_id: str | None
    note: str | None


@dataclass
class _Capture:
    id: str
    amount: Decimal
    currency: str
    refunded: Decimal = Decimal(0)


class _ApiError(Exception):
    """Answered as PayPal's error body by the innermost middleware."""

    def __init__(self, status: int, name: str, message: str, *, issue: str | None = None, description: str = ""):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"name": name, "message": message, "debug_id": secrets.token_hex(7)}
        if issue:
            self.body["details"] = [{"issue": issue, "description": description or message}]
            self.body["links"] = [
                {
                    "href": f"https://developer.paypal.com/docs/api/payments/v2/#error-{issue}",
                    "rel": "information_link",
                }
            ]


class FakePayPal(FaultyServer):
    """PayPal's token, webhook verification, refund and dispute endpoints, with state a test sets up.

    `calls` records every request (headers without Authorization), `refunds` every refund made (a replayed
    `PayPal-Request-Id` adds none), and `rate_limited` counts the 429s answered.
    """

    def __init__(
        self,
        client_id: str = "fake-client",
        client_secret: str = "fake-secret",  # noqa: S107
        *,
        now: Callable[[], datetime] | None = None,
    ):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.calls: list[RecordedCall] = []
        self.refunds: list[RecordedRefund] = []
        self._tokens: set[str] = set()
        self._signing_key = secrets.token_bytes(32)
        self._captures: dict[str, _Capture] = {}
        self._disputes: dict[str, dict] = {}
        self._refunds_by_request_id: dict[str, dict] = {}
        # PayPal's own clock: the bot's under test, so refunds and the transaction search's lag agree with it.
        self._now = now or SystemClock().now
        self.orders = FakeOrders(self._now, lambda: self.base_url)
        # Evidence and accept-claim live in their own module, which builds on this one's errors (so imported here).
        from bot.fakes.paypal_disputes import PayPalDisputeDesk

        self.dispute_desk = PayPalDisputeDesk(self._disputes)

    def _app(self) -> web.Application:
        from bot.fakes.paypal_disputes import BODY_LIMIT

        middlewares = [self._record, self._inject_faults, self._authenticate, _answer_errors]
        app = web.Application(middlewares=middlewares, client_max_size=BODY_LIMIT)
        self.dispute_desk.routes(app)
        app.router.add_post(TOKEN_PATH, self._token)
        app.router.add_post(VERIFY_PATH, self._verify_webhook_signature)
        app.router.add_post("/v2/payments/captures/{capture_id}/refund", self._refund)
        app.router.add_get("/v1/customer/disputes/{dispute_id}", self._dispute)
        self.orders.add_routes(app.router)
        return app

    # -- state a test sets up or inspects -------------------------------------------------------------------

    def add_capture(self, capture_id: str, value: str, currency: str) -> None:
        self._captures[capture_id] = _Capture(capture_id, Decimal(value), currency)

    def add_dispute(self, dispute: dict) -> None:
        """Serve `dispute` (for instance `dispute_resource(...)`) at /v1/customer/disputes/{dispute_id}."""
        self._disputes[dispute["dispute_id"]] = copy.deepcopy(dispute)

    def fail_next(self, path_prefix: str, times: int = 1, *, status: int = 500, delay: float = 0.0) -> None:
        """Answer the next `times` requests under `path_prefix` with `status` after `delay` seconds."""
        self._faults.add(HttpFault(status, delay), times, path_prefix=path_prefix)

    def delay_next(self, path_prefix: str, times: int, delay: float) -> None:
        """Answer the next `times` requests under `path_prefix` as usual, but only after `delay` seconds."""
        self._faults.add(HttpFault(None, delay), times, path_prefix=path_prefix)

    @property
    def verifications(self) -> int:
        """How many times the bot asked to verify a webhook's signature."""
        return sum(1 for call in self.calls if call.path == VERIFY_PATH)

    def revoke_tokens(self) -> None:
        """Make every issued access token invalid, as when one expires before its `expires_in`."""
        self._tokens.clear()

    def sign_webhook(self, event: dict, webhook_id: str, at: datetime) -> dict[str, str]:
        """The PAYPAL-* headers PayPal would send with `event` to the webhook `webhook_id` at `at`."""
        transmission_id = str(uuid.uuid4())
        transmission_time = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "PAYPAL-AUTH-ALGO": AUTH_ALGO,
            "PAYPAL-CERT-URL": CERT_URL,
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-SIG": self._signature(transmission_id, transmission_time, webhook_id, event),
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
        }

    def _signature(self, transmission_id: str, transmission_time: str, webhook_id: str, event: dict) -> str:
        # Canonical JSON, so an event that was parsed and serialised again still matches.
        canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        signed = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(canonical.encode())}"
        digest = hmac.new(self._signing_key, signed.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    # -- middlewares, outermost first ------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        body: Any = None
        if request.content_type == "application/json" and request.body_exists:
            try:
                body = await request.json()
            except ValueError:
                body = None
        headers = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}
        self.calls.append(RecordedCall(request.method, request.path, headers, body))
        return await handler(request)

    def _fault_answer(self, status: int, retry_after: int) -> web.Response:
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            error = _ApiError(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting.")
        else:
            phrase = HTTPStatus(status).phrase
            error = _ApiError(status, phrase.upper().replace(" ", "_"), f"{phrase}.")
        return web.json_response(error.body, status=error.status)

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if request.path == TOKEN_PATH:
            return await handler(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self._tokens:
            body = {"error": "invalid_token", "error_description": "Token signature verification failed"}
            return web.json_response(body, status=401)
        return await handler(request)

    # -- endpoints ------------------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        if not self._is_client(request.headers.get("Authorization", "")):
            body = {"error": "invalid_client", "error_description": "Client Authentication failed"}
            return web.json_response(body, status=401)
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            body = {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}
            return web.json_response(body, status=400)
        token = "A21AA" + secrets.token_urlsafe(48)
        self._tokens.add(token)
        return web.json_response(
            {
                "scope": _SCOPES,
                "access_token": token,
                "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T",
                "expires_in": 32400,
                "nonce": f"{_iso(self._now())}{secrets.token_urlsafe(32)}",
            }
        )

    def _is_client(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # Bytes, because compare_digest refuses non-ASCII str and a caller may send anything.
        return hmac.compare_digest(client_id.encode(), self.client_id.encode()) and hmac.compare_digest(
            secret.encode(), self.client_secret.encode()
        )

    async def _verify_webhook_signature(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        missing = [name for name in (*_VERIFY_FIELDS, "webhook_id") if not isinstance(body.get(name), str)]
        if missing or not isinstance(body.get("webhook_event"), dict):
            field = missing[0] if missing else "webhook_event"
            raise _ApiError(
                400,
                "VALIDATION_ERROR",
                "Invalid request - see details",
                issue="MISSING_REQUIRED_PARAMETER",
                description=f"{field} is required.",
            )
        expected = self._signature(
            body["transmission_id"], body["transmission_time"], body["webhook_id"], body["webhook_event"]
        )
        verified = (
            body["auth_algo"] == AUTH_ALGO
            and body["cert_url"] == CERT_URL
            and hmac.compare_digest(body["transmission_sig"].encode(), expected.encode())
        )
        return web.json_response({"verification_status": "SUCCESS" if verified else "FAILURE"})

    async def _refund(self, request: web.Request) -> web.Response:
        capture = self._captures.get(request.match_info["capture_id"])
        if capture is None:
            raise _not_found("Specified resource ID does not exist. Please check the resource ID and try again.")
        request_id = request.headers.get("PayPal-Request-Id")
        refund = self._refunds_by_request_id.get(request_id) if request_id else None
        if refund is None:
            body = await _json_object(request) if request.body_exists else {}
            refund = self._make_refund(capture, body, request_id)
        # PayPal's default answer is minimal: no amount unless the caller asks for the representation.
        if "return=representation" not in request.headers.get("Prefer", ""):
            refund = {key: refund[key] for key in ("id", "status", "links")}
        return web.json_response(refund, status=201)

    def _make_refund(self, capture: _Capture, body: dict, request_id: str | None) -> dict:
        amount = _refund_amount(capture, body.get("amount"))
        capture.refunded += amount
        refund_id = _paypal_id()
        now = _iso(self._now())
        money = _money(amount, capture.currency)
        refund: dict[str, Any] = {
            "id": refund_id,
            "amount": money,
            "seller_payable_breakdown": {
                "gross_amount": money,
                "paypal_fee": _money(Decimal(0), capture.currency),
                "net_amount": money,
                "total_refunded_amount": _money(capture.refunded, capture.currency),
            },
            "status": "COMPLETED",
            "create_time": now,
            "update_time": now,
            "links": [
                {"href": f"{self.base_url}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
                {"href": f"{self.base_url}/v2/payments/captures/{capture.id}", "rel": "up", "method": "GET"},
            ],
        }
        note = body.get("note_to_payer")
        if note:
            refund["note_to_payer"] = note
        if request_id:
            self._refunds_by_request_id[request_id] = refund
        self.refunds.append(
            RecordedRefund(refund_id, capture.id, money["value"], capture.currency, request_id, note or None)
        )
        return refund

    async def _dispute(self, request: web.Request) -> web.Response:
        return web.json_response(self.dispute_desk.shown(self.dispute_desk.find(request)))


@asynccontextmanager
async def fake_paypal_api(**kwargs: Any) -> AsyncIterator[FakePayPal]:
    async with FakePayPal(**kwargs) as fake:
        yield fake


@web.middleware
async def _answer_errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except _ApiError as error:
        return web.json_response(error.body, status=error.status)


async def _json_object(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _ApiError(
            400,
            "INVALID_REQUEST",
            "Request is not well-formed, syntactically incorrect, or violates schema.",
            issue="MALFORMED_REQUEST_JSON",
            description="The request JSON is not well formed.",
        )
    return body


def _refund_amount(capture: _Capture, amount: object) -> Decimal:
    """The amount to refund: what is left of the capture when no amount is given, else a checked amount."""
    remaining = capture.amount - capture.refunded
    if remaining <= 0:
        raise _unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded")
    if amount is None:
        return remaining
    if not isinstance(amount, dict):
        raise _unprocessable("INVALID_PARAMETER_VALUE", "The value of a field is invalid.")
    if amount.get("currency_code") != capture.currency:
        raise _unprocessable("REFUND_CAPTURE_CURRENCY_MISMATCH", "Refund must be in the same currency as the capture.")
    try:
        value = Decimal(str(amount.get("value")))
    except InvalidOperation:
        raise _unprocessable("INVALID_PARAMETER_VALUE", "The value of a field is invalid.") from None
    decimals = 0 if capture.currency in _ZERO_DECIMAL_CURRENCIES else 2
    if not value.is_finite() or value.as_tuple().exponent < -decimals:  # type: ignore[operator]
        raise _unprocessable("DECIMAL_PRECISION", "The value of the field should not be more than two decimals.")
    if value <= 0:
        raise _unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "Must be greater than zero.")
    if value > remaining:
        raise _unprocessable(
            "REFUND_AMOUNT_EXCEEDED",
            "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
        )
    return value


def _not_found(description: str) -> _ApiError:
    return _ApiError(
        404,
        "RESOURCE_NOT_FOUND",
        "The specified resource does not exist.",
        issue="INVALID_RESOURCE_ID",
        description=description,
    )


def _unprocessable(issue: str, description: str) -> _ApiError:
    return _ApiError(
        422,
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed business validation.",
        issue=issue,
        description=description,
    )


# -- webhook event bodies ------------------------------------------------------------------------------------
# Shaped after real deliveries. Real capture and sale events carry no payer email; the builders add one only
# when given one, where PayPal puts a payer's email in that API version (v2 `payer.email_address`, v1
# `payer.payer_info.email`, a dispute's `buyer.email`), so that both paths can be tested.


def sale_event(
    sale_id: str,
    total: str,
    currency: str,
    *,
    payer_email: str | None = None,
    parent_payment: str | None = None,
    invoice_number: str | None = None,
    custom: str | None = None,
    event_id: str | None = None,
    at: datetime,
) -> dict:
    """A v1 PAYMENT.SALE.COMPLETED delivery (resource_type "sale")."""
    payment = parent_payment or f"PAYID-{_paypal_id(24)}"
    resource: dict[str, Any] = {
        "id": sale_id,
        "state": "completed",
        "amount": {"total": total, "currency": currency, "details": {"subtotal": total}},
        "payment_mode": "INSTANT_TRANSFER",
        "protection_eligibility": "ELIGIBLE",
        "protection_eligibility_type": "ITEM_NOT_RECEIVED_ELIGIBLE,UNAUTHORIZED_PAYMENT_ELIGIBLE",
        "transaction_fee": {"value": str(_fee(total, currency)), "currency": currency},
        "parent_payment": payment,
        "create_time": _iso(at),
        "update_time": _iso(at),
        "links": [
            {"href": f"{LINK_BASE}/v1/payments/sale/{sale_id}", "rel": "self", "method": "GET"},
            {"href": f"{LINK_BASE}/v1/payments/sale/{sale_id}/refund", "rel": "refund", "method": "POST"},
            {"href": f"{LINK_BASE}/v1/payments/payment/{payment}", "rel": "parent_payment", "method": "GET"},
        ],
    }
    _put_optional(resource, invoice_number=invoice_number, custom=custom)
    if payer_email:
        resource["payer"] = {"payer_info": {"email": payer_email}}
    summary = f"Payment completed for {currency} {total} {currency}"
    return _envelope("PAYMENT.SALE.COMPLETED", "sale", summary, resource, event_id=event_id, at=at, version=None)


def capture_completed_event(
    capture_id: str,
    value: str,
    currency: str,
    payer_email: str | None = None,
    *,
    order_id: str | None = None,
    custom_id: str | None = None,
    invoice_id: str | None = None,
    event_id: str | None = None,
    at: datetime,
) -> dict:
    """A v2 PAYMENT.CAPTURE.COMPLETED delivery (resource_type "capture", resource a v2 capture)."""
    order_id = order_id or _paypal_id()
    fee = _fee(value, currency)
    resource: dict[str, Any] = {
        "id": capture_id,
        "status": "COMPLETED",
        "amount": {"currency_code": currency, "value": value},
        "final_capture": True,
        "seller_protection": {
            "status": "ELIGIBLE",
            "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
        },
        "seller_receivable_breakdown": {
            "gross_amount": {"currency_code": currency, "value": value},
            "paypal_fee": _money(fee, currency),
            "net_amount": _money(Decimal(value) - fee, currency),
        },
        "supplementary_data": {"related_ids": {"order_id": order_id}},
        "create_time": _iso(at),
        "update_time": _iso(at),
        "links": [
            {"href": f"{LINK_BASE}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"},
            {
                "href": f"{LINK_BASE}/v2/payments/captures/{capture_id}/refund",
                "rel": "refund",
                "method": "POST",
            },
            {"href": f"{LINK_BASE}/v2/checkout/orders/{order_id}", "rel": "up", "method": "GET"},
        ],
    }
    _put_optional(resource, custom_id=custom_id, invoice_id=invoice_id)
    if payer_email:
        resource["payer"] = {"email_address": payer_email}
    summary = f"Payment completed for {currency} {value} {currency}"
    return _envelope("PAYMENT.CAPTURE.COMPLETED", "capture", summary, resource, event_id=event_id, at=at)


def capture_refunded_event(
    capture_id: str,
    value: str,
    currency: str,
    payer_email: str | None = None,
    *,
    refund_id: str | None = None,
    total_refunded: str | None = None,
    note_to_payer: str | None = None,
    custom_id: str | None = None,
    invoice_id: str | None = None,
    event_id: str | None = None,
    at: datetime,
) -> dict:
    """A v2 PAYMENT.CAPTURE.REFUNDED delivery: the resource is the refund; its "up" link names the capture."""
    refund_id = refund_id or _paypal_id()
    resource: dict[str, Any] = {
        "id": refund_id,
        "status": "COMPLETED",
        "amount": {"currency_code": currency, "value": value},
        "seller_payable_breakdown": {
            "gross_amount": {"currency_code": currency, "value": value},
            "paypal_fee": _money(Decimal(0), currency),
            "net_amount": {"currency_code": currency, "value": value},
            "total_refunded_amount": {"currency_code": currency, "value": total_refunded or value},
        },
        "create_time": _iso(at),
        "update_time": _iso(at),
        "links": [
            {"href": f"{LINK_BASE}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
            {"href": f"{LINK_BASE}/v2/payments/captures/{capture_id}", "rel": "up", "method": "GET"},
        ],
    }
    _put_optional(resource, note_to_payer=note_to_payer, custom_id=custom_id, invoice_id=invoice_id)
    if payer_email:
        resource["payer"] = {"email_address": payer_email}
    summary = f"A {currency} {value} {currency} capture payment was refunded"
    return _envelope("PAYMENT.CAPTURE.REFUNDED", "refund", summary, resource, event_id=event_id, at=at)


def dispute_resource(
    dispute_id: str,
    *,
    value: str = "10.00",
    currency: str = "USD",
    transaction_id: str | None = None,
    reason: str = "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
    status: str = "WAITING_FOR_SELLER_RESPONSE",
    stage: str = "INQUIRY",
    channel: str = "INTERNAL",
    outcome: str | None = None,
    buyer_name: str = "John Doe",
    buyer_email: str | None = None,
    invoice_number: str | None = None,
    custom: str | None = None,
    at: datetime,
) -> dict:
    """A v1 dispute as GET /v1/customer/disputes/{id} and CUSTOMER.DISPUTE.* deliveries show it."""
    money = {"currency_code": currency, "value": value}
    buyer: dict[str, str] = {"name": buyer_name}
    if buyer_email:
        buyer["email"] = buyer_email
    transaction: dict[str, Any] = {
        "seller_transaction_id": transaction_id or _paypal_id(),
        "create_time": _iso(at - timedelta(days=3)),
        "transaction_status": "COMPLETED",
        "gross_amount": money,
        "buyer": buyer,
        "seller": {"merchant_id": "RD465XN5VS364", "name": "Test Store"},
        "items": [],
        "seller_protection_eligible": True,
    }
    _put_optional(transaction, invoice_number=invoice_number, custom=custom)
    resource: dict[str, Any] = {
        "dispute_id": dispute_id,
        "create_time": _iso(at),
        "update_time": _iso(at),
        "disputed_transactions": [transaction],
        "reason": reason,
        "status": status,
        "dispute_amount": money,
        "dispute_life_cycle_stage": stage,
        "dispute_channel": channel,
        "links": [{"href": f"{LINK_BASE}/v1/customer/disputes/{dispute_id}", "rel": "self", "method": "GET"}],
    }
    if status == "RESOLVED":
        resource["dispute_outcome"] = {"outcome_code": outcome or "RESOLVED_BUYER_FAVOUR"}
        if resource["dispute_outcome"]["outcome_code"] == "RESOLVED_BUYER_FAVOUR":
            resource["dispute_outcome"]["amount_refunded"] = money
    else:
        resource["seller_response_due_date"] = _iso(at + timedelta(days=10))
    return resource


def dispute_event(
    kind: Literal["CREATED", "UPDATED", "RESOLVED"],
    dispute_id: str,
    *,
    event_id: str | None = None,
    at: datetime,
    **resource_fields: Any,
) -> dict:
    """A CUSTOMER.DISPUTE.<kind> delivery; `resource_fields` go to `dispute_resource`, status by kind."""
    default_status = {"CREATED": "OPEN", "UPDATED": "WAITING_FOR_SELLER_RESPONSE", "RESOLVED": "RESOLVED"}
    resource_fields.setdefault("status", default_status[kind])
    resource = dispute_resource(dispute_id, at=at, **resource_fields)
    summary = {
        "CREATED": f"A new dispute opened with Case # {dispute_id}",
        "UPDATED": f"A dispute was updated with Case # {dispute_id}",
        "RESOLVED": f"A dispute was resolved with case # {dispute_id}",
    }[kind]
    return _envelope(f"CUSTOMER.DISPUTE.{kind}", "dispute", summary, resource, event_id=event_id, at=at, version=None)


def _envelope(
    event_type: str,
    resource_type: str,
    summary: str,
    resource: dict,
    *,
    event_id: str | None,
    at: datetime,
    version: str | None = "2.0",
) -> dict:
    event_id = event_id or f"WH-{_paypal_id()}-{_paypal_id()}"
    event: dict[str, Any] = {
        "id": event_id,
        "event_version": "1.0",
        "create_time": _iso(at, millis=True),
        "resource_type": resource_type,
        "event_type": event_type,
        "summary": summary,
        "resource": resource,
        "links": [
            {
                "href": f"{LINK_BASE}/v1/notifications/webhooks-events/{event_id}",
                "rel": "self",
                "method": "GET",
                "encType": "application/json",
            },
            {
                "href": f"{LINK_BASE}/v1/notifications/webhooks-events/{event_id}/resend",
                "rel": "resend",
                "method": "POST",
                "encType": "application/json",
            },
        ],
    }
    if version:
        event["resource_version"] = version
    return event


def _put_optional(target: dict[str, Any], **fields: str | None) -> None:
    target.update({name: value for name, value in fields.items() if value})


def _paypal_id(length: int = 17) -> str:
    """An id in the shape PayPal uses for captures, refunds and orders: upper-case letters and digits."""
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(length))


def _fee(value: str, currency: str) -> Decimal:
    """A plausible PayPal fee (3.49% + 0.49), never more than the amount."""
    amount = Decimal(value)
    exponent = Decimal(1) if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    return min(amount, (amount * Decimal("0.0349") + Decimal("0.49")).quantize(exponent))


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    places = 0 if currency in _ZERO_DECIMAL_CURRENCIES else 2
    return {"currency_code": currency, "value": f"{amount:.{places}f}"}


def _iso(at: datetime, *, millis: bool = False) -> str:
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S") + (f".{at.microsecond // 1000:03d}Z" if millis else "Z")
