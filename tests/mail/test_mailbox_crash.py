"""`supportbot serve` watching a mailbox, SIGKILLed while mail pours in, then restarted: every mail is a ticket
card exactly once, and none is lost."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.fakes.slack import FakeSlack
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.tickets import Ticket
from tests.harness import CHANNELS
from tests.mail.conftest import MailFolder
from tests.processes import free_port, kill, serve_env, serving

MAILS = 12


def mail(n: int) -> bytes:
    return (
        f"From: Customer {n} <customer{n}@example.com>\r\nTo: support@shop.example\r\n"
        f"Subject: Question {n} about my order\r\nMessage-ID: <crash-{n}@example.com>\r\n"
        f"Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nHello, this is question {n}.\r\n"
    ).encode()


async def _stored(database_url: str) -> tuple[int, int, int]:
    """(mail events stored, distinct Message-IDs among them, tickets)."""
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            events = await session.scalar(select(func.count()).where(InboundEvent.provider == "mailbox"))
            distinct = await session.scalar(
                select(func.count(func.distinct(InboundEvent.event_id))).where(InboundEvent.provider == "mailbox")
            )
            tickets = await session.scalar(select(func.count()).select_from(Ticket))
        return events or 0, distinct or 0, tickets or 0
    finally:
        await db.dispose()


async def test_killed_mid_intake_then_restarted_each_mail_is_one_card(database_url, mail_folder: MailFolder, tmp_path):
    port = free_port()
    async with FakeSlack(channels=CHANNELS) as slack:
        env = serve_env(
            database_url,
            slack,
            port,
            channel_support="C0SUPPORT",
            **{name: str(value) for name, value in mail_folder.settings().items()},
        )
        for n in range(MAILS // 2):
            mail_folder.append(mail(n), None)
        async with serving(env, tmp_path / "first.log") as first:
            # More mail arrives while the first mails are being stored and posted; then the process dies.
            for n in range(MAILS // 2, MAILS):
                mail_folder.append(mail(n), None)
                await asyncio.sleep(0.02)
            await slack.wait_for(lambda s: len(s.channel_messages("C0SUPPORT")) >= 2, timeout=20)
            await kill(first)
            # Killed mid-way: Slack's pace (about a card a second) leaves most of them to the restarted bot.
            assert len(slack.channel_messages("C0SUPPORT")) < MAILS
        async with serving(env, tmp_path / "second.log"):
            await slack.wait_for(lambda s: len(s.channel_messages("C0SUPPORT")) >= MAILS, timeout=40)
            await asyncio.sleep(0.5)  # anything posted twice would show up now

    cards = slack.channel_messages("C0SUPPORT")
    texts = [c.text for c in cards]
    assert len(cards) == MAILS, texts
    assert await _stored(database_url) == (MAILS, MAILS, MAILS)
