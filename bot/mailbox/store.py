"""Storing one mail as an inbound event and advancing the folder's UID mark, in one transaction.

Threading is decided here, at store time and in arrival order, so a reply always finds the ticket its parent
opened: by In-Reply-To/References (the customer's mail or a reply we sent), else by sender and subject within
a window (mail clients that drop the headers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.integrations.imap import FetchedMail
from bot.mailbox.parse import ParsedMail, subject_key
from bot.policies.mail_rules import MailKind
from bot.storage.db import Database
from bot.storage.models import Provider
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.mail import MailboxMark, MailThreadEntry

THREAD_WINDOW = timedelta(days=7)
EVENT_TYPE = "mail.received"


@dataclass(frozen=True)
class Mark:
    uidvalidity: int
    last_uid: int
    last_seen_at: datetime | None


class MailStore:
    def __init__(self, db: Database):
        self.db = db
        self._dialect = sqlite if db.is_sqlite else postgresql

    async def mark(self, folder: str) -> Mark | None:
        async with self.db.transaction(read_only=True) as session:
            row = await session.get(MailboxMark, folder)
            return Mark(row.uidvalidity, row.last_uid, row.last_seen_at) if row else None

    async def set_mark(self, folder: str, uidvalidity: int, last_uid: int, now: datetime) -> None:
        async with self.db.transaction() as session:
            await self._advance(session, folder, uidvalidity, last_uid, None, now)

    async def save(
        self, folder: str, uidvalidity: int, mark_uid: int, mail: FetchedMail, parsed: ParsedMail, now: datetime
    ) -> bool:
        """Store `mail` (once: by Message-ID) and move the mark to `mark_uid`; True if it was new."""
        async with self.db.transaction() as session:
            customer = parsed.kind is MailKind.CUSTOMER
            thread = await self._thread_of(session, parsed, now) if customer else None
            ticket_key = thread or ticket_key_for(parsed.message_id)
            row = {
                "provider": Provider.MAILBOX,
                "event_id": event_id_for(parsed.message_id),
                "event_type": EVENT_TYPE,
                "payload": payload(parsed, mail, folder, uidvalidity, ticket_key, opens=thread is None),
                # Auto-replies, bounces, our own mail and loops are kept, so nobody wonders, but never acted on.
                "status": InboundStatus.PENDING if customer else InboundStatus.IGNORED,
                "attempts": 0,
                "received_at": now,
            }
            insert = self._dialect.insert(InboundEvent).on_conflict_do_nothing(index_elements=["provider", "event_id"])
            stored = await session.scalar(insert.returning(InboundEvent.id), [row])
            if stored is not None and customer:
                await remember(session, parsed.message_id, ticket_key, "in", parsed.sender, parsed.subject, now)
            await self._advance(session, folder, uidvalidity, mark_uid, mail.internaldate, now)
        return stored is not None

    async def _thread_of(self, session: AsyncSession, parsed: ParsedMail, now: datetime) -> str | None:
        if parsed.parents:
            rows = dict(
                (
                    await session.execute(
                        select(MailThreadEntry.message_id, MailThreadEntry.ticket_key).where(
                            MailThreadEntry.message_id.in_(parsed.parents)
                        )
                    )
                ).all()
            )
            for parent in parsed.parents:  # the nearest known parent decides
                if parent in rows:
                    return rows[parent]
        key = subject_key(parsed.subject)
        if parsed.sender is None or key is None:
            return None
        return await session.scalar(
            select(MailThreadEntry.ticket_key)
            .where(
                MailThreadEntry.direction == "in",
                MailThreadEntry.sender == parsed.sender,
                MailThreadEntry.subject_key == key,
                MailThreadEntry.at >= now - THREAD_WINDOW,
            )
            .order_by(MailThreadEntry.at.desc())
            .limit(1)
        )

    async def _advance(
        self,
        session: AsyncSession,
        folder: str,
        uidvalidity: int,
        last_uid: int,
        seen_at: datetime | None,
        now: datetime,
    ) -> None:
        mark = await session.get(MailboxMark, folder, with_for_update=True)
        if mark is None:
            session.add(
                MailboxMark(
                    folder=folder, uidvalidity=uidvalidity, last_uid=last_uid, last_seen_at=seen_at, updated_at=now
                )
            )
            return
        if mark.uidvalidity != uidvalidity:
            mark.uidvalidity, mark.last_uid = uidvalidity, last_uid
        else:
            mark.last_uid = max(mark.last_uid, last_uid)
        if seen_at is not None and (mark.last_seen_at is None or seen_at > mark.last_seen_at):
            mark.last_seen_at = seen_at
        mark.updated_at = now


async def remember(
    session: AsyncSession,
    message_id: str,
    ticket_key: str,
    direction: str,
    sender: str | None,
    subject: str | None,
    at: datetime,
) -> None:
    """Record that `message_id` belongs to the ticket, so mail answering it joins that ticket."""
    entry = {
        "message_id": message_id[:998],
        "ticket_key": ticket_key,
        "direction": direction,
        "sender": (sender or "")[:320] or None,
        "subject_key": subject_key(subject),
        "at": at,
    }
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    insert = dialect.insert(MailThreadEntry).on_conflict_do_nothing(index_elements=["message_id"])
    await session.execute(insert, [entry])


async def thread_ids(session: AsyncSession, ticket_key: str) -> tuple[str | None, tuple[str, ...]]:
    """(the customer's latest Message-ID, every Message-ID of the ticket oldest first) for a reply's headers."""
    rows = (
        await session.execute(
            select(MailThreadEntry.message_id, MailThreadEntry.direction)
            .where(MailThreadEntry.ticket_key == ticket_key)
            .order_by(MailThreadEntry.at, MailThreadEntry.id)
        )
    ).all()
    latest_in = next((message_id for message_id, direction in reversed(rows) if direction == "in"), None)
    return latest_in, tuple(message_id for message_id, _ in rows)


class MailThreads:
    """What a reply sent by email needs of the threading: the ids its headers name, and its own id kept, so the
    customer's answer joins the ticket (actions.steps.MailThreads)."""

    async def thread_ids(self, session: AsyncSession, ticket_key: str) -> tuple[str | None, tuple[str, ...]]:
        return await thread_ids(session, ticket_key)

    async def remember_sent(
        self, session: AsyncSession, message_id: str, ticket_key: str, subject: str | None, at: datetime
    ) -> None:
        await remember(session, message_id, ticket_key, "out", None, subject, at)


def event_id_for(message_id: str) -> str:
    if len(message_id) <= 255:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def ticket_key_for(message_id: str) -> str:
    """A short, stable ticket id from the first mail's Message-ID: cards show it, so it must read well."""
    return "mail-" + hashlib.sha256(message_id.encode()).hexdigest()[:10]


def payload(
    parsed: ParsedMail, mail: FetchedMail, folder: str, uidvalidity: int, ticket_key: str, *, opens: bool
) -> dict[str, Any]:
    return {
        "message_id": parsed.message_id,
        "kind": parsed.kind.value,
        "ticket_key": ticket_key,
        "opens_ticket": opens,
        "from": {"email": parsed.sender, "name": parsed.sender_name},
        "subject": parsed.subject,
        "text": parsed.text,
        "sent_at": parsed.sent_at.isoformat() if parsed.sent_at else None,
        "internaldate": mail.internaldate.isoformat(),
        "attachments": [{"name": a.name, "size": a.size} for a in parsed.attachments],
        "in_reply_to": list(parsed.in_reply_to),
        "references": list(parsed.references),
        "imap": {"folder": folder, "uidvalidity": uidvalidity, "uid": mail.uid},
    }
