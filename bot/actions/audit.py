"""The audit trail: every attempt, refusal, success and failure of an action, append-only and hash-chained.

Each record's hash covers its fields and the previous record's hash, so editing, deleting or reordering any
record breaks the chain from there on; `verify` names the first record that does not fit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.observability import metrics
from bot.storage.models.actions import AuditRecord

GENESIS = "0" * 64
# Any fixed number: PostgreSQL's advisory lock that makes appends to the chain take turns.
_CHAIN_LOCK = 0x5B07A0D1


class Outcome(StrEnum):
    ATTEMPTED = "attempted"
    REFUSED = "refused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ALREADY_DONE = "already-done"


@dataclass(frozen=True)
class Entry:
    """What happened, as the caller knows it; `personal` holds anything that names a person."""

    actor_id: str
    action: str
    outcome: Outcome
    actor_name: str | None = None
    subject: str | None = None
    note: str | None = None
    customer_id: int | None = None
    ticket_id: int | None = None
    payment_id: int | None = None
    parameters: dict[str, Any] | None = None
    provider_reference: str | None = None
    idempotency_key: str | None = None


async def append(session: AsyncSession, entry: Entry, now: datetime) -> AuditRecord:
    """Add `entry` at the end of the chain, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = await session.scalar(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1))
    personal = {"actor_name": entry.actor_name, "subject": entry.subject, "note": entry.note}
    record = AuditRecord(
        seq=(last.seq + 1) if last else 1,
        at=now,
        actor_id=entry.actor_id,
        action=entry.action,
        outcome=entry.outcome,
        customer_id=entry.customer_id,
        ticket_id=entry.ticket_id,
        payment_id=entry.payment_id,
        parameters=entry.parameters or {},
        provider_reference=entry.provider_reference,
        idempotency_key=entry.idempotency_key,
        personal=personal,
        personal_digest=_digest(personal),
        prev_hash=last.hash if last else GENESIS,
    )
    record.hash = chain_hash(record)
    session.add(record)
    await session.flush()
    metrics.count_action(session, entry.action, entry.outcome)
    return record


def chain_hash(record: AuditRecord) -> str:
    chained = {
        "seq": record.seq,
        "at": record.at.isoformat(timespec="microseconds"),
        "actor_id": record.actor_id,
        "action": record.action,
        "outcome": record.outcome,
        "customer_id": record.customer_id,
        "ticket_id": record.ticket_id,
        "payment_id": record.payment_id,
        "parameters": record.parameters,
        "provider_reference": record.provider_reference,
        "idempotency_key": record.idempotency_key,
        "personal_digest": record.personal_digest,
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(_canonical(chained)).hexdigest()


def _digest(personal: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(personal)).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_since(value: str, now: datetime) -> datetime:
    """ "7d", "12h", "30m" before `now`, or an ISO date or time (UTC unless it says)."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if value[:-1].isdigit() and value[-1:] in units:
        return now - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date, time or age: {value!r} (try 2026-11-01 or 7d)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


async def verify(session: AsyncSession) -> tuple[int, Break | None]:
    """(records checked, the first break or None)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    async for record in _in_order(session):
        checked += 1
        problem = _problem(record, expected_prev, expected_seq)
        if problem:
            return checked, Break(record.seq, problem)
        expected_prev, expected_seq = record.hash, record.seq + 1
    return checked, None


def _problem(record: AuditRecord, expected_prev: str, expected_seq: int) -> str | None:
    if record.seq != expected_seq:
        return f"expected record {expected_seq} here: a record was deleted or inserted"
    if record.prev_hash != expected_prev:
        return "it does not follow the record before it: a record before it was changed, deleted or inserted"
    # A forgotten customer's personal data is gone (None); its digest still stands in the chain.
    if record.personal is not None and _digest(record.personal) != record.personal_digest:
        return "its personal data was changed"
    if chain_hash(record) != record.hash:
        return "its content was changed"
    return None


async def _in_order(session: AsyncSession, since: datetime | None = None) -> AsyncIterator[AuditRecord]:
    query = select(AuditRecord).order_by(AuditRecord.seq)
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    async for record in await session.stream_scalars(query.execution_options(yield_per=500)):
        yield record


EXPORT_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "outcome",
    "subject",
    "customer_id",
    "ticket_id",
    "payment_id",
    "parameters",
    "provider_reference",
    "idempotency_key",
    "note",
    "hash",
)


def as_row(record: AuditRecord) -> dict[str, Any]:
    personal = record.personal or {}
    return {
        "seq": record.seq,
        "at": record.at.isoformat(),
        "actor_id": record.actor_id,
        "actor_name": personal.get("actor_name"),
        "action": record.action,
        "outcome": record.outcome,
        "subject": personal.get("subject"),
        "customer_id": record.customer_id,
        "ticket_id": record.ticket_id,
        "payment_id": record.payment_id,
        "parameters": record.parameters,
        "provider_reference": record.provider_reference,
        "idempotency_key": record.idempotency_key,
        "note": personal.get("note"),
        "hash": record.hash,
    }


async def export(session: AsyncSession, fmt: str, since: datetime | None = None) -> AsyncIterator[str]:
    """The records as CSV or JSON lines, oldest first, a chunk of text at a time."""
    if fmt == "jsonl":
        async for record in _in_order(session, since):
            yield json.dumps(as_row(record), ensure_ascii=False) + "\n"
        return
    yield _csv_lines([dict(zip(EXPORT_FIELDS, EXPORT_FIELDS, strict=True))])
    async for record in _in_order(session, since):
        row = as_row(record)
        row["parameters"] = json.dumps(row["parameters"], sort_keys=True, ensure_ascii=False)
        yield _csv_lines([row])


def _csv_lines(rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()
