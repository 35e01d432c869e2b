"""One replica at a time for work that must be paced as a whole: a PostgreSQL advisory lock held on a connection.

Slack's posting limits are per channel and per workspace, not per process: two replicas each pacing itself
would together post twice as fast as Slack allows. So one replica delivers at a time. It holds a session-level
advisory lock on a connection of its own; when that process dies or loses the database, PostgreSQL ends the
session and frees the lock, and a standby replica takes the lead at its next poll.

The lead is about pace, not correctness: every outbox item is still claimed with a lease, so even two replicas
that both believe they lead for a moment (the old leader's connection is gone and it has not noticed yet) never
post one message twice. On SQLite the one process that writes is always the leader.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database, DatabaseUnavailableError, discard

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, db: Database, name: str, monotonic: Callable[[], float], *, recheck_seconds: float = 1.0):
        self.db = db
        self.name = name
        self.monotonic = monotonic
        # How long a leader trusts its connection, and a standby its last failed try, before asking the database
        # again: a replica is woken many times a second under load, and once a second is soon enough to take over.
        self.recheck_seconds = recheck_seconds
        self._checked_at = float("-inf")
        self._tried_at = float("-inf")
        # Advisory locks are per database, so two installations sharing one server do not see each other's.
        self._key = int.from_bytes(hashlib.sha256(f"supportbot:{name}".encode()).digest()[:8], "big", signed=True)
        self._held: AsyncConnection | None = None
        self._closed = False

    async def check(self) -> bool:
        """Whether this process leads now, taking the lead if nobody holds it; raises if the database is away."""
        if self._closed:
            return False
        if self.db.is_sqlite:
            return True
        if self._held is not None:
            if self.monotonic() - self._checked_at < self.recheck_seconds:
                return True
            try:
                await self._held.scalar(select(1))
                self._checked_at = self.monotonic()
                return True  # the session is alive, so the lock it took is still held
            except (DBAPIError, OSError) as exc:
                log.warning("%s: lost the connection that held the lead (%s)", self.name, exc)
                await self._let_go()
        elif self.monotonic() - self._tried_at < self.recheck_seconds:
            return False
        return await self._try_to_take()

    async def release(self) -> None:
        """Give the lead up now, so a standby need not wait for this process to be gone; it may be taken again."""
        await self._let_go()

    async def close(self) -> None:
        """Give the lead up for good (a stop): a check still under way, or made later, takes nothing.

        Without this a worker loop that asked for the lead just before the stop could take it after the release,
        on a connection nobody would close, and keep every other replica waiting until that process ended.
        """
        self._closed = True
        await self._let_go()

    async def _try_to_take(self) -> bool:
        try:
            connection = await self.db.engine.connect()
        except (DBAPIError, OSError) as exc:
            raise DatabaseUnavailableError(str(exc)) from exc
        try:
            # Autocommit: the lock belongs to the session, and an idle open transaction would hold back vacuum.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = await connection.scalar(select(func.pg_try_advisory_lock(self._key)))
        except (DBAPIError, OSError) as exc:
            await discard(connection)
            raise DatabaseUnavailableError(str(exc)) from exc
        if not taken or self._closed:
            await (discard(connection) if taken else connection.close())
            self._tried_at = self.monotonic()
            return False
        self._held = connection
        self._checked_at = self.monotonic()
        log.info("%s: this replica leads now", self.name)
        return True

    async def _let_go(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            # Closing the session, not unlocking: a pooled connection would carry the lock on to its next user.
            await discard(held)
