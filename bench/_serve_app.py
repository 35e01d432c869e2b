"""Running a baseline's aiohttp app as `supportbot serve` runs: its own process, access log off, until signalled."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from aiohttp import web


async def serve_until_signalled(app: web.Application, port: int) -> None:
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
