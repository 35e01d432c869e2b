"""aiosqlite with one trip to its thread per statement, for SQLAlchemy's `sqlite+aiosqlite` dialect.

aiosqlite runs each sqlite3 call in the connection's own thread, one trip there and back (two thread switches
and a wake-up of the event loop) per call; SQLAlchemy makes four such calls per statement (open a cursor,
execute, fetch, close). On a busy machine those switches, not SQLite, were most of the time a webhook's insert
and an event's application took. Here a statement is opened, executed, read (up to a chunk of rows) and closed
in one trip; a longer result is read on in further trips, so a large query still streams.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, TypeVar

import aiosqlite

_T = TypeVar("_T")
# Rows read in the statement's own trip; a result with more is read on in trips of this many.
CHUNK_ROWS = 1000


def connect(
    database: str, *, configure: Callable[[sqlite3.Connection], object] = lambda _: None, **kwargs: Any
) -> OneTripConnection:
    """What `create_async_engine(..., async_creator=...)` calls with the URL's connect arguments; `configure` is
    run on the new sqlite3 connection in its thread, for a connection used outside SQLAlchemy."""

    def connector() -> sqlite3.Connection:
        connection = sqlite3.connect(database, **kwargs)
        configure(connection)
        return connection

    connection = OneTripConnection(connector, iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does: never hold up exit
    return connection


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> _Opened:  # type: ignore[override]
        return _Opened(OneTripCursor(self))

    async def write_in_one_trip(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """`work` in a transaction of its own, BEGIN IMMEDIATE to COMMIT in a single trip to the thread: the
        write lock is held for SQLite's time only, not for the event loop's turns in between."""
        return await self._execute(_in_transaction, self._conn, work)


def _in_transaction(connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], _T]) -> _T:
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return result


class _Opened:
    """What `Connection.cursor()` returns: awaitable, and an async context manager, like aiosqlite's."""

    def __init__(self, cursor: OneTripCursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Any:
        yield from []
        return self._cursor

    async def __aenter__(self) -> OneTripCursor:
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        await self._cursor.close()


class OneTripCursor:
    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._open: sqlite3.Cursor | None = None  # only while a result has rows left beyond the first chunk
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        await self.close()
        await self._connection._execute(self._run, sql, parameters or (), False)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        await self.close()
        await self._connection._execute(self._run, sql, parameters, True)
        return self

    def _run(self, sql: str, parameters: Any, many: bool) -> None:
        # In the connection's thread: the whole statement, so that the event loop waits for one trip.
        cursor = self._connection._conn.cursor()
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            self.description, self.rowcount, self.lastrowid = cursor.description, cursor.rowcount, cursor.lastrowid
            rows = cursor.fetchmany(CHUNK_ROWS) if cursor.description else []
        except BaseException:
            cursor.close()
            raise
        self._rows = deque(rows)
        if len(rows) < CHUNK_ROWS:
            cursor.close()
        else:
            self._open = cursor

    async def _read_on(self, wanted: int | None) -> None:
        while self._open is not None and (wanted is None or len(self._rows) < wanted):
            cursor = self._open
            more = await self._connection._execute(cursor.fetchmany, CHUNK_ROWS)
            self._rows.extend(more)
            if len(more) < CHUNK_ROWS:
                self._open = None
                await self._connection._execute(cursor.close)

    async def fetchone(self) -> Any:
        await self._read_on(1)
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        wanted = size or self.arraysize
        await self._read_on(wanted)
        return [self._rows.popleft() for _ in range(min(wanted, len(self._rows)))]

    async def fetchall(self) -> list[Any]:
        await self._read_on(None)
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows.clear()
        if self._open is not None:
            cursor, self._open = self._open, None
            await self._connection._execute(cursor.close)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        while (row := await self.fetchone()) is not None:
            yield row

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
