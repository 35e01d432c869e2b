"""POST /slack/events over HTTP: Slack's signature checked, and the body's shape, before Bolt sees the request.

Bolt parses a body before it checks the signature (a deep or huge JSON body crashes it: 500), its signature
check raises on a non-numeric timestamp, and it logs a badly signed request's whole body. So the door checks
first, with the same rules as the webhooks, and hands Bolt only requests signed by Slack that it can read.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.errors import Rejection, WebhookRejectedError
from bot.handlers.doors import json_object, read_body, refusal
from bot.inbound.bounded_json import MalformedJsonError, decode_utf8

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
# A signed request is good for five minutes (Slack says so, and Bolt checks the same).
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def slack_endpoint(
    bolt: AsyncApp, signing_secret: str | None, *, wall_clock: Callable[[], float]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler for Slack's requests. `wall_clock` is the bot's now (its Clock), in unix seconds: the
    only check of the signature's age, since Bolt's own check (on the machine's clock) is turned off."""

    async def handle_slack_request(request: web.Request) -> web.Response:
        try:
            raw = await read_body(request)
            if signing_secret is not None:
                check_signature(raw, request.headers, signing_secret, wall_clock())
            text = readable_body(raw, request.headers.get("Content-Type"))
        except WebhookRejectedError as exc:
            log.warning("slack request rejected (%d): %s", exc.status, exc.reason)
            return refusal(exc.status, exc.reason)
        bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return handle_slack_request


def check_signature(raw: bytes, headers: Mapping[str, str], secret: str, now: float) -> None:
    """Slack's v0 signature over the raw bytes (whatever they are), or 401 saying what is wrong."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise WebhookRejectedError(401, f"{TIMESTAMP_HEADER} is not a unix time", Rejection.BAD_SIGNATURE)
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise WebhookRejectedError(401, "the request was signed too long ago", Rejection.REPLAYED)
    signed = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    offered = headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(expected.encode(), offered.encode("utf-8", "replace")):
        raise WebhookRejectedError(401, "the signature does not match", Rejection.BAD_SIGNATURE)


def readable_body(raw: bytes, content_type: str | None) -> str:
    """The body as text, if Bolt can parse it without failing: the same choices as Bolt's `parse_body`."""
    try:
        text = decode_utf8(raw)
    except MalformedJsonError as exc:
        raise WebhookRejectedError(400, str(exc)) from None
    if not text:
        return text
    if (content_type or "").split(";")[0] == "application/json" or text.startswith("{"):
        json_object(text)
    elif "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is not None:
            json_object(payload)
    return text
