"""Recording what Slack should show, in the same transaction as the change it shows."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import OutboxKind, OutboxMessage, OutboxStatus


class Subject(StrEnum):
    SALE = "sale"
    TICKET = "ticket"
    DISPUTE = "dispute"
    DIGEST = "digest"


def post_card(session: AsyncSession, subject: Subject, subject_id: int, channel: str, now: datetime) -> None:
    _add(
        session,
        f"{subject}:{subject_id}:card",
        None,
        channel,
        OutboxKind.POST_CARD,
        subject,
        subject_id,
        {},
        now,
    )


def reply(
    session: AsyncSession,
    key: str,
    *,
    parent: Subject,
    parent_id: int,
    channel: str,
    text: str,
    now: datetime,
    record: dict[str, Any] | None = None,
) -> None:
    """A thread reply under `parent`'s card; its text is fixed now, because it tells of this moment."""
    payload = {"text": text} | ({"record": record} if record else {})
    _add(session, key, None, channel, OutboxKind.REPLY, parent, parent_id, payload, now)


async def update_card(session: AsyncSession, subject: Subject, subject_id: int, channel: str, now: datetime) -> None:
    """Ask for the card to be redrawn from the records; one waiting request covers any number of changes."""
    coalesce_key = f"{subject}:{subject_id}:update"
    waiting = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.coalesce_key == coalesce_key, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    if waiting is None:
        key = f"{coalesce_key}:{uuid.uuid4().hex}"
        _add(session, key, coalesce_key, channel, OutboxKind.UPDATE_CARD, subject, subject_id, {}, now)


def _add(
    session: AsyncSession,
    key: str,
    coalesce_key: str | None,
    channel: str,
    kind: OutboxKind,
    subject: Subject,
    subject_id: int,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        OutboxMessage(
            dedupe_key=key,
            coalesce_key=coalesce_key,
            channel=channel,
            kind=kind,
            subject_type=subject,
            subject_id=subject_id,
            payload=payload,
            status=OutboxStatus.PENDING,
            attempts=0,
            not_before=now,
            created_at=now,
        )
    )
