"""PayPal's REST API through paypalrestsdk: webhook verification, refunds, disputes, orders, transaction search.

The SDK is synchronous and has no timeouts, so every call runs in a worker thread through a subclass of its
`Api` that adds timeouts. Every SDK, `requests` and decoding exception is translated here into our
`ProviderError`, whose message is safe to show a person.

Why not `paypal-server-sdk`, PayPal's current Python SDK (2.4.0, checked December 2026): it has controllers for
orders, payments (captures, refunds), transaction search, subscriptions and the vault, but none for disputes
(GET, provide-evidence, accept-claim) or for webhook signature verification, both of which the bot needs; its
licence is PayPal's own SDK agreement, not an open-source one; and it is synchronous too. Moving to it would mean
two PayPal clients, two token caches and two error translations. So one thin client stays: paypalrestsdk only
fetches and renews the OAuth token and sends the request; paths, idempotency keys and errors are ours.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import paypalrestsdk
import requests
from paypalrestsdk import exceptions as sdk_errors

from bot.core.errors import ProviderError, UsageError

log = logging.getLogger(__name__)

PROVIDER = "paypal"
VERIFY_WEBHOOK_PATH = "/v1/notifications/verify-webhook-signature"
_LIVE_HOSTS = frozenset({"api-m.paypal.com", "api.paypal.com"})
# PayPal's own pattern for capture and dispute ids; it also keeps a typed id from changing the URL path.
_RESOURCE_ID = re.compile(r"[A-Za-z0-9-]{1,255}")
# Body field of the verification request -> the delivery header PayPal puts it in.
_TRANSMISSION_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}
_MESSAGE_LIMIT = 300
# One part of a multipart request, as requests takes it: (file name or None, content, content type).
MultipartPart = tuple[str | None, bytes | str, str]


@dataclass(frozen=True)
class PayPalRefund:
    id: str
    status: str
    amount_value: str
    currency: str


class PayPalClient:
    """The calls the bot makes to PayPal, each bounded in time and failing only with `ProviderError`."""

    def __init__(self, *, client_id: str, client_secret: str, api_base: str, webhook_id: str, timeout: float = 10.0):
        _quiet_sdk_logger()
        self._webhook_id = webhook_id
        # A call is at most a token fetch and a request, each with a connect and a read timeout, plus one
        # re-authentication; the deadline only catches a server that trickles bytes past the read timeout.
        self._deadline = timeout * 8
        self._closed = False
        self._api = _TimedApi(
            mode=_mode_for(api_base),
            client_id=client_id,
            client_secret=client_secret,
            endpoint=api_base.rstrip("/"),
            timeout=timeout,
        )

    async def verify_webhook(self, headers: Mapping[str, str], event: dict[str, Any]) -> bool:
        """Ask PayPal whether a delivery's transmission headers sign `event` for our webhook id.

        False when a header is missing or PayPal answers anything but SUCCESS. Raises `ProviderError`:
        retryable when PayPal cannot answer now (timeout, no connection, 429, 5xx), so the endpoint can reply
        503 and PayPal delivers again; not retryable when PayPal refuses the request (bad credentials, 4xx).
        """
        fields = _transmission_fields(headers)
        if fields is None:
            return False
        body = {**fields, "webhook_id": self._webhook_id, "webhook_event": event}
        answer = await self._call("webhook verification", "POST", VERIFY_WEBHOOK_PATH, body)
        return answer.get("verification_status") == "SUCCESS"

    async def refund_capture(
        self,
        capture_id: str,
        *,
        amount_value: str | None,
        currency: str | None,
        note: str | None,
        request_id: str,
    ) -> PayPalRefund:
        """Refund a capture in full (no amount) or in part; repeating `request_id` returns the same refund."""
        _check_resource_id(capture_id, "capture")
        if not request_id:
            raise ValueError("request_id is the idempotency key and must not be empty")
        headers = {
            "PayPal-Request-Id": request_id,
            # Without it PayPal answers with only id, status and links: no amount.
            "Prefer": "return=representation",
        }
        path = f"/v2/payments/captures/{capture_id}/refund"
        answer = await self._call("refund", "POST", path, _refund_body(amount_value, currency, note), headers)
        return _refund_from(answer)

    async def read(self, action: str, path: str, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        """A GET of `path` (ids already checked by the caller) with `query`; `action` names it in errors."""
        return await self._call(action, "GET", f"{path}?{urlencode(query)}" if query else path)

    async def get_dispute(self, dispute_id: str) -> dict[str, Any]:
        _check_resource_id(dispute_id, "dispute")
        return await self._call("dispute lookup", "GET", f"/v1/customer/disputes/{dispute_id}")

    async def provide_evidence(
        self, dispute_id: str, parts: dict[str, MultipartPart], *, request_id: str
    ) -> dict[str, Any]:
        """POST the evidence as PayPal wants it (multipart: an `input` JSON part and the files); repeating
        `request_id` does not add the evidence twice."""
        _check_resource_id(dispute_id, "dispute")
        path = f"/v1/customer/disputes/{dispute_id}/provide-evidence"
        return await self._call("evidence", "POST", path, headers={"PayPal-Request-Id": request_id}, parts=parts)

    async def accept_claim(self, dispute_id: str, note: str, *, request_id: str) -> dict[str, Any]:
        """Concede the dispute: the buyer gets the disputed amount back."""
        _check_resource_id(dispute_id, "dispute")
        path = f"/v1/customer/disputes/{dispute_id}/accept-claim"
        return await self._call("accepting the claim", "POST", path, {"note": note}, {"PayPal-Request-Id": request_id})

    async def authenticate(self) -> None:
        """Ask PayPal for a fresh access token: whether it accepts our client id and secret."""
        if self._closed:
            raise RuntimeError("PayPalClient is closed")
        self._api.forget_token()
        try:
            async with asyncio.timeout(self._deadline):
                await asyncio.to_thread(self._api.get_token_hash)
        except Exception as exc:
            raise _translate(exc, "sign-in") from exc

    async def close(self) -> None:
        self._closed = True
        self._api.forget_token()

    async def _call(
        self,
        action: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        *,
        parts: dict[str, MultipartPart] | None = None,
    ) -> dict[str, Any]:
        if self._closed:
            raise RuntimeError("PayPalClient is closed")
        try:
            async with asyncio.timeout(self._deadline):
                if parts is not None:
                    answer = await asyncio.to_thread(self._api.send_multipart, path, parts, headers or {})
                else:
                    answer = await asyncio.to_thread(self._api.send, method, path, body, headers or {})
        except Exception as exc:
            raise _translate(exc, action) from exc
        if not isinstance(answer, dict):
            raise ProviderError(PROVIDER, f"{action} failed: PayPal sent an answer we could not read", retryable=True)
        return answer


class _TimedApi(paypalrestsdk.Api):
    """The SDK's `Api` with timeouts, without its request logging, and with a bounded token renewal.

    The SDK's `http_call` has no timeout and, below INFO, logs request headers (basic credentials, bearer
    token). Its `request` returns a 400 as `{"error": ...}` instead of raising, sends `null` as the body of a
    GET, and on a 401 renews the token and recurses with no limit. Token fetches go through `http_call` too,
    so they get the same timeout.
    """

    def __init__(self, *, timeout: float, **options: Any):
        super().__init__(**options)
        self._timeout = timeout
        # asyncio.to_thread runs calls side by side, and the SDK reads and resets its cached token unguarded.
        self._token_lock = threading.Lock()

    def send(self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
        if method == "GET":
            return self.get(path, headers=headers)
        return self.post(path, body, headers=headers)

    def send_multipart(self, path: str, parts: dict[str, MultipartPart], headers: dict[str, str]) -> Any:
        # The SDK only speaks JSON; requests builds the multipart body and its boundary (so no Content-Type here).
        url = paypalrestsdk.util.join_url(self.endpoint, path)

        def post() -> Any:
            sent = {k: v for k, v in self._with_token(headers, None).items() if k.lower() != "content-type"}
            response = requests.post(url, files=parts, headers=sent, proxies=self.proxies, timeout=self._timeout)
            log.debug("PayPal POST %s -> %s", urlsplit(url).path, response.status_code)
            return self.handle_response(response, response.content.decode("utf-8"))

        try:
            return post()
        except sdk_errors.UnauthorizedAccess:
            self.forget_token()  # one renewal, as in request()
        return post()

    def forget_token(self) -> None:
        with self._token_lock:
            self.token_hash = None

    def get_token_hash(
        self,
        authorization_code: str | None = None,
        refresh_token: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self._token_lock:
            token: dict[str, Any] = super().get_token_hash(authorization_code, refresh_token, headers)
            return token

    def request(
        self,
        url: str,
        method: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        refresh_token: str | None = None,
    ) -> Any:
        data = None if body is None or method == "GET" else json.dumps(body)
        try:
            return self.http_call(url, method, data=data, headers=self._with_token(headers, refresh_token))
        except sdk_errors.UnauthorizedAccess:
            # A token PayPal no longer accepts (expired early, revoked) gets one renewal; a failed token
            # fetch is raised by _with_token, outside this try, and gets none.
            self.forget_token()
        return self.http_call(url, method, data=data, headers=self._with_token(headers, refresh_token))

    def http_call(self, url: str, method: str, **kwargs: Any) -> Any:
        response = requests.request(method, url, proxies=self.proxies, timeout=self._timeout, **kwargs)
        log.debug("PayPal %s %s -> %s", method, urlsplit(url).path, response.status_code)
        return self.handle_response(response, response.content.decode("utf-8"))

    def _with_token(self, headers: dict[str, str] | None, refresh_token: str | None) -> dict[str, str]:
        # The extra headers (idempotency key, Prefer) belong to this request, not to the token fetch.
        return {**self.headers(refresh_token=refresh_token), **(headers or {})}


def _quiet_sdk_logger() -> None:
    # Below INFO the SDK prints credentials; an application-wide DEBUG must not reach it.
    sdk_log = logging.getLogger("paypalrestsdk")
    if sdk_log.level < logging.INFO:
        sdk_log.setLevel(logging.INFO)


def _mode_for(api_base: str) -> str:
    # The SDK knows only "live" and "sandbox"; anything but PayPal's live host (a fake too) is sandbox.
    return "live" if urlsplit(api_base).hostname in _LIVE_HOSTS else "sandbox"


def _transmission_fields(headers: Mapping[str, str]) -> dict[str, str] | None:
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    fields = {field: lowered.get(header, "") for field, header in _TRANSMISSION_HEADERS.items()}
    return fields if all(fields.values()) else None


def _check_resource_id(value: str, kind: str) -> None:
    if not _RESOURCE_ID.fullmatch(value):
        raise UsageError(f"{value!r} is not a PayPal {kind} id (letters, digits and dashes only).")


def _refund_body(amount_value: str | None, currency: str | None, note: str | None) -> dict[str, Any]:
    if (amount_value is None) != (currency is None):
        raise UsageError("A partial refund needs both an amount and a currency; give neither for a full refund.")
    body: dict[str, Any] = {}
    if amount_value is not None:
        body["amount"] = {"value": amount_value, "currency_code": currency}
    if note:
        body["note_to_payer"] = note
    return body


def _refund_from(answer: dict[str, Any]) -> PayPalRefund:
    try:
        amount = answer["amount"]
        return PayPalRefund(
            id=str(answer["id"]),
            status=str(answer["status"]),
            amount_value=str(amount["value"]),
            currency=str(amount["currency_code"]),
        )
    except (KeyError, TypeError):
        # The refund may exist; asking again with the same request id returns it rather than refunding twice.
        log.warning("PayPal refund answer without id, status or amount: keys %s", sorted(answer))
        raise ProviderError(
            PROVIDER,
            "refund answer could not be read; retrying with the same request is safe",
            retryable=True,
        ) from None


def _translate(exc: Exception, action: str) -> ProviderError:
    if isinstance(exc, (TimeoutError, requests.Timeout)):
        return ProviderError(PROVIDER, f"{action} failed: PayPal did not answer in time", retryable=True)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return ProviderError(PROVIDER, f"{action} failed: the PayPal API address is not a valid URL")
    if isinstance(exc, requests.RequestException):
        return ProviderError(PROVIDER, f"{action} failed: could not reach PayPal", retryable=True)
    if isinstance(exc, sdk_errors.ConnectionError):
        return _from_status(exc, action)
    if isinstance(exc, ValueError):
        # A 2xx whose body is not JSON (a proxy's page, a truncated answer).
        return ProviderError(PROVIDER, f"{action} failed: PayPal sent an answer we could not read", retryable=True)
    log.exception("unexpected error from paypalrestsdk during %s", action)
    return ProviderError(PROVIDER, f"{action} failed: unexpected error in the PayPal SDK")


def _from_status(exc: sdk_errors.ConnectionError, action: str) -> ProviderError:
    status = getattr(exc.response, "status_code", None)
    detail, debug_id = _paypal_detail(exc.content)
    log.warning("PayPal %s failed: HTTP %s, debug_id %s, %s", action, status, debug_id, detail)
    if status == 401:
        message = "PayPal rejected our credentials (check the client id and secret)"
        return ProviderError(PROVIDER, f"{action} failed: {message}", status=status)
    if status == 429:
        return ProviderError(PROVIDER, f"{action} failed: PayPal is rate limiting us", retryable=True, status=status)
    if status is not None and status >= 500:
        message = f"{action} failed: PayPal had an error (HTTP {status})"
        return ProviderError(PROVIDER, message, retryable=True, status=status)
    return ProviderError(PROVIDER, f"{action} failed: {detail or f'HTTP {status}'}", status=status)


def _paypal_detail(content: object) -> tuple[str | None, str | None]:
    """PayPal's own words from an error body (v1, v2 and OAuth shapes), and its debug id for the log."""
    try:
        error = json.loads(content) if isinstance(content, (str, bytes)) else None
    except ValueError:
        return None, None
    if not isinstance(error, dict):
        return None, None
    details = error.get("details")
    first = details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}
    text = first.get("description") or error.get("message") or error.get("error_description")
    issue = first.get("issue") or error.get("name") or error.get("error")
    if not text:
        return (str(issue) if issue else None), error.get("debug_id")
    detail = f"{text} ({issue})" if issue else str(text)
    return detail[:_MESSAGE_LIMIT], error.get("debug_id")
