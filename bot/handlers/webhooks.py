"""Webhook endpoints: read, verify, store, acknowledge. Applying the event happens after, from the store."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.db import DatabaseUnavailableError
from bot.deps import Deps
from bot.errors import ProviderError, Rejection, WebhookRejectedError
from bot.integrations import paypal_webhooks, stripe_webhooks, tickets_webhooks
from bot.metrics import Metrics, WebhookOutcome

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
DEPS = web.AppKey("deps", Deps)
METRICS = web.AppKey("metrics", Metrics)


async def handle_stripe_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    secret = deps.settings.stripe_webhook_secret

    async def verify(raw: bytes, _event: dict[str, Any]) -> None:
        assert secret is not None
        stripe_webhooks.verify_signature(
            raw, request.headers.get("Stripe-Signature"), secret.get_secret_value(), deps.clock.now()
        )

    return await _accept(
        request,
        "stripe",
        configured=secret is not None,
        verify=verify,
        identity=stripe_webhooks.event_identity,
        handled=stripe_webhooks.HANDLED_EVENTS,
        verify_before_parse=True,
    )


async def handle_paypal_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]

    async def verify(_raw: bytes, event: dict[str, Any]) -> None:
        assert deps.paypal is not None
        if not await deps.paypal.verify_webhook(request.headers, event):
            raise WebhookRejectedError(400, "PayPal did not confirm this webhook's signature", Rejection.BAD_SIGNATURE)

    return await _accept(
        request,
        "paypal",
        configured=deps.paypal is not None,
        verify=verify,
        identity=paypal_webhooks.event_identity,
        handled=paypal_webhooks.HANDLED_EVENTS,
    )


async def handle_tickets_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    secret = deps.settings.tickets_webhook_secret

    async def verify(raw: bytes, _event: dict[str, Any]) -> None:
        assert secret is not None
        tickets_webhooks.verify_signature(
            raw,
            request.headers.get(tickets_webhooks.TIMESTAMP_HEADER),
            request.headers.get(tickets_webhooks.SIGNATURE_HEADER),
            secret.get_secret_value(),
            deps.clock.now(),
        )

    return await _accept(
        request,
        "tickets",
        configured=secret is not None,
        verify=verify,
        identity=tickets_webhooks.event_identity,
        handled=tickets_webhooks.EVENT_TYPES,
        verify_before_parse=True,
    )


async def handle_healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    try:
        current, head = await deps.db.schema_state()
    except Exception as exc:  # a health check reports; it does not raise
        return web.json_response({"ok": False, "database": f"unreachable: {type(exc).__name__}"}, status=503)
    ok = current == head
    body: dict[str, Any] = {"ok": ok, "database": "ok" if ok else f"schema {current}, needs {head}"}
    if deps.mailbox is not None:
        # A refused mailbox login stops intake silently otherwise: it makes the bot unhealthy.
        status = deps.mailbox.status
        body["mailbox"] = status.state if status.detail is None else f"{status.state}: {status.detail}"
        ok = ok and status.ok
        body["ok"] = ok
    return web.json_response(body, status=200 if ok else 503)


async def _accept(
    request: web.Request,
    provider: str,
    *,
    configured: bool,
    verify: Callable[[bytes, dict[str, Any]], Any],
    identity: Callable[[dict[str, Any]], tuple[str, str]],
    handled: frozenset[str],
    verify_before_parse: bool = False,
) -> web.Response:
    """Answer one delivery, and count it by how it was answered: the one place every webhook answer passes."""
    metrics = request.app[METRICS]
    try:
        outcome, response = await _receive(
            request,
            provider,
            configured=configured,
            verify=verify,
            identity=identity,
            handled=handled,
            verify_before_parse=verify_before_parse,
        )
    except Exception:
        metrics.webhook(provider, WebhookOutcome.ERROR)
        raise
    metrics.webhook(provider, outcome)
    return response


async def _receive(
    request: web.Request,
    provider: str,
    *,
    configured: bool,
    verify: Callable[[bytes, dict[str, Any]], Any],
    identity: Callable[[dict[str, Any]], tuple[str, str]],
    handled: frozenset[str],
    verify_before_parse: bool,
) -> tuple[str, web.Response]:
    deps = request.app[DEPS]
    if not configured:
        # 503 rather than 4xx: the provider keeps retrying, so nothing is lost while the secret is being set.
        return WebhookOutcome.UNCONFIGURED, _answer(503, f"{provider} webhooks are not configured on this bot")
    try:
        raw = await _read_body(request)
        if verify_before_parse:
            await verify(raw, {})
        event = _parse_json(raw)
        if not verify_before_parse:
            await verify(raw, event)
        event_id, event_type = identity(event)
        stored = await deps.inbound.record(provider, event_id, event_type, event, handled=event_type in handled)
    except WebhookRejectedError as exc:
        log.warning("%s webhook rejected (%d): %s", provider, exc.status, exc.reason)
        return exc.kind, _answer(exc.status, exc.reason)
    except ProviderError as exc:
        log.warning("%s webhook not verified: %s", provider, exc)
        answer = _answer(503 if exc.retryable else 500, f"could not verify with {provider} right now")
        return WebhookOutcome.UNVERIFIED, answer
    except DatabaseUnavailableError:
        log.error("%s webhook: database unavailable; answering 503 so the sender retries", provider)
        return WebhookOutcome.STORAGE_UNAVAILABLE, _answer(503, "storage unavailable, retry later")
    outcome = WebhookOutcome.ACCEPTED if stored else WebhookOutcome.DUPLICATE
    return outcome, web.json_response({"received": True})


async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise WebhookRejectedError(413, "request body over 1 MiB", Rejection.TOO_LARGE)
    try:
        return await request.read()  # the application's client_max_size stops a chunked body at 1 MiB
    except web.HTTPRequestEntityTooLarge:
        raise WebhookRejectedError(413, "request body over 1 MiB", Rejection.TOO_LARGE) from None


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookRejectedError(400, f"malformed JSON: {exc}") from None
    if not isinstance(event, dict):
        raise WebhookRejectedError(400, "the body must be a JSON object")
    return event


def _answer(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
