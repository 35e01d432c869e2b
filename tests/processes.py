"""`supportbot serve` as the real thing: its own process, configured only by SUPPORTBOT_* variables."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import asyncpg

from bot.fakes.slack import FakeSlack
from tests.builders import STRIPE_SECRET, TICKETS_SECRET
from tests.conftest import ADMIN_DSN
from tests.harness import SIGNING_SECRET

# Docker gives a container 10 s between SIGTERM and SIGKILL; the bot's own stop is bounded below that.
STOP_GRACE_SECONDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_env(database_url: str, slack: FakeSlack, port: int, **settings: str) -> dict[str, str]:
    """This environment without any SUPPORTBOT_* of the caller's, plus the bot's settings; `settings` by name."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SUPPORTBOT_")}
    return (
        env
        | {
            "SUPPORTBOT_HOST": "127.0.0.1",
            "SUPPORTBOT_PORT": str(port),
            "SUPPORTBOT_DATABASE_URL": database_url,
            "SUPPORTBOT_SLACK_BOT_TOKEN": slack.token,
            "SUPPORTBOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SUPPORTBOT_SLACK_API_URL": str(slack.base_url),
            "SUPPORTBOT_STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
            "SUPPORTBOT_TICKETS_WEBHOOK_SECRET": TICKETS_SECRET,
            "SUPPORTBOT_CHANNEL_SALES": "C0SALES",
        }
        | {f"SUPPORTBOT_{name.upper()}": value for name, value in settings.items()}
    )


@asynccontextmanager
async def serving(env: dict[str, str], log: Path | None = None) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot serve`, healthy, for the block; stopped with SIGTERM after it unless already gone.

    `log` collects its output, printed (so pytest shows it) when the block fails; without it, it is dropped.
    """
    output = log.open("ab") if log is not None else None
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            env=env,
            stdout=output or asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.STDOUT if output else asyncio.subprocess.DEVNULL,
        )
        try:
            await _wait_healthy(f"http://127.0.0.1:{env['SUPPORTBOT_PORT']}/healthz", process)
            yield process
        except BaseException:
            if log is not None:
                tail = log.read_text().splitlines()[-40:]  # noqa: ASYNC240 - a small local file, once
                print(f"--- the end of {log.name}:", *tail, sep="\n")
            raise
        finally:
            if process.returncode is None:
                await _stop(process, log)
    finally:
        if output is not None:
            output.close()


async def _stop(process: asyncio.subprocess.Process, log: Path | None) -> None:
    """SIGTERM, as Docker and systemd stop it: the bot must be gone well within Docker's 10 s grace.

    One that is not is killed all the same, so it cannot outlive the test and trouble the next one, and the
    test fails with the end of its log.
    """
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_GRACE_SECONDS)
    except TimeoutError:
        await kill(process)
        tail = log.read_text().splitlines()[-40:] if log is not None else []  # noqa: ASYNC240 - small, once
        print(f"--- the end of {log.name if log else 'its output'}:", *tail, sep="\n")
        raise AssertionError(f"supportbot serve did not stop within {STOP_GRACE_SECONDS} s of SIGTERM") from None


async def kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL: no clean-up of any kind, as when the machine or the container dies."""
    process.kill()
    await process.wait()


async def _wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            if process.returncode is not None:
                raise RuntimeError(f"supportbot serve exited with {process.returncode}")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("supportbot serve did not become healthy")


@asynccontextmanager
async def new_postgres_database() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own (no schema: the bot creates it), dropped afterwards."""
    name = f"supportbot_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_DSN, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(ADMIN_DSN, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
