"""Storing verified webhook deliveries before they are acknowledged, many deliveries to one commit.

A request waits until its event is committed; while one commit is under way the next requests gather
behind it and share the following one, so the database's per-commit cost is paid per batch. A batch the
database refuses is stored again one delivery at a time, so that one unstorable delivery fails alone.

Only what durability needs happens here: one Core INSERT per batch (no session, no unit of work), and the
body stored as the provider sent it, not decoded and encoded again; it is parsed where it is applied.
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import re
import sqlite3
from collections.abc import Callable
from enum import Enum
from typing import Any

from sqlalchemy import Text, bindparam, cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.clock import Clock
from bot.core.errors import WebhookRejectedError
from bot.integrations.values import storable
from bot.storage.db import Database, DatabaseUnavailableError
from bot.storage.models.inbound import InboundEvent, InboundStatus

# Webhooks count as arriving fast (a rush) from this many a second, over the last RUSH_WINDOW_SECONDS: near what
# one core can acknowledge and apply both (about 0.2 ms to acknowledge one, 0.3 ms to apply it, on SQLite).
RUSH_PER_SECOND = 1000
RUSH_WINDOW_SECONDS = 0.1
# ... and as arriving at all when one was stored this recently.
BUSY_SECONDS = 1.0


class Load(Enum):
    """How fast webhooks are arriving, for applying to make way for their acknowledgements."""

    QUIET = "quiet"
    BUSY = "busy"
    RUSH = "rush"


class InboundLog:
    def __init__(self, db: Database, clock: Clock, on_stored: Callable[[], None] = lambda: None):
        self.db = db
        self.clock = clock
        self.on_stored = on_stored
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._last_stored = float("-inf")
        self._recent: collections.deque[tuple[float, int]] = collections.deque()  # (stored at, how many)
        self._recent_count = 0
        self._writer: asyncio.Task[None] | None = None
        dialect = sqlite if db.is_sqlite else postgresql
        self._insert = dialect.insert(InboundEvent).on_conflict_do_nothing(index_elements=["provider", "event_id"])
        # The payload goes in as the JSON text it already is: SQLite keeps the text, PostgreSQL reads it as jsonb.
        text = bindparam("payload_text", type_=Text)
        # SQLite's own form of a time, as SQLAlchemy stores it (the column's bind processing).
        self._at = InboundEvent.__table__.c.received_at.type.bind_processor(db.engine.dialect) or (lambda at: at)
        self._inserting = (
            dialect.insert(InboundEvent.__table__)
            .values(payload=text if db.is_sqlite else cast(text, postgresql.JSONB))
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
            .returning(InboundEvent.provider, InboundEvent.event_id)
        )

    async def record(
        self,
        provider: str,
        event_id: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        handled: bool,
        body: bytes | None = None,
    ) -> bool:
        """Return once the event is durably stored: True if by this delivery, False if it was stored before.

        `body`, when given, is the JSON text `payload` was parsed from, stored as it is if a database can hold it.
        Raise if it could not be stored: WebhookRejectedError for a payload no database can hold.
        """
        row = {
            "provider": provider,
            "event_id": event_id,
            "event_type": event_type,
            "payload_text": storable_text(payload, body),
            # An unknown type is kept, so nobody wonders whether it arrived, but not acted on.
            "status": InboundStatus.PENDING if handled else InboundStatus.IGNORED,
            "attempts": 0,
            "received_at": self.clock.now(),
        }
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches(), name="inbound-writer")
        # The commit goes on even if the sender hangs up (the writer task holds the row, and answers only a
        # request still waiting); only its answer is lost, and the sender will redeliver. No shield is needed.
        return await done

    def load(self) -> Load:
        """RUSH while webhooks are stored at RUSH_PER_SECOND or more, BUSY while any were stored lately."""
        now = self.clock.monotonic()
        self._forget_before(now - RUSH_WINDOW_SECONDS)
        if self._recent_count >= RUSH_PER_SECOND * RUSH_WINDOW_SECONDS:
            return Load.RUSH
        return Load.BUSY if now - self._last_stored < BUSY_SECONDS else Load.QUIET

    def _forget_before(self, moment: float) -> None:
        while self._recent and self._recent[0][0] < moment:
            self._recent_count -= self._recent.popleft()[1]

    async def first_delivery(self, provider: str, event_id: str, event_type: str) -> bool:
        """Record an event handled on the spot (Slack's); False if it was recorded before, i.e. a retry."""
        row = {
            "provider": provider,
            "event_id": event_id,
            "event_type": event_type,
            "payload": {},
            "status": InboundStatus.APPLIED,
            "attempts": 1,
            "received_at": self.clock.now(),
            "processed_at": self.clock.now(),
        }
        async with self.db.transaction(urgent=True) as session:
            inserted = await session.scalar(self._insert.returning(InboundEvent.id), [row])
        return inserted is not None

    async def _write_batches(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                inserted = await self._insert_rows([row for row, _ in batch])
            except Exception as exc:  # every waiting request must hear of it, whatever it was
                if len(batch) > 1 and not isinstance(exc, DatabaseUnavailableError):
                    # The database refused something in the batch: store each delivery alone, so that only
                    # the one it cannot hold fails, and the others are acknowledged.
                    for one in batch:
                        await self._write([one])
                    continue
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            self._answer(batch, inserted)

    async def _write(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        try:
            inserted = await self._insert_rows([row for row, _ in batch])
        except Exception as exc:  # the request hears of it, whatever it was
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        self._answer(batch, inserted)

    async def _insert_rows(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        if self.db.is_sqlite:
            values = [(*(row[name] for name in _SQLITE_COLUMNS[:-1]), self._at(row["received_at"])) for row in rows]
            return await self.db.sqlite_write(lambda connection: _insert_on_sqlite(connection, values), urgent=True)

        async def insert(connection: AsyncConnection) -> set[tuple[str, str]]:
            result = await connection.execute(self._inserting, rows)
            return {(provider, event_id) for provider, event_id in result}

        return await self.db.held_write(insert)

    def _answer(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]], inserted: set[tuple[str, str]]) -> None:
        for row, done in batch:
            # The first of two deliveries of one event in a batch stored it; the second is the duplicate.
            key = (row["provider"], row["event_id"])
            if not done.done():
                done.set_result(key in inserted)
            inserted.discard(key)
        self._last_stored = now = self.clock.monotonic()
        self._recent.append((now, len(batch)))
        self._recent_count += len(batch)
        self._forget_before(now - RUSH_WINDOW_SECONDS)
        self.on_stored()


# On SQLite the batch is written in one trip to the database's thread (Database.sqlite_write), in plain SQL.
_SQLITE_COLUMNS = ("provider", "event_id", "event_type", "payload_text", "status", "attempts", "received_at")
_SQLITE_INSERT = (
    "INSERT INTO inbound_events (provider, event_id, event_type, payload, status, attempts, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, event_id) DO NOTHING RETURNING provider, event_id"
)


_SQLITE_INSERT_MANY = _SQLITE_INSERT.removesuffix(" RETURNING provider, event_id")


def _insert_on_sqlite(connection: sqlite3.Connection, values: list[tuple[Any, ...]]) -> set[tuple[str, str]]:
    # One executemany for the batch (a statement a row with RETURNING cost 3-4 us more a row); when it stored
    # fewer rows than it was given, some were stored before, and only a row at a time says which.
    connection.execute("SAVEPOINT batch")
    if connection.executemany(_SQLITE_INSERT_MANY, values).rowcount == len(values):
        connection.execute("RELEASE batch")
        return {(row[0], row[1]) for row in values}
    connection.execute("ROLLBACK TO batch")
    connection.execute("RELEASE batch")
    inserted: set[tuple[str, str]] = set()
    for row in values:
        for provider, event_id in connection.execute(_SQLITE_INSERT, row):
            inserted.add((provider, event_id))
    return inserted


# A JSON escape of NUL or of half a UTF-16 surrogate pair: a string PostgreSQL's jsonb refuses may be in there.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def storable_text(payload: dict[str, Any], body: bytes | None) -> str:
    """The payload as JSON text a JSON column holds: the body itself when it is the payload's own valid UTF-8 JSON
    (a parsed body: the door checked that) free of unstorable escapes, else the payload cleaned and encoded."""
    if body is not None and not _UNSTORABLE_ESCAPE.search(body):
        return body.decode()
    return json.dumps(storable_payload(payload))


def storable_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as a JSON column can hold it: NUL and lone surrogates taken out of its strings (PostgreSQL's
    jsonb refuses them). A number JSON cannot write (1e400 reads as infinity) is refused with a 400."""
    cleaned: dict[str, Any] = {}
    # Walked with a stack, not recursion: how deep a body may nest is the HTTP layer's to bound, not this.
    stack: list[tuple[Any, dict[str, Any] | list[Any]]] = [(payload, cleaned)]
    while stack:
        source, target = stack.pop()
        entries = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in entries:
            if isinstance(value, dict | list):
                child: dict[str, Any] | list[Any] = {} if isinstance(value, dict) else [None] * len(value)
                stack.append((value, child))
                value = child
            elif isinstance(value, str):
                value = storable(value)
            elif isinstance(value, float) and not math.isfinite(value):
                raise WebhookRejectedError(400, "the body holds a number too large for JSON (read as infinity)")
            if isinstance(target, dict):
                target[storable(str(key))] = value
            else:
                target[key] = value
    return cleaned
