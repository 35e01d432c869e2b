"""A small IMAP server on 127.0.0.1, for the offline demo: one user, one folder, mail put in by `append`.

It speaks the part of IMAP4rev1 (RFC 3501) and IDLE (RFC 2177) that a client reading a support mailbox uses:
LOGIN, CAPABILITY, EXAMINE/SELECT (with UIDVALIDITY and UIDNEXT), UID SEARCH (SINCE, UID ranges, ALL),
UID FETCH of BODY.PEEK[] and INTERNALDATE, IDLE with `* n EXISTS` pushed as mail arrives, NOOP and LOGOUT.
So the bot's own IMAP client (IMAPClient) and watcher run unchanged against it. Flags are not kept: the bot
never changes them. The test suite uses a real Dovecot (tests/mail/dovecot.py); this is the demo's stand-in.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Self

HOST = "127.0.0.1"
CAPABILITIES = "IMAP4rev1 IDLE"
KEEPALIVE_SECONDS = 1.0  # real servers say "Still here" every few minutes; the demo cannot wait that long
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CHANGING = frozenset({"SELECT", "STORE", "COPY", "MOVE", "EXPUNGE", "APPEND", "DELETE", "RENAME"})
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass(frozen=True)
class StoredMail:
    uid: int
    internaldate: datetime  # aware
    raw: bytes


class FakeImap:
    def __init__(self, *, user: str, password: str, folder: str = "INBOX", uidvalidity: int = 1):
        self.user = user
        self.password = password
        self.folder = folder
        self.uidvalidity = uidvalidity
        self.mails: list[StoredMail] = []
        # Commands that would change the mailbox (flags, folders, deletions), as received: a reader sends none.
        self.changes: list[str] = []
        self.port = 0
        self._idling: set[asyncio.StreamWriter] = set()
        # How many mails each connection was last told of: a mail that arrived since is announced at its next
        # NOOP or IDLE, as real servers do, so one appended between a client's SEARCH and its IDLE is not missed.
        self._told: dict[asyncio.StreamWriter, int] = {}
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._session, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._idling):
            writer.close()
        await self._server.wait_closed()

    def append(self, raw: bytes, internaldate: datetime) -> int:
        """Deliver a mail to the folder, as the mail server would on receiving it; returns its UID."""
        uid = (self.mails[-1].uid if self.mails else 0) + 1
        self.mails.append(StoredMail(uid, internaldate, raw))
        for writer in list(self._idling):
            self._announce(writer)
        return uid

    def _announce(self, writer: asyncio.StreamWriter) -> None:
        if self._told.get(writer, 0) != len(self.mails):
            self._told[writer] = len(self.mails)
            writer.write(f"* {len(self.mails)} EXISTS\r\n".encode())

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"* OK [CAPABILITY {CAPABILITIES}] supportbot demo IMAP ready\r\n".encode())
        try:
            authenticated = False
            while line := await reader.readline():
                tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "UID":
                    command, _, args = args.partition(" ")
                    command = "UID " + command.upper()
                if command.removeprefix("UID ") in _CHANGING:
                    self.changes.append(command)
                if command == "LOGOUT":
                    writer.write(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n".encode())
                    break
                if command == "CAPABILITY":
                    writer.write(f"* CAPABILITY {CAPABILITIES}\r\n{tag} OK CAPABILITY completed\r\n".encode())
                elif command == "NOOP":
                    if authenticated:
                        self._announce(writer)
                    writer.write(f"{tag} OK NOOP completed\r\n".encode())
                elif command == "LOGIN":
                    authenticated = _words(args) == [self.user, self.password]
                    answer = "OK LOGIN completed" if authenticated else "NO [AUTHENTICATIONFAILED] Invalid credentials"
                    writer.write(f"{tag} {answer}\r\n".encode())
                elif not authenticated:
                    writer.write(f"{tag} BAD log in first\r\n".encode())
                elif command in ("EXAMINE", "SELECT"):
                    self._told[writer] = len(self.mails)
                    writer.write(self._open(tag, command, _words(args)).encode())
                elif command == "UID SEARCH":
                    found = " ".join(str(uid) for uid in self._search(_words(args)))
                    writer.write(f"* SEARCH {found}\r\n{tag} OK SEARCH completed\r\n".encode())
                elif command == "UID FETCH":
                    writer.write(self._fetch(tag, args.split(" ", 1)[0]))
                elif command == "IDLE":
                    await self._idle(tag, reader, writer)
                else:
                    writer.write(f"{tag} BAD {command or 'empty command'} is not known here\r\n".encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._idling.discard(writer)
            self._told.pop(writer, None)
            writer.close()

    def _open(self, tag: str, command: str, words: list[str]) -> str:
        if not words or words[0].upper() != self.folder.upper():
            return f"{tag} NO [NONEXISTENT] no such folder\r\n"
        uidnext = (self.mails[-1].uid if self.mails else 0) + 1
        mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
        return (
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            f"* {len(self.mails)} EXISTS\r\n* 0 RECENT\r\n"
            f"* OK [UIDVALIDITY {self.uidvalidity}] UIDs valid\r\n* OK [UIDNEXT {uidnext}] next UID\r\n"
            f"{tag} OK [{mode}] {command} completed\r\n"
        )

    def _search(self, words: list[str]) -> list[int]:
        found = [mail.uid for mail in self.mails]
        criteria = iter(words)
        for criterion in criteria:
            key = criterion.upper()
            if key == "SINCE":
                day = _imap_date(next(criteria))
                found = [m.uid for m in self.mails if m.uid in found and m.internaldate.date() >= day]
            elif key == "UID":
                wanted = _uid_set(next(criteria), found[-1] if found else 0)
                found = [uid for uid in found if uid in wanted]
        return found

    def _fetch(self, tag: str, uid_set: str) -> bytes:
        last = self.mails[-1].uid if self.mails else 0
        wanted = _uid_set(uid_set, last)
        out = bytearray()
        for number, mail in enumerate(self.mails, start=1):
            if mail.uid not in wanted:
                continue
            when = _internaldate(mail.internaldate)
            out += f'* {number} FETCH (UID {mail.uid} INTERNALDATE "{when}" BODY[] {{{len(mail.raw)}}}\r\n'.encode()
            out += mail.raw + b")\r\n"
        return bytes(out) + f"{tag} OK FETCH completed\r\n".encode()

    async def _idle(self, tag: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"+ idling\r\n")
        self._announce(writer)
        await writer.drain()
        self._idling.add(writer)
        try:
            while True:
                try:
                    line = await asyncio.wait_for(reader.readline(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    # As Dovecot's "Still here": a client that read the announcement into its buffer together
                    # with "+ idling" waits on the socket, and only new bytes there make it look at its buffer.
                    writer.write(b"* OK Still here\r\n")
                    await writer.drain()
                    continue
                if not line or line.strip().upper() == b"DONE":
                    break
        finally:
            self._idling.discard(writer)
        writer.write(f"{tag} OK IDLE terminated\r\n".encode())


def _words(args: str) -> list[str]:
    return [
        quoted.replace('\\"', '"').replace("\\\\", "\\") if atom == "" else atom
        for quoted, atom in _TOKEN.findall(args)
    ]


def _uid_set(text: str, last: int) -> set[int]:
    """`1,3:5,7:*` as UIDs; `*` is the highest UID in the folder (so `n:*` always names the last mail)."""
    uids: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition(":")
        first = last if low == "*" else int(low)
        end = first if not high else last if high == "*" else int(high)
        uids.update(range(min(first, end), max(first, end) + 1))
    return uids


def _imap_date(text: str) -> date:
    day, month, year = text.split("-")
    return date(int(year), _MONTHS.index(month.title()) + 1, int(day))


def _internaldate(when: datetime) -> str:
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return f"{when.day:2d}-{_MONTHS[when.month - 1]}-{when.year} {when:%H:%M:%S} {zone}"
