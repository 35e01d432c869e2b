"""The database: engine, transactions and schema migrations, for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from importlib import resources
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.core.errors import ConfigError, DatabaseUnavailableError
from bot.storage import sqlite_driver

_READ_ONLY = "supportbot_read_only"
# PostgreSQL's "deadlock detected" and "could not serialize": the transaction lost a race and can simply run again.
_CONFLICT_STATES = frozenset({"40P01", "40001"})
_T = TypeVar("_T")
_MIGRATION_LOCK = 0x5B_0E_16_A7  # an advisory lock key of our own (any bigint; advisory locks are per database)
SQLITE_CACHE_KIB = 512  # each SQLite connection's page cache (see _configure_sqlite)


class Database:
    def __init__(self, url: str, *, echo: bool = False):
        try:
            parsed = make_url(url)
        except Exception:
            raise ConfigError("SUPPORTBOT_DATABASE_URL is invalid: not a database URL.") from None
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": not self.is_sqlite}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": 30}
        else:
            options |= {"pool_size": 10, "max_overflow": 10}
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )
        # SQLite has one writer at a time; queueing writers here, in the event loop, is cheaper than
        # letting them poll SQLite's busy handler in threads, and lets webhook acknowledgements go first.
        self._sqlite_turns = WriterTurns() if self.is_sqlite else None
        # `sqlite_write`'s own connection, outside the pool: checking one out and back in (where the pool rolls
        # it back, one more trip to its thread) cost more than the write of a batch of webhooks itself.
        self._sqlite_writer: sqlite_driver.OneTripConnection | None = None
        # ... for a file named plainly: a database in memory is the pool's one connection (another would be another
        # database), and a URL with options is left to SQLAlchemy to read.
        plain_file = self.is_sqlite and parsed.database not in (None, "", ":memory:") and not parsed.query
        self._sqlite_file = parsed.database if plain_file else None
        # `held_write`'s PostgreSQL connection, kept between writes, and the lock that gives it to one at a time.
        self._held: AsyncConnection | None = None
        self._held_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def transaction(self, *, urgent: bool = False, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error.

        `urgent` writers (a webhook waiting for its acknowledgement) go ahead of background work on SQLite;
        `read_only` work neither waits for writers nor holds them up there (WAL readers see a snapshot).
        """
        async with self._turn(urgent=urgent, read_only=read_only):
            with _unavailable_translated():
                maker = self._read_sessions if read_only else self.sessions
                # maker.begin(), not maker() and session.begin(): its exit (commit or rollback, then the
                # connection's reset on return to the pool) runs to the end even when the task is cancelled,
                # as a stopping bot cancels its workers. Cut short, the reset fails and the pool logs an error.
                async with maker.begin() as session:
                    yield session

    @contextlib.asynccontextmanager
    async def core_transaction(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection in one transaction, for Core statements: no session, no unit of work to pay for.

        Committed on success, rolled back on any error; SQLite's writers take turns as in `transaction`.
        """
        async with self._turn(urgent=urgent, read_only=False):
            with _unavailable_translated():
                async with self.engine.begin() as connection:
                    yield connection

    async def sqlite_write(self, work: Callable[[sqlite3.Connection], _T], *, urgent: bool = False) -> _T:
        """`work` on SQLite's own connection in one transaction, begun and committed in one trip to its thread.

        For the hottest write (storing webhooks before their 200): no statement of it waits for the event loop
        while holding the write lock. `work` runs in that thread: it must only use the connection it is given.
        """
        if self._sqlite_turns is None:
            raise TypeError("sqlite_write needs SQLite")
        async with self._turn(urgent=urgent, read_only=False):
            with _unavailable_translated():
                if self._sqlite_file is None:
                    async with self.engine.connect() as connection:
                        driver = (await connection.get_raw_connection()).driver_connection
                        assert isinstance(driver, sqlite_driver.OneTripConnection)
                        return await driver.write_in_one_trip(work)
                writer = self._sqlite_writer
                if writer is None:
                    writer = sqlite_driver.connect(
                        self._sqlite_file, configure=_sqlite_pragmas, isolation_level=None, timeout=30
                    )
                    await writer
                    self._sqlite_writer = writer
                return await writer.write_in_one_trip(work)

    async def held_write(self, work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        """`work` in one transaction on a PostgreSQL connection kept for it between calls, for the hottest write
        (storing webhooks before their 200): checking one out of the pool for each batch (its ping, and its reset
        on return) cost more CPU than the batch's INSERT. A kept connection found broken is dropped and `work` run
        once more on a new one; a failed or cut-short write drops it too. DatabaseUnavailableError when no
        connection can be had."""
        async with self._held_lock:
            for attempt in (1, 2):
                connection, kept = self._held, self._held is not None
                if connection is None:
                    with _unavailable_translated():
                        connection = await self.engine.connect()
                    self._held = connection
                try:
                    with _unavailable_translated():
                        async with connection.begin():
                            return await work(connection)
                except DatabaseUnavailableError:
                    await self._drop_held()
                    if not kept or attempt == 2:
                        raise
                except Exception:
                    if connection.invalidated:
                        await self._drop_held()
                    raise
                except BaseException:  # cancelled: the connection may be left mid-statement
                    await self._drop_held()
                    raise
            raise AssertionError("unreachable")

    async def _drop_held(self) -> None:
        connection, self._held = self._held, None
        if connection is not None:
            await discard(connection)

    async def run(
        self, work: Callable[[AsyncSession], Awaitable[_T]], *, urgent: bool = False, attempts: int = 3
    ) -> _T:
        """`work` in one transaction, run again from the start if PostgreSQL aborted it to break a deadlock.

        Background work takes rows in whatever order its steps need; rather than a global lock order that every
        future change must keep, a transaction that lost the race is retried from a fresh read.
        """
        for attempt in range(1, attempts + 1):
            try:
                async with self.transaction(urgent=urgent) as session:
                    return await work(session)
            except DBAPIError as exc:
                if attempt == attempts or getattr(exc.orig, "sqlstate", None) not in _CONFLICT_STATES:
                    raise
        raise AssertionError("unreachable")

    @property
    def writers_waiting(self) -> bool:
        """Whether an urgent writer waits for the SQLite write lock (always False on PostgreSQL)."""
        return self._sqlite_turns is not None and self._sqlite_turns.urgent_waiting

    @contextlib.asynccontextmanager
    async def _turn(self, *, urgent: bool, read_only: bool) -> AsyncIterator[None]:
        if self._sqlite_turns is None or read_only:
            yield
            return
        await self._sqlite_turns.acquire(urgent=urgent)
        try:
            yield
        finally:
            self._sqlite_turns.release()

    async def dispose(self) -> None:
        await self._drop_held()
        if self._sqlite_writer is not None:
            writer, self._sqlite_writer = self._sqlite_writer, None
            await writer.close()
        await self.engine.dispose()

    @property
    def where(self) -> str:
        """The database, as a person may be shown it: the password hidden."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextlib.asynccontextmanager
    async def _connected(self) -> AsyncIterator[AsyncConnection]:
        """A connection, or DatabaseUnavailableError saying why there is none (server down, no such database…)."""
        try:
            conn = await self.engine.connect()
        except (OSError, DBAPIError) as exc:
            lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
            raise DatabaseUnavailableError(f"{self.where}: {reason}", reason) from None
        try:
            yield conn
        finally:
            await conn.close()

    async def migrate(self) -> None:
        """Bring the schema to the newest revision."""
        async with self._connected() as conn, conn.begin():
            if not self.is_sqlite:
                # Replicas starting together on a new database take turns; the later finds the schema up to date.
                await conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            await conn.run_sync(_upgrade)

    async def schema_state(self) -> tuple[str | None, str]:
        """(the database's revision, the code's head revision)."""
        async with self._connected() as conn:
            conn = await conn.execution_options(**{_READ_ONLY: True})
            current = await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
        return current, _script().get_current_head() or ""

    async def ensure_schema(self, *, create_if_new: bool) -> None:
        """Migrate a new database; refuse to run on one that an older or newer release left behind."""
        current, head = await self.schema_state()
        if current == head:
            return
        if current is None and create_if_new:
            await self.migrate()
            return
        raise ConfigError(
            f"the database schema is at revision {current or 'none'} but this release needs {head}: "
            "run `supportbot migrate` first."
        )


class WriterTurns:
    """A lock with two queues: whoever is urgent is served before anyone who is not."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._background: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self, *, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._background:
            self._held = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._background).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed the turn just as it was cancelled: pass it on
            raise

    @property
    def urgent_waiting(self) -> bool:
        return any(not turn.done() for turn in self._urgent)

    def release(self) -> None:
        for queue in (self._urgent, self._background):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # the turn passes directly; `_held` stays True
                    return
        self._held = False


@contextlib.contextmanager
def _unavailable_translated() -> Iterator[None]:
    """A lost or refused connection raised as DatabaseUnavailableError; any other error as it was."""
    try:
        yield
    except (OperationalError, DBAPIError) as exc:
        if getattr(exc, "connection_invalidated", False) or _is_connection_error(exc):
            raise DatabaseUnavailableError(str(exc.orig) if exc.orig else str(exc)) from exc
        raise
    except OSError as exc:
        raise DatabaseUnavailableError(str(exc)) from exc
    except sqlite3.OperationalError as exc:  # from `sqlite_write`, which bypasses SQLAlchemy
        if _is_connection_error(exc):
            raise DatabaseUnavailableError(str(exc)) from exc
        raise


def _is_connection_error(exc: DBAPIError | sqlite3.OperationalError) -> bool:
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(word in text for word in ("connection", "could not connect", "terminating", "closed"))


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "do_connect")
    def _one_trip(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        # The dialect's own connect, with a driver connection that makes one thread trip per statement.
        return dialect.dbapi.connect(*cargs, async_creator_fn=sqlite_driver.connect, **cparams)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite's legacy mode, decide where transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        _sqlite_pragmas(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes can
        # fail with SQLITE_BUSY when another process wrote in between, without waiting. Readers need no lock.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")


async def discard(connection: AsyncConnection) -> None:
    """Throw a connection away, not back to the pool (it may be broken, or hold a session's state)."""
    with contextlib.suppress(Exception):  # the connection may be broken already; it is thrown away either way
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()


def _sqlite_pragmas(connection: Any) -> None:
    """Every SQLite connection's settings: the pool's (a driver connection) and `sqlite_write`'s (sqlite3's)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL, not WAL's usual NORMAL: an acknowledged webhook must survive a power cut, not only kill -9, and
    # NORMAL may lose the last commits on power loss. Applying shares the connections and keeps FULL too:
    # with NORMAL, a lost commit of a posted card's outbox row would post the card again after the restart.
    # Group commit already pays one fsync per batch, not per event (issue 18).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Each connection keeps a page cache of its own, 2 MB by default, filled once the database outgrows it: with
    # five connections that was 10 MB of serve's resident memory after a long rush. The operating system caches
    # the file for all of them; a few hundred KB each keep the tables' and indexes' upper pages, which the inserts
    # and lookups walk.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("bot") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_alembic_config())


def known_revisions() -> list[str]:
    """This release's schema revisions, newest first."""
    return [revision.revision for revision in _script().walk_revisions()]


def _upgrade(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")
