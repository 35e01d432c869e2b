"""Opening an offered modal in Slack: at once from the trigger, then redrawn when a provider's part is known."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.actions.offers import Offer

log = logging.getLogger(__name__)


async def open_offer(client: AsyncWebClient, trigger_id: str, offer: Offer) -> None:
    opened = await client.views_open(trigger_id=trigger_id, view=offer.view)
    if offer.then is not None:
        await _update(client, opened, await offer.then())


async def _update(client: AsyncWebClient, opened: Any, view: dict[str, Any]) -> None:
    opened_view = opened.get("view") or {}
    try:
        await client.views_update(view_id=opened_view.get("id"), hash=opened_view.get("hash"), view=view)
    except SlackApiError as exc:
        # The person closed the modal meanwhile (not_found) or it changed (hash_conflict): nothing to update.
        log.info("modal not updated: %s", exc.response.get("error"))
