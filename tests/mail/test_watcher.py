"""The mailbox watcher against a real Dovecot: backfill, exactly once, the mailbox left untouched, UIDVALIDITY."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.integrations.imap import ImapMailbox, MailboxLoginError
from bot.mailbox.store import MailStore, ticket_key_for
from bot.mailbox.watcher import MailboxWatcher
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.mail import MailboxMark
from tests.mail.conftest import MailFolder, sample
from tests.waiting import eventually

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
SHOP = "support@shop.example"


def mail(n: int, subject: str | None = None, sender: str = "ann@example.com") -> bytes:
    return (
        f"From: Ann <{sender}>\r\nTo: {SHOP}\r\nSubject: {subject or f'Question {n}'}\r\n"
        f"Message-ID: <q{n}@example.com>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nQuestion number {n}.\r\n"
    ).encode()


def watcher(folder: MailFolder, db: Database, clock: FakeClock, password: str | None = None) -> MailboxWatcher:
    server = folder.server

    def connect() -> ImapMailbox:
        return ImapMailbox(server.host, server.port, tls="none", user=server.user, password=password or server.password)

    return MailboxWatcher(
        connect, MailStore(db), clock, folder=folder.name, backfill_days=3, shop_address=SHOP, backoff_max=0.05
    )


async def catch_up(w: MailboxWatcher) -> int:
    mailbox = w._connect()
    mailbox.connect()
    try:
        return await w.catch_up(mailbox, mailbox.open(w.folder))
    finally:
        mailbox.close()


async def stored(db: Database) -> list[InboundEvent]:
    async with db.transaction(read_only=True) as session:
        return list(await session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


async def test_first_start_takes_recent_mail_oldest_first_and_leaves_older_mail_and_flags_alone(
    mail_folder: MailFolder, db: Database
):
    # Arrival order in the folder (UIDs) differs from INTERNALDATE order: tickets follow INTERNALDATE.
    mail_folder.append(mail(1), NOW - timedelta(hours=2))
    mail_folder.append(mail(2), NOW - timedelta(days=5))  # older than the 3-day backfill: left alone
    mail_folder.append(mail(3), NOW - timedelta(days=2), flags=(b"\\Seen",))
    mail_folder.append(mail(4), NOW - timedelta(days=2, hours=23))
    before = mail_folder.flags()

    assert await catch_up(watcher(mail_folder, db, FakeClock(NOW))) == 3

    events = await stored(db)
    assert [e.payload["message_id"] for e in events] == ["<q4@example.com>", "<q3@example.com>", "<q1@example.com>"]
    assert {e.provider for e in events} == {"mailbox"} and {e.status for e in events} == {InboundStatus.PENDING}
    assert events[0].payload["text"] == "Question number 4." and events[0].payload["opens_ticket"]
    # Read with BODY.PEEK from a read-only folder: nobody's \Seen changed.
    assert mail_folder.flags() == before
    async with db.transaction(read_only=True) as session:
        mark = await session.get_one(MailboxMark, mail_folder.name)
    assert mark.last_uid == 4


async def test_each_mail_is_stored_once_across_runs_and_copies_by_message_id(mail_folder: MailFolder, db: Database):
    clock = FakeClock(NOW)
    mail_folder.append(mail(1), NOW - timedelta(minutes=5))
    assert await catch_up(watcher(mail_folder, db, clock)) == 1
    assert await catch_up(watcher(mail_folder, db, clock)) == 0  # a restart: the mark says it was read

    mail_folder.append(mail(2), NOW)
    mail_folder.append(mail(1), NOW)  # the same mail again (Exchange re-files a revised message with a new UID)
    assert await catch_up(watcher(mail_folder, db, clock)) == 1
    assert [e.payload["message_id"] for e in await stored(db)] == ["<q1@example.com>", "<q2@example.com>"]


async def test_a_changed_uidvalidity_rescans_without_duplicates(mail_folder: MailFolder, db: Database):
    clock = FakeClock(NOW)
    mail_folder.append(mail(1), NOW - timedelta(hours=1))
    assert await catch_up(watcher(mail_folder, db, clock)) == 1
    async with db.transaction(read_only=True) as session:
        old_validity = (await session.get_one(MailboxMark, mail_folder.name)).uidvalidity

    mail_folder.recreate()  # the server renumbered the folder
    mail_folder.append(mail(1), NOW - timedelta(hours=1))
    mail_folder.append(mail(2), NOW - timedelta(minutes=1))
    assert await catch_up(watcher(mail_folder, db, clock)) == 1

    assert [e.payload["message_id"] for e in await stored(db)] == ["<q1@example.com>", "<q2@example.com>"]
    async with db.transaction(read_only=True) as session:
        mark = await session.get_one(MailboxMark, mail_folder.name)
    assert mark.uidvalidity != old_validity and mark.last_uid == 2


async def test_not_customers_are_recorded_but_never_pending(mail_folder: MailFolder, db: Database):
    for name in ("outlook_out_of_office.eml", "dsn_bounce.eml", "own_address.eml"):
        mail_folder.append(sample(name), NOW - timedelta(hours=1))
    assert await catch_up(watcher(mail_folder, db, FakeClock(NOW))) == 3
    events = await stored(db)
    assert [e.payload["kind"] for e in events] == ["auto-reply", "bounce", "own"]
    assert {e.status for e in events} == {InboundStatus.IGNORED}


async def test_replies_thread_by_references_and_by_sender_and_subject(mail_folder: MailFolder, db: Database):
    clock = FakeClock(NOW)
    mail_folder.append(sample("gmail_new.eml"), NOW - timedelta(hours=3))
    parent = "<CAJx8Qm2Vw7n4F+kqP1=Xd9sT0aH6yB3rLm@mail.gmail.com>"
    mail_folder.append(sample("gmail_reply.eml", PARENT=parent), NOW - timedelta(hours=2))
    # A reply whose client dropped In-Reply-To and References: same sender, same subject after "Re:".
    mail_folder.append(mail(7, "RE: Question 6", sender="bo@example.com"), NOW - timedelta(minutes=30))
    mail_folder.append(mail(6, "Question 6", sender="bo@example.com"), NOW - timedelta(hours=1))
    mail_folder.append(mail(8, "Question 6", sender="someone.else@example.com"), NOW - timedelta(minutes=10))
    assert await catch_up(watcher(mail_folder, db, clock)) == 5

    keys = {e.payload["message_id"]: e.payload["ticket_key"] for e in await stored(db)}
    assert keys["<CAJx8Qm0pZ3kT5u+Yh2Lw8vN4cR1eG7sDq@mail.gmail.com>"] == keys[parent] == ticket_key_for(parent)
    assert keys["<q7@example.com>"] == keys["<q6@example.com>"] == ticket_key_for("<q6@example.com>")
    assert keys["<q8@example.com>"] == ticket_key_for("<q8@example.com>") != keys["<q6@example.com>"]


async def test_a_refused_login_is_said_once_and_retried(mail_folder: MailFolder, tmp_path, caplog):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")  # never reached: the login fails first
    w = watcher(mail_folder, db, FakeClock(NOW), password="rotated")
    with pytest.raises(MailboxLoginError):
        w._connect().connect()
    caplog.set_level(logging.ERROR, logger="bot.mailbox.watcher")
    runs = []

    def connect() -> ImapMailbox:
        runs.append(1)
        if len(runs) >= 3:
            w._stopping = True
        server = mail_folder.server
        return ImapMailbox(server.host, server.port, tls="none", user=server.user, password="rotated")

    w._connect = connect
    w.backoff_max = 0.0
    await w.run()
    assert len(runs) == 3
    assert w.status.state == "login failed" and not w.status.ok
    await db.dispose()
    assert [r.getMessage() for r in caplog.records].count(
        f"mailbox {mail_folder.name}: login failed: 127.0.0.1 refused the login for shop "
        "(check SUPPORTBOT_IMAP_USER/PASSWORD)"
    ) == 1


@pytest.mark.parametrize("how", ["stopped", "cancelled"])
async def test_a_watcher_told_to_go_leaves_its_idle_at_once(how: str, mail_folder: MailFolder, db: Database):
    """SIGTERM must not wait out a nine-minute IDLE, and a cancelled watcher must not leave a thread behind still
    reading from the connection (the process could not exit until that read timed out)."""
    w = watcher(mail_folder, db, FakeClock(NOW))
    w.idle_seconds = 600
    waits_started, waits_ended = threading.Event(), threading.Event()
    connect = w._connect

    def watched() -> ImapMailbox:
        mailbox = connect()
        wait = mailbox.wait

        def tracked_wait(*args: Any, **kwargs: Any) -> bool:
            waits_started.set()
            try:
                return wait(*args, **kwargs)
            finally:
                waits_ended.set()

        mailbox.wait = tracked_wait  # type: ignore[method-assign]
        return mailbox

    w._connect = watched
    running = asyncio.create_task(w.run())
    await eventually(waits_started.is_set, what="never waiting for mail")
    await asyncio.sleep(0.2)  # inside the IDLE now, or about to be: either way the stop must cut it short
    assert not waits_ended.is_set()
    if how == "cancelled":
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(running, 2)
    else:
        await w.stop()
        await asyncio.wait_for(running, 3)
    assert await asyncio.to_thread(waits_ended.wait, 3), "the IDLE went on in its thread"
