"""The App Home tab: publish a person's desk when they open it."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.core.slack_ids import Event
from bot.handlers.deps import Deps
from bot.handlers.errors import answered

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


def register(app: AsyncApp) -> None:
    app.event(Event.APP_HOME_OPENED)(answered(handle_home_opened))


async def handle_home_opened(event: dict[str, Any], deps: Deps) -> None:
    # The same event fires for the Messages and About tabs; only the Home tab is ours to draw.
    user = str(event.get("user") or "")
    if event.get("tab") != "home" or not _USER_ID.fullmatch(user):
        return
    await deps.open_home(user)
