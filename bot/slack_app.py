"""The Bolt app: listeners registered in one place, reading like the manifest, with `deps` in every context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.handlers import (
    action_commands,
    alert_buttons,
    card_buttons,
    confirmations,
    home,
    lookup_commands,
    support_command,
    tone_buttons,
)


def build_slack_app(deps: Deps, client: AsyncWebClient) -> AsyncApp:
    secret = deps.settings.slack_signing_secret
    app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode requests are not signed (the socket is authenticated instead).
        request_verification_enabled=secret is not None,
        process_before_response=False,
    )

    @app.middleware
    async def _put_deps_in_context(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:  # noqa: A002
        context["deps"] = deps
        await next()

    @app.middleware
    async def _drop_redelivered_events(
        body: dict[str, Any],
        next: Callable[[], Awaitable[None]],  # noqa: A002
    ) -> BoltResponse | None:
        # Slack redelivers an event it thinks we missed; answering it twice would double every reply.
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and isinstance(event_id, str):
            event_type = str((body.get("event") or {}).get("type", "event"))
            if not await deps.inbound.first_delivery("slack", event_id, event_type):
                return BoltResponse(status=200, body="")
        await next()
        return None

    support_command.register(app)
    action_commands.register(app)
    lookup_commands.register(app)
    card_buttons.register(app)
    confirmations.register(app)
    tone_buttons.register(app)
    alert_buttons.register(app)
    home.register(app)
    return app
