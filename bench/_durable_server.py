"""The second baseline for bench/ingest.py: the least a durable acknowledgement can do.

aiohttp reads the body, checks Stripe's signature (HMAC-SHA256 of `t.body`, within five minutes), parses the
JSON, and hands the row to one writer that inserts every delivery waiting at that moment into SQLite (WAL, the
bot's pragmas: synchronous=FULL) and commits them together; each request is answered only after its commit.
No ORM, no de-duplication, no applying. `supportbot serve` cannot be faster than this and stay durable, so
its throughput is compared with this as well as with the bare handler.

With `--postgres URL` the rows go to PostgreSQL instead (asyncpg, one connection, the batch inserted with one
executemany in one transaction), for `bench/ingest.py --postgres`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import sqlite3
import time
from pathlib import Path

import asyncpg
from _serve_app import serve_until_signalled
from aiohttp import web

MAX_BODY_BYTES = 1024 * 1024  # as bot.handlers.doors.MAX_BODY_BYTES
TOLERANCE_SECONDS = 300  # Stripe's default


def verified(body: bytes, header: str, secret: str) -> bool:
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


Row = tuple[str, str, str, str, float]


class GroupCommit:
    """One writer at a time; deliveries that arrive while it commits go together in the next commit."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Row, asyncio.Future[None]]] = []
        self._writing = False
        self._writer: asyncio.Task[None] | None = None  # kept: the loop holds tasks only weakly

    async def store(self, row: Row) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if not self._writing:
            self._writing = True
            self._writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._commit([row for row, _ in batch])
                for _, done in batch:
                    done.set_result(None)
        finally:
            self._writing = False

    async def _commit(self, rows: list[Row]) -> None:
        raise NotImplementedError


class SqliteGroupCommit(GroupCommit):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS inbound_events (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, "
            "provider_event_id TEXT NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL, received_at REAL)"
        )

    async def _commit(self, rows: list[Row]) -> None:
        await asyncio.to_thread(self._commit_in_thread, rows)

    def _commit_in_thread(self, rows: list[Row]) -> None:
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT INTO inbound_events (provider, provider_event_id, event_type, payload, received_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        self._db.execute("COMMIT")


class PostgresGroupCommit(GroupCommit):
    def __init__(self, connection: asyncpg.Connection) -> None:
        super().__init__()
        self._db = connection

    @classmethod
    async def open(cls, url: str) -> PostgresGroupCommit:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS inbound_events (id BIGSERIAL PRIMARY KEY, provider TEXT NOT NULL, "
            "provider_event_id TEXT NOT NULL, event_type TEXT NOT NULL, payload JSONB NOT NULL, received_at FLOAT8)"
        )
        return cls(connection)

    async def _commit(self, rows: list[Row]) -> None:
        async with self._db.transaction():
            await self._db.executemany(
                "INSERT INTO inbound_events (provider, provider_event_id, event_type, payload, received_at) "
                "VALUES ($1, $2, $3, $4::jsonb, $5)",
                rows,
            )


def make_app(store: GroupCommit, secret: str) -> web.Application:
    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        if not verified(body, request.headers.get("Stripe-Signature", ""), secret):
            return web.json_response({"error": "bad signature"}, status=400)
        try:
            event = json.loads(body)
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        await store.store(("stripe", str(event.get("id")), str(event.get("type")), body.decode(), time.time()))
        return web.json_response({"received": True})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post("/webhooks/stripe", webhook)
    app.router.add_get("/healthz", healthz)
    return app


async def main(port: int, database: Path | None, postgres: str | None, secret: str) -> None:
    store = await PostgresGroupCommit.open(postgres) if postgres else SqliteGroupCommit(database or Path("durable.db"))
    await serve_until_signalled(make_app(store, secret), port)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", type=Path, help="a SQLite file")
    where.add_argument("--postgres", help="a PostgreSQL database URL")
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.database, args.postgres, args.secret))
