"""Watching the support mailbox: new mail becomes stored inbound events, once each, oldest first.

The IMAP client blocks, so every IMAP step runs in a worker thread; the database work stays on the loop.
IDLE is re-issued well within server timeouts (Gmail drops an IDLE after about 10 minutes, RFC 2177 allows 29);
a server without IDLE is polled. A failed connection is retried with backoff; a refused login is said once in
the log and stays visible on /healthz, /metrics and in `doctor` until a login succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import ProviderError
from bot.integrations.imap import FetchedMail, FolderState, ImapMailbox, MailboxLoginError
from bot.mailbox.parse import parse_mail
from bot.mailbox.store import MailStore
from bot.storage.db import DatabaseUnavailableError

log = logging.getLogger(__name__)

IDLE_RENEW_SECONDS = 9 * 60
POLL_SECONDS = 60.0
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 300.0


@dataclass(frozen=True)
class MailboxStatus:
    state: str  # "starting", "watching", "login failed", "unreachable"
    detail: str | None = None
    since: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.state in ("starting", "watching")


class MailboxWatcher:
    def __init__(
        self,
        connect: Callable[[], ImapMailbox],
        store: MailStore,
        clock: Clock,
        *,
        folder: str,
        backfill_days: float,
        shop_address: str | None,
        on_stored: Callable[[], None] = lambda: None,
        idle_seconds: float = IDLE_RENEW_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        backoff_max: float = BACKOFF_MAX,
    ):
        self._connect = connect
        self.store = store
        self.clock = clock
        self.folder = folder
        self.backfill = timedelta(days=backfill_days)
        self.shop_address = shop_address
        self.on_stored = on_stored
        self.idle_seconds = idle_seconds
        self.poll_seconds = poll_seconds
        self.backoff_max = backoff_max
        self.status = MailboxStatus("starting")
        self.stored = 0
        self._stopping = False
        self._stopped = asyncio.Event()

    async def stop(self) -> None:
        self._stopping = True
        self._stopped.set()

    async def run(self) -> None:
        delay = BACKOFF_FIRST
        while not self._stopping:
            mailbox: ImapMailbox | None = None
            try:
                mailbox = self._connect()
                await asyncio.to_thread(mailbox.connect)
                self._report(MailboxStatus("watching", None, self.clock.now()))
                delay = BACKOFF_FIRST
                await self._watch(mailbox)
            except MailboxLoginError as exc:
                self._report(MailboxStatus("login failed", exc.reason, self.clock.now()))
                delay = max(delay, min(30.0, self.backoff_max))  # a refused password is not fixed in a second
            except (ProviderError, DatabaseUnavailableError) as exc:
                self._report(MailboxStatus("unreachable", str(exc), self.clock.now()))
            except asyncio.CancelledError:
                if mailbox is not None:
                    # A worker thread may still be inside an IMAP call on this connection: cut its socket, which
                    # ends that call, rather than log out beside it from a second thread.
                    mailbox.abort()
                    mailbox = None
                raise
            finally:
                if mailbox is not None:
                    await asyncio.to_thread(mailbox.close)
            if self._stopping:
                return
            await self._pause(delay)
            delay = min(delay * 2, self.backoff_max)

    async def _watch(self, mailbox: ImapMailbox) -> None:
        while not self._stopping:
            state = await asyncio.to_thread(mailbox.open, self.folder)
            await self.catch_up(mailbox, state)
            # Renewed well before servers drop it; a new SELECT also notices a changed UIDVALIDITY.
            seconds = self.idle_seconds if await asyncio.to_thread(mailbox.can_idle) else self.poll_seconds
            await asyncio.to_thread(mailbox.wait, seconds, lambda: self._stopping, self.clock.monotonic)

    async def catch_up(self, mailbox: ImapMailbox, state: FolderState) -> int:
        """Store what is new since the mark (or, the first time, what arrived within the backfill window)."""
        mark = await self.store.mark(self.folder)
        if mark is not None and mark.uidvalidity == state.uidvalidity:
            uids = await asyncio.to_thread(mailbox.uids_after, mark.last_uid)
            mails = await asyncio.to_thread(mailbox.fetch, uids) if uids else []
            return await self._store_all(mails, state)
        since = self.clock.now() - self.backfill
        if mark is not None:
            # The server renumbered the folder: look again from the last mail we stored (duplicates are
            # recognised by Message-ID), or from the backfill window if that is earlier.
            log.warning(
                "mailbox %s: UIDVALIDITY changed (%d -> %d); re-scanning",
                self.folder,
                mark.uidvalidity,
                state.uidvalidity,
            )
            since = min(since, mark.last_seen_at or since)
        uids = await asyncio.to_thread(mailbox.uids_since, (since - timedelta(days=1)).date())
        mails = await asyncio.to_thread(mailbox.fetch, uids) if uids else []
        # SEARCH SINCE counts whole days in the server's zone: the exact cut-off is INTERNALDATE.
        mails = sorted((m for m in mails if m.internaldate >= since), key=lambda m: (m.internaldate, m.uid))
        top = max([*uids, (state.uidnext or 1) - 1])
        stored = await self._store_all(mails, state, top=top)
        if not mails:
            await self.store.set_mark(self.folder, state.uidvalidity, top, self.clock.now())
        return stored

    async def _store_all(self, mails: list[FetchedMail], state: FolderState, *, top: int = 0) -> int:
        stored = 0
        for index, mail in enumerate(mails):
            # The mark never passes a mail not yet stored (backfill goes by INTERNALDATE, not UID), so a crash
            # re-reads it rather than losing it; what was stored already is recognised by its Message-ID.
            rest = [m.uid for m in mails[index + 1 :]]
            mark = min(rest) - 1 if rest else max(mail.uid, top)
            parsed = parse_mail(mail.raw, self.shop_address)
            if await self.store.save(self.folder, state.uidvalidity, mark, mail, parsed, self.clock.now()):
                stored += 1
                self.stored += 1
                log.info("mailbox %s: stored uid %d (%s)", self.folder, mail.uid, parsed.kind.value)
                self.on_stored()
        return stored

    def _report(self, status: MailboxStatus) -> None:
        if status.state != self.status.state:
            if status.ok:
                log.info("mailbox %s: %s", self.folder, status.state)
            else:
                # Once per change, not once per retry: a rotated password must be noticed, not drowned.
                log.error("mailbox %s: %s: %s", self.folder, status.state, status.detail)
        self.status = status

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)
