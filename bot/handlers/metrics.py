"""GET /metrics: the bot's counters and its queues, in the format Prometheus scrapes."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.handlers.webhooks import DEPS, METRICS
from bot.observability.metrics import read_queues
from bot.storage.db import DatabaseUnavailableError
from bot.tone.retrain import version_in_use

log = logging.getLogger(__name__)


async def handle_metrics(request: web.Request) -> web.Response:
    deps, metrics = request.app[DEPS], request.app[METRICS]
    try:
        queues = await read_queues(deps.db, deps.clock.now())
        # A retraining by any replica changes the version verdicts are given with: read it as the queues are.
        async with deps.db.transaction(read_only=True) as session:
            metrics.tone_model_in_use(await version_in_use(session))
    except DatabaseUnavailableError as exc:
        # The counters are still worth having while the database is away; supportbot_database_up says so.
        log.warning("metrics: database unavailable (%s); reporting counters only", type(exc).__name__)
        queues = None
    body, content_type = metrics.exposition(queues, request.headers.get("Accept"))
    return web.Response(body=body, headers={"Content-Type": content_type})
