"""The baseline for bench/ingest.py: an aiohttp app that only reads the webhook body and answers 200.

Same aiohttp, same body limit and same way of running (its own process, access log off) as `supportbot serve`,
so the difference between the two is what the bot does per webhook: verify, parse, store, commit.
"""

from __future__ import annotations

import argparse
import asyncio

from _serve_app import serve_until_signalled
from aiohttp import web

MAX_BODY_BYTES = 1024 * 1024  # as bot.handlers.doors.MAX_BODY_BYTES


async def webhook(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"received": True})


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def main(port: int) -> None:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post("/webhooks/stripe", webhook)
    app.router.add_get("/healthz", healthz)
    await serve_until_signalled(app, port)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
