"""What the work done for one HTTP request carries: its request id (for every log line) and the metrics it counts in."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.handlers.webhooks import METRICS
from bot.observability import logs, metrics

REQUEST_ID_HEADER = "X-Request-Id"


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Take the caller's request id or make one, keep it for the request's log lines, and send it back."""
    request_id = logs.accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
    # Tasks the request starts (a Bolt listener, the inbound writer) copy both; the reset keeps the next request
    # on a kept-alive connection from inheriting them.
    request_id_token = logs.request_id.set(request_id)
    metrics_token = metrics.bind(request.app[METRICS])
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a 404 or 405 from routing: still tell the caller which request it was
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        metrics.unbind(metrics_token)
        logs.request_id.reset(request_id_token)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
