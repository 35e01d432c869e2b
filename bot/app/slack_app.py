"""The Bolt app: listeners registered in one place, reading like the manifest, with `deps` in every context."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers import (
    action_commands,
    alert_buttons,
    approval_buttons,
    card_buttons,
    confirmations,
    home,
    lookup_commands,
    support_command,
    tone_buttons,
)
from bot.handlers.deps import Deps
from bot.handlers.errors import handle_error


def build_slack_app(deps: Deps, client: AsyncWebClient) -> AsyncApp:
    secret = deps.settings.slack_signing_secret
    app = AsyncApp(
        client=client,
        logger=bolt_logger(),
        signing_secret=secret.get_secret_value() if secret else None,
        # Over HTTP the door (bot/handlers/slack_events.py) has checked the signature already, against the bot's
        # own clock; Socket Mode requests are not signed (the socket is authenticated instead).
        request_verification_enabled=False,
        process_before_response=False,
    )

    @app.middleware
    async def _put_deps_in_context(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        context["deps"] = deps
        await next()

    @app.middleware
    async def _drop_redelivered_events(
        body: dict[str, Any],
        next: Callable[[], Awaitable[None]],
    ) -> BoltResponse | None:
        # Slack redelivers an event it thinks we missed; answering it twice would double every reply.
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and isinstance(event_id, str):
            event_type = str((body.get("event") or {}).get("type", "event"))
            if not await deps.inbound.first_delivery("slack", event_id, event_type):
                return BoltResponse(status=200, body="")
        await next()
        return None

    # Listeners answer their own failures (handlers.errors.answered); this answers a middleware's the same way.
    app.error(handle_error)

    support_command.register(app)
    action_commands.register(app)
    lookup_commands.register(app)
    card_buttons.register(app)
    confirmations.register(app)
    tone_buttons.register(app)
    alert_buttons.register(app)
    approval_buttons.register(app)
    home.register(app)
    return app


def bolt_logger() -> logging.Logger:
    """The logger Bolt's own loggers copy their level from: WARNING, whatever the root's level.

    Bolt makes a logger per class and, unless given one, sets each to the root logger's level: at INFO it then
    logs the whole body of a badly signed request (a stranger's text, a `response_url`, an email address).
    """
    logger = logging.getLogger("slack_bolt.supportbot")
    logger.setLevel(logging.WARNING)
    return logger
