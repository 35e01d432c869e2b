"""The support mailbox over IMAP, through IMAPClient (BSD): blocking, so the watcher runs it in a thread.

Read-only on purpose: the folder is opened with EXAMINE and mail is read with BODY.PEEK[], so `\\Seen` and
every other flag stay as the people who also read that mailbox left them. Errors leave as `ProviderError`
(`MailboxLoginError` when the server refused the credentials: a rotated password, not a network blip).
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, Literal

import imapclient
from imapclient.exceptions import IMAPClientError, LoginError

from bot.core.errors import ProviderError

PROVIDER = "mailbox"
ImapTls = Literal["tls", "starttls", "none"]
FETCH_CHUNK = 20


class MailboxLoginError(ProviderError):
    """The IMAP server refused our login: someone must fix the settings; retrying alone will not help."""


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    uidnext: int | None


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    internaldate: datetime
    raw: bytes


class ImapMailbox:
    """One logged-in IMAP connection; not thread-safe: use it from one thread at a time."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: ImapTls,
        user: str,
        password: str,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ):
        self._host = host
        self._port = port
        self._tls = tls
        self._user = user
        self._password = password
        self._timeout = timeout
        self._context = tls_context
        self._client: imapclient.IMAPClient | None = None

    def __repr__(self) -> str:
        return f"ImapMailbox({self._host}:{self._port}, tls={self._tls}, user={self._user!r})"

    def connect(self) -> None:
        try:
            self._client = self._login()
        except LoginError as exc:
            raise MailboxLoginError(
                PROVIDER, f"{self._host} refused the login for {self._user} (check SUPPORTBOT_IMAP_USER/PASSWORD)"
            ) from exc
        except (IMAPClientError, OSError, ssl.SSLError) as exc:
            raise _translate(exc, self._host) from exc

    def _login(self) -> imapclient.IMAPClient:
        context = self._context or ssl.create_default_context()
        client = imapclient.IMAPClient(
            self._host,
            self._port,
            ssl=self._tls == "tls",
            ssl_context=context if self._tls == "tls" else None,
            timeout=self._timeout,
        )
        try:
            client.normalise_times = False  # keep INTERNALDATE's own zone: the server's, not ours
            if self._tls == "starttls":
                client.starttls(context)
            client.login(self._user, self._password)
        except BaseException:
            _drop(client)
            raise
        return client

    def open(self, folder: str) -> FolderState:
        status = self._call(lambda c: c.select_folder(folder, readonly=True))
        uidnext = status.get(b"UIDNEXT")
        return FolderState(int(status[b"UIDVALIDITY"]), int(uidnext) if uidnext is not None else None)

    def uids_since(self, day: date) -> list[int]:
        return sorted(int(uid) for uid in self._call(lambda c: c.search(["SINCE", day])))

    def uids_after(self, last_uid: int) -> list[int]:
        found = self._call(lambda c: c.search(["UID", f"{last_uid + 1}:*"]))
        # `UID n:*` names the last message even when n is past it: keep only what is really new.
        return sorted(int(uid) for uid in found if int(uid) > last_uid)

    def fetch(self, uids: list[int]) -> list[FetchedMail]:
        fetched: list[FetchedMail] = []
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start : start + FETCH_CHUNK]
            answer = self._call(partial(_fetch_chunk, chunk))
            for uid, data in answer.items():
                raw, when = data.get(b"BODY[]"), data.get(b"INTERNALDATE")
                if raw is None or when is None:
                    continue  # expunged while we read: it is gone for everybody
                when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
                fetched.append(FetchedMail(int(uid), when, bytes(raw)))
        return sorted(fetched, key=lambda mail: mail.uid)

    def can_idle(self) -> bool:
        return bool(self._call(lambda c: c.has_capability("IDLE")))

    def wait(self, seconds: float, stop: Callable[[], bool], monotonic: Callable[[], float]) -> bool:
        """Wait up to `seconds` for new mail, with IDLE when the server has it; True if some arrived.

        Checks `stop` about every second, so a stopping bot is not held up by a long IDLE.
        """
        client = self._require()
        deadline = monotonic() + seconds
        try:
            if not client.has_capability("IDLE"):
                while monotonic() < deadline and not stop():
                    time.sleep(min(1.0, max(deadline - monotonic(), 0.0)))
                return bool(client.noop()[1])
            client.idle()
            arrived = False
            while not arrived and monotonic() < deadline and not stop():
                responses = client.idle_check(timeout=1)
                arrived = any(isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)
            client.idle_done()
            return arrived
        except (IMAPClientError, OSError, ssl.SSLError) as exc:
            raise _translate(exc, self._host) from exc

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (IMAPClientError, OSError, ssl.SSLError):
            _drop(client)

    def abort(self) -> None:
        """Cut the connection without a goodbye; safe while another thread is blocked in a call on it."""
        client, self._client = self._client, None
        if client is not None:
            _drop(client)

    def _require(self) -> imapclient.IMAPClient:
        if self._client is None:
            raise ProviderError(PROVIDER, "not connected", retryable=True)
        return self._client

    def _call(self, step: Callable[[imapclient.IMAPClient], object]) -> dict[Any, Any]:
        try:
            return step(self._require())  # type: ignore[return-value]
        except (IMAPClientError, OSError, ssl.SSLError) as exc:
            raise _translate(exc, self._host) from exc


def _fetch_chunk(uids: list[int], client: imapclient.IMAPClient) -> dict[Any, Any]:
    # PEEK: people read this mailbox too, and \Seen is theirs.
    answer: dict[Any, Any] = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
    return answer


def _drop(client: imapclient.IMAPClient) -> None:
    """Close the socket without a goodbye: the connection is broken or was never logged in."""
    try:
        client.shutdown()
    except (IMAPClientError, OSError, ssl.SSLError):
        pass


def _translate(exc: BaseException, host: str) -> ProviderError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ProviderError(PROVIDER, f"could not verify the TLS certificate of {host}")
    if isinstance(exc, ssl.SSLError):
        return ProviderError(PROVIDER, f"the TLS handshake with {host} failed (check SUPPORTBOT_IMAP_TLS and _PORT)")
    if isinstance(exc, socket.timeout | TimeoutError):
        return ProviderError(PROVIDER, f"{host} did not answer in time", retryable=True)
    if isinstance(exc, OSError):
        return ProviderError(PROVIDER, f"could not reach {host}", retryable=True)
    return ProviderError(PROVIDER, f"{host} answered: {' '.join(str(exc).split())[:200]}", retryable=True)
