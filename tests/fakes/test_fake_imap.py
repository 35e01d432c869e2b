"""The demo's stand-in IMAP server, read by the bot's own IMAP client (IMAPClient) as the mailbox watcher reads it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.fakes.imap import FakeImap
from bot.integrations.imap import FolderState, ImapMailbox, MailboxLoginError

BERLIN_WINTER = timezone(timedelta(hours=1))
ARRIVED = datetime(2026, 11, 25, 12, 5, tzinfo=BERLIN_WINTER)
PASSWORD = "app-password"
MAIL = b"From: Jun Park <jun@example.kr>\r\nSubject: Hello\r\nMessage-ID: <1@example.kr>\r\n\r\nHello there\r\n"


@pytest.fixture
async def server() -> AsyncIterator[FakeImap]:
    async with FakeImap(user="support@shop.example", password=PASSWORD, uidvalidity=7) as fake:
        yield fake


async def connected(server: FakeImap, password: str = PASSWORD) -> ImapMailbox:
    mailbox = ImapMailbox("127.0.0.1", server.port, tls="none", user="support@shop.example", password=password)
    await asyncio.to_thread(mailbox.connect)
    return mailbox


async def test_mail_is_found_by_date_and_uid_and_read_whole_with_its_arrival_time(server: FakeImap) -> None:
    server.append(MAIL, ARRIVED - timedelta(days=2))
    server.append(MAIL.replace(b"<1@", b"<2@"), ARRIVED)
    mailbox = await connected(server)
    try:
        assert await asyncio.to_thread(mailbox.open, "INBOX") == FolderState(uidvalidity=7, uidnext=3)
        assert await asyncio.to_thread(mailbox.uids_since, date(2026, 11, 24)) == [2]
        # `UID 3:*` names the last mail even past the end, as real servers do; the client keeps only newer ones.
        assert await asyncio.to_thread(mailbox.uids_after, 2) == []
        assert await asyncio.to_thread(mailbox.uids_after, 1) == [2]
        [mail] = await asyncio.to_thread(mailbox.fetch, [2])
        assert (mail.uid, mail.raw) == (2, MAIL.replace(b"<1@", b"<2@"))
        assert mail.internaldate == ARRIVED
    finally:
        await asyncio.to_thread(mailbox.close)
    assert server.changes == []  # read-only: EXAMINE, never SELECT, no flags set


async def test_a_wrong_password_is_a_refused_login(server: FakeImap) -> None:
    with pytest.raises(MailboxLoginError, match="refused the login"):
        await connected(server, password="rotated")


async def test_idle_wakes_when_mail_arrives(server: FakeImap) -> None:
    mailbox = await connected(server)
    try:
        await asyncio.to_thread(mailbox.open, "INBOX")
        assert await asyncio.to_thread(mailbox.can_idle)
        waiting = asyncio.create_task(asyncio.to_thread(mailbox.wait, 30.0, lambda: False, time.monotonic))
        await asyncio.sleep(0.3)
        server.append(MAIL, ARRIVED)
        assert await asyncio.wait_for(waiting, 10.0)
    finally:
        await asyncio.to_thread(mailbox.close)


async def test_mail_that_came_between_the_search_and_the_idle_is_announced_at_once(server: FakeImap) -> None:
    # Otherwise it would wait, unseen, until the IDLE is renewed minutes later.
    mailbox = await connected(server)
    try:
        await asyncio.to_thread(mailbox.open, "INBOX")
        server.append(MAIL, ARRIVED)
        arrived = await asyncio.wait_for(
            asyncio.to_thread(mailbox.wait, 30.0, lambda: False, time.monotonic), timeout=10.0
        )
        assert arrived
    finally:
        await asyncio.to_thread(mailbox.close)
