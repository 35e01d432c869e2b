"""What every HTTP door does before any work: read a bounded body, refuse what is malformed, answer 4xx at once.

The webhooks and Slack's endpoint read their bodies here and parse them with `bot.inbound.bounded_json`, after their
signature check, so a stranger's request costs a read and an HMAC, never a parse, a log of the body or a 500.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.core.errors import Rejection, WebhookRejectedError
from bot.inbound.bounded_json import MalformedJsonError, parse_object

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


async def read_body(request: web.Request) -> bytes:
    """The raw body, or 413 when it is over MAX_BODY_BYTES (the application's `client_max_size`)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise WebhookRejectedError(413, "request body over 1 MiB", Rejection.TOO_LARGE)
    try:
        return await request.read()  # the application's client_max_size stops a chunked body at 1 MiB
    except web.HTTPRequestEntityTooLarge:
        raise WebhookRejectedError(413, "request body over 1 MiB", Rejection.TOO_LARGE) from None


def json_object(raw: bytes | str) -> dict:
    """The JSON object in a body, or 400 saying in one line what is wrong with it."""
    try:
        return parse_object(raw)
    except MalformedJsonError as exc:
        raise WebhookRejectedError(400, str(exc)) from None


def refusal(status: int, message: str) -> web.Response:
    response = web.json_response({"error": message}, status=status)
    if status == 413:
        # The body was left unread, and the sender may still be sending it: this connection cannot carry another
        # request. `Connection: close` tells the client so, and aiohttp closes it once it has drained what is in
        # flight (its lingering close, at most 10 s) rather than keeping it alive for more.
        response.force_close()
    return response
