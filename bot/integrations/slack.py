"""Posting to Slack through the SDK, with Slack's failures translated into what the outbox needs to decide; and
telling one person privately through the `response_url` their click or command came with."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.errors import ProviderError
from bot.observability.metrics import Metrics, SlackOutcome

METADATA_EVENT = "supportbot_outbox"

# Errors that say the message itself is wrong: sending it again cannot help.
_MESSAGE_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "too_many_attachments",
        "cant_update_message",
        "edit_window_closed",
        "message_not_found",
        "thread_not_found",
        "view_too_large",
    }
)


class Message(Protocol):
    """A message as drawn (bot.cards.blocks.Card is one): what notifications say, and the blocks people see."""

    @property
    def text(self) -> str: ...

    @property
    def blocks(self) -> list[dict[str, Any]]: ...


class SlackRateLimitedError(ProviderError):
    def __init__(self, retry_after: float):
        super().__init__("slack", f"rate limited, retry after {retry_after:g} s", retryable=True, status=429)
        self.retry_after = retry_after


class SlackPoster:
    """The few Web API calls the outbox makes. `client` is built by the caller so tests can aim it at a fake."""

    def __init__(self, client: AsyncWebClient, metrics: Metrics | None = None):
        self.client = client
        self.metrics = metrics

    async def post(self, channel: str, card: Message, *, thread_ts: str | None, outbox_id: int) -> str:
        response = await self._call(
            self.client.chat_postMessage,
            channel=channel,
            text=card.text,
            blocks=card.blocks,
            thread_ts=thread_ts,
            metadata=_metadata(outbox_id),
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    async def update(self, channel: str, ts: str, card: Message, *, outbox_id: int) -> None:
        await self._call(
            self.client.chat_update,
            channel=channel,
            ts=ts,
            text=card.text,
            blocks=card.blocks,
            metadata=_metadata(outbox_id),
        )

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self._call(self.client.views_publish, user_id=user_id, view=view)

    async def upload_png(self, filename: str, content: bytes, title: str) -> str:
        """Upload an image to Slack, shared nowhere, and return its file id (for an image block's slack_file)."""
        try:
            response = await self._call(self.client.files_upload_v2, filename=filename, content=content, title=title)
        except SlackRequestError as exc:  # the bytes' own upload (step 2 of 3) failed
            raise ProviderError("slack", f"file upload failed ({exc})", retryable=True) from None
        return str(response["file"]["id"])

    async def find_posted(self, channel: str, outbox_id: int, *, thread_ts: str | None, since: datetime) -> str | None:
        """The ts of a message an earlier attempt posted for `outbox_id`, if that attempt reached Slack."""
        oldest = f"{(since - timedelta(minutes=5)).timestamp():.6f}"
        cursor: str | None = None
        for _page in range(20):
            if thread_ts:
                response = await self._call(
                    self.client.conversations_replies,
                    channel=channel,
                    ts=thread_ts,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            else:
                response = await self._call(
                    self.client.conversations_history,
                    channel=channel,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            for message in response.get("messages") or []:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("outbox_id") == outbox_id:
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
        return None

    async def _call(self, method: Any, **kwargs: Any) -> Any:
        try:
            response = await method(**{k: v for k, v in kwargs.items() if v is not None})
        except SlackApiError as exc:
            error = _translate(exc)
            self._count(method, SlackOutcome.RATE_LIMITED if error.status == 429 else SlackOutcome.ERROR)
            raise error from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            self._count(method, SlackOutcome.UNREACHABLE)
            raise ProviderError("slack", f"no answer from Slack ({type(exc).__name__})", retryable=True) from None
        self._count(method, SlackOutcome.OK)
        return response

    def _count(self, method: Any, outcome: SlackOutcome) -> None:
        if self.metrics is not None:
            # The SDK's method names are Slack's with the first dot as an underscore: chat_postMessage.
            self.metrics.slack_call(method.__name__.replace("_", ".", 1), outcome)


class SlackResponseUrls:
    """Ephemeral answers through a `response_url`: Slack's way to reach the person who clicked or typed, and no one
    else, for 30 minutes after. The URL was checked to be Slack's when it arrived (bot.policies.urls)."""

    def __init__(self, timeout_seconds: int = 5):
        self.timeout_seconds = timeout_seconds

    async def tell_privately(self, response_url: str, text: str) -> None:
        client = AsyncWebhookClient(response_url, timeout=self.timeout_seconds)
        try:
            response = await client.send(text=text, response_type="ephemeral", replace_original=False)
        except (TimeoutError, aiohttp.ClientError, SlackRequestError, OSError) as exc:
            raise ProviderError("slack", f"no answer from Slack ({type(exc).__name__})", retryable=True) from None
        if response.status_code != 200:
            # Expired (after 30 minutes, or 5 uses), or the message refused: Slack answers 404 or 400, not an error.
            raise ProviderError("slack", f"response_url answered HTTP {response.status_code}: {response.body[:100]}")


def _metadata(outbox_id: int) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": outbox_id}}


def _translate(exc: SlackApiError) -> ProviderError:
    status = exc.response.status_code
    if status == 429:
        retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or "1"
        try:
            return SlackRateLimitedError(max(float(retry_after), 0.5))
        except ValueError:
            return SlackRateLimitedError(1.0)
    error = (
        str(exc.response.get("error") or f"HTTP {status}") if isinstance(exc.response.data, dict) else f"HTTP {status}"
    )
    return ProviderError("slack", error, retryable=error not in _MESSAGE_ERRORS, status=status)
