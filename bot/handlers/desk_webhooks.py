"""Help desks' webhook endpoints: each verifies its desk's own signature on the raw body, then stores the
delivery like every other webhook (bot/handlers/webhooks.py); applying it happens after, from the store."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.handlers.webhooks import DEPS, accept
from bot.integrations.desk_events import conversations, freescout, freshdesk, helpscout, zendesk
from bot.integrations.desk_events.conversations import ConversationDesk


async def handle_helpscout_webhook(request: web.Request) -> web.Response:
    return await _conversation_webhook(request, helpscout.DESK, request.app[DEPS].settings.helpscout_webhook_secret)


async def handle_freescout_webhook(request: web.Request) -> web.Response:
    return await _conversation_webhook(request, freescout.DESK, request.app[DEPS].settings.freescout_webhook_secret)


async def _conversation_webhook(request: web.Request, desk: ConversationDesk, secret: SecretStr | None) -> web.Response:
    async def verify(raw: bytes) -> None:
        assert secret is not None
        conversations.verify_signature(desk, raw, request.headers.get(desk.signature_header), secret.get_secret_value())

    def wrap(body: dict[str, Any]) -> dict[str, Any]:
        return conversations.envelope(desk, request.headers.get(desk.event_header), body)

    return await accept(
        request,
        desk.source,
        # An empty secret would let anyone sign: treated as not set.
        configured=_set(secret),
        verify=verify,
        identity=conversations.event_identity,
        handled=conversations.EVENTS,
        wrap=wrap,
    )


async def handle_zendesk_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    secret = deps.settings.zendesk_webhook_secret

    async def verify(raw: bytes) -> None:
        assert secret is not None
        zendesk.verify_signature(
            raw,
            request.headers.get(zendesk.TIMESTAMP_HEADER),
            request.headers.get(zendesk.SIGNATURE_HEADER),
            secret.get_secret_value(),
            deps.clock.now(),
        )

    return await accept(
        request,
        zendesk.SOURCE,
        # The events name people by id only: without the API to look them up, they cannot be shown.
        configured=_set(secret) and zendesk.SOURCE in deps.providers.desks,
        verify=verify,
        identity=zendesk.event_identity,
        handled=zendesk.EVENTS,
    )


async def handle_freshdesk_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    secret = deps.settings.freshdesk_webhook_secret

    async def verify(_raw: bytes) -> None:
        assert secret is not None
        freshdesk.verify_token(request.headers.get(freshdesk.TOKEN_HEADER), secret.get_secret_value())

    return await accept(
        request,
        freshdesk.SOURCE,
        # A delivery says only which ticket changed: without the API to read it back, nothing can be shown.
        configured=_set(secret) and freshdesk.SOURCE in deps.providers.desks,
        verify=verify,
        identity=freshdesk.event_identity,
        handled=freshdesk.EVENTS,
    )


def _set(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value())
