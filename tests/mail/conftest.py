"""A real Dovecot for the mailbox tests: started once per session, a fresh folder per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import imapclient
import pytest

from tests.mail import dovecot

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str, **fill: str) -> bytes:
    """A real-world-shaped mail from tests/mail/samples; `{{NAME}}` placeholders filled from `fill`."""
    raw = (SAMPLES / name).read_bytes()
    for key, value in fill.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw


class MailFolder:
    """One IMAP folder of the test server, and a way to put mail in it as a mail server would (APPEND)."""

    def __init__(self, server: dovecot.Dovecot, name: str):
        self.server = server
        self.name = name

    def client(self) -> imapclient.IMAPClient:
        client = imapclient.IMAPClient(self.server.host, self.server.port, ssl=False, timeout=10)
        client.login(self.server.user, self.server.password)
        return client

    def append(self, raw: bytes, when: datetime | None, flags: tuple[bytes, ...] = ()) -> None:
        """`when` None: the server stamps its own arrival time, as for mail that is delivered now."""
        client = self.client()
        try:
            client.append(self.name, raw, flags=flags, msg_time=when)
        finally:
            client.logout()

    def flags(self) -> dict[int, tuple[bytes, ...]]:
        client = self.client()
        try:
            client.select_folder(self.name, readonly=True)
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(client.search(), ["FLAGS"]).items()}
        finally:
            client.logout()

    def recreate(self) -> None:
        """Delete and create the folder again: its UIDVALIDITY changes, as after a server migration."""
        client = self.client()
        try:
            client.delete_folder(self.name)
            client.create_folder(self.name)
        finally:
            client.logout()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "imap_host": self.server.host,
            "imap_port": self.server.port,
            "imap_tls": "none",
            "imap_user": self.server.user,
            "imap_password": self.server.password,
            "imap_folder": self.name,
        } | extra


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[dovecot.Dovecot]:
    server, process, base = dovecot.start()
    try:
        yield server
    finally:
        dovecot.stop(process, base)


@pytest.fixture
def mail_folder(dovecot_server: dovecot.Dovecot) -> MailFolder:
    folder = MailFolder(dovecot_server, f"t{uuid.uuid4().hex[:12]}")
    client = folder.client()
    try:
        client.create_folder(folder.name)
    finally:
        client.logout()
    return folder
