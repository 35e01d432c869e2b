"""Webhook endpoints: read, verify, store, acknowledge. Applying the event happens after, from the store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.core.errors import ProviderError, Rejection, WebhookRejectedError
from bot.handlers.deps import Deps
from bot.handlers.doors import json_object, read_body, refusal
from bot.integrations import paypal_webhooks, stripe_webhooks, tickets_webhooks
from bot.integrations.paypal_verification import PayPalVerification, VerificationBusyError
from bot.observability.metrics import Metrics, WebhookOutcome
from bot.outbox.trouble import DeliveryTrouble
from bot.storage.db import DatabaseUnavailableError

log = logging.getLogger(__name__)

DEPS = web.AppKey("deps", Deps)
METRICS = web.AppKey("metrics", Metrics)
DELIVERY = web.AppKey("delivery", DeliveryTrouble)
PAYPAL_VERIFICATION = web.AppKey("paypal_verification", PayPalVerification)

RECEIVED = b'{"received": true}'


async def handle_stripe_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    secret = deps.settings.stripe_webhook_secret

    async def verify(raw: bytes) -> None:
        assert secret is not None
        stripe_webhooks.verify_signature(
            raw, request.headers.get("Stripe-Signature"), secret.get_secret_value(), deps.clock.now()
        )

    return await accept(
        request,
        "stripe",
        configured=secret is not None,
        verify=verify,
        identity=stripe_webhooks.event_identity,
        handled=stripe_webhooks.HANDLED_EVENTS,
    )


async def handle_paypal_webhook(request: web.Request) -> web.Response:
    verification = request.app.get(PAYPAL_VERIFICATION)

    async def verify(raw: bytes) -> None:
        assert verification is not None
        try:
            confirmed = await verification.verified(request.headers, raw, json_object)
        except VerificationBusyError as exc:
            raise WebhookRejectedError(503, str(exc), Rejection.BUSY) from None
        if not confirmed:
            raise WebhookRejectedError(400, "PayPal did not confirm this webhook's signature", Rejection.BAD_SIGNATURE)

    return await accept(
        request,
        "paypal",
        configured=verification is not None,
        verify=verify,
        identity=paypal_webhooks.event_identity,
        handled=paypal_webhooks.HANDLED_EVENTS,
    )


async def handle_tickets_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    secret = deps.settings.tickets_webhook_secret

    async def verify(raw: bytes) -> None:
        assert secret is not None
        tickets_webhooks.verify_signature(
            raw,
            request.headers.get(tickets_webhooks.TIMESTAMP_HEADER),
            request.headers.get(tickets_webhooks.SIGNATURE_HEADER),
            secret.get_secret_value(),
            deps.clock.now(),
        )

    return await accept(
        request,
        "tickets",
        configured=secret is not None,
        verify=verify,
        identity=tickets_webhooks.event_identity,
        handled=tickets_webhooks.EVENT_TYPES,
    )


async def handle_healthz(request: web.Request) -> web.Response:
    """503 only while the bot cannot keep what it is sent (no database, or the wrong schema): a container
    restarted or taken out of the load balancer for that is right. Messages failing to reach Slack make it
    "degraded" with 200: the bot still stores every event and retries, and no restart can invite it to a
    channel; the body says what fails and the fix, for a person or a monitor that reads it."""
    deps = request.app[DEPS]
    try:
        current, head = await deps.db.schema_state()
    except Exception as exc:  # a health check reports; it does not raise
        return web.json_response(
            {"ok": False, "status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}, status=503
        )
    if current != head:
        body = {"ok": False, "status": "unavailable", "database": f"schema {current}, needs {head}"}
        return web.json_response(body, status=503)
    trouble = request.app.get(DELIVERY)
    problems = trouble.problems() if trouble is not None else []
    body = {"ok": True, "status": "degraded" if problems else "ok", "database": "ok", "slack": problems or "ok"}
    if deps.mailbox is not None:
        # A refused mailbox login stops intake silently otherwise: it makes the bot unhealthy.
        mailbox = deps.mailbox.status
        body["mailbox"] = mailbox.state if mailbox.detail is None else f"{mailbox.state}: {mailbox.detail}"
        if not mailbox.ok:
            body |= {"ok": False, "status": "unavailable"}
            return web.json_response(body, status=503)
    return web.json_response(body)


async def accept(
    request: web.Request,
    provider: str,
    *,
    configured: bool,
    verify: Callable[[bytes], Any],
    identity: Callable[[dict[str, Any]], tuple[str, str]],
    handled: frozenset[str],
    wrap: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> web.Response:
    """Answer one delivery, and count it by how it was answered: the one place every webhook answer passes.

    `wrap` turns the parsed body into what is stored, for desks that name the event in a header.
    """
    metrics = request.app[METRICS]
    try:
        outcome, response = await _receive(
            request,
            provider,
            configured=configured,
            verify=verify,
            identity=identity,
            handled=handled,
            wrap=wrap,
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
    verify: Callable[[bytes], Any],
    identity: Callable[[dict[str, Any]], tuple[str, str]],
    handled: frozenset[str],
    wrap: Callable[[dict[str, Any]], dict[str, Any]] | None,
) -> tuple[str, web.Response]:
    deps = request.app[DEPS]
    if not configured:
        # 503 rather than 4xx: the provider keeps retrying, so nothing is lost while the secret is being set.
        return WebhookOutcome.UNCONFIGURED, refusal(503, f"{provider} webhooks are not configured on this bot")
    try:
        raw = await read_body(request)
        # The signature first, on the raw bytes: a stranger's body is never parsed (PayPal's is, to ask PayPal,
        # but only within PayPalVerification's cap).
        await verify(raw)
        event = json_object(raw)
        if wrap is not None:
            event = wrap(event)
        event_id, event_type = identity(event)
        # The body as sent is what is stored, unless it was wrapped: then only the wrapped event says it all.
        body = raw if wrap is None else None
        stored = await deps.inbound.record(
            provider, event_id, event_type, event, handled=event_type in handled, body=body
        )
    except WebhookRejectedError as exc:
        log.warning("%s webhook rejected (%d): %s", provider, exc.status, exc.reason)
        return exc.kind, refusal(exc.status, exc.reason)
    except ProviderError as exc:
        log.warning("%s webhook not verified: %s", provider, exc)
        answer = refusal(503 if exc.retryable else 500, f"could not verify with {provider} right now")
        return WebhookOutcome.UNVERIFIED, answer
    except DatabaseUnavailableError:
        log.error("%s webhook: database unavailable; answering 503 so the sender retries", provider)
        return WebhookOutcome.STORAGE_UNAVAILABLE, refusal(503, "storage unavailable, retry later")
    outcome = WebhookOutcome.ACCEPTED if stored else WebhookOutcome.DUPLICATE
    # json_response({"received": True}), without encoding the same JSON for every delivery.
    return outcome, web.Response(body=RECEIVED, content_type="application/json", charset="utf-8")
