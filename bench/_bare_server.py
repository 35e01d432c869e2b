"""The baseline for bench/ingest.py: an aiohttp app that only reads the webhook body and answers 200.

Same aiohttp, same body limit and same way of running (its own process, access log off) as `supportbot serve`,
so the difference between the two is what the bot does per webhook: verify, parse, store, commit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

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
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
