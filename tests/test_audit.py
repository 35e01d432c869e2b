"""The audit trail: append-only, chained by hash, and any tampering named by `verify`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from bot.actions import audit
from bot.actions.audit import Entry, Outcome
from bot.storage.db import Database
from bot.storage.models.actions import AuditRecord

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _entry(n: int, outcome: Outcome = Outcome.SUCCEEDED) -> Entry:
    return Entry(
        actor_id="U0OWNER",
        actor_name="Olivia Owner",
        action="refund",
        outcome=outcome,
        subject="ann@example.com",
        payment_id=n,
        parameters={"amount_minor": 4900 + n, "currency": "USD"},
        provider_reference=f"re_{n}",
        idempotency_key=f"refund:{n}",
    )


@pytest.fixture
async def chained(db: Database) -> Database:
    """The database with four records in its audit chain."""
    async with db.transaction() as session:
        for n in range(1, 5):
            await audit.append(session, _entry(n), T0 + timedelta(minutes=n))
    return db


async def _verify(db: Database) -> tuple[int, audit.Break | None]:
    async with db.transaction(read_only=True) as session:
        return await audit.verify(session)


async def test_an_untouched_chain_verifies(chained):
    assert await _verify(chained) == (4, None)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"parameters": {"amount_minor": 1, "currency": "USD"}}, "its content was changed"),
        ({"outcome": "failed"}, "its content was changed"),
        ({"at": T0}, "its content was changed"),
        (
            {"personal": {"actor_name": "Someone Else", "subject": "ann@example.com", "note": None}},
            "its personal data was changed",
        ),
    ],
)
async def test_an_edited_record_is_named(chained, change, reason):
    async with chained.transaction() as session:
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(**change))
    checked, broken = await _verify(chained)
    assert broken == audit.Break(2, reason) and checked == 2


async def test_a_deleted_record_is_noticed_at_the_next_one(chained):
    async with chained.transaction() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    _, broken = await _verify(chained)
    assert broken is not None and broken.seq == 3 and "deleted" in broken.reason


async def test_a_rewritten_tail_still_breaks_at_the_edit(chained):
    """Recomputing an edited record's own hash does not help: the next record names the old one."""
    async with chained.transaction() as session:
        record = await session.get_one(AuditRecord, 2)
        record.parameters = {"amount_minor": 1, "currency": "USD"}
        record.hash = audit.chain_hash(record)
    _, broken = await _verify(chained)
    assert broken is not None and broken.seq == 3


async def test_forgetting_a_persons_data_keeps_the_chain_intact(chained):
    async with chained.transaction() as session:
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(personal=None))
    assert await _verify(chained) == (4, None)


async def test_appends_from_many_transactions_at_once_make_one_unbroken_chain(database_url):
    database = Database(database_url)
    try:

        async def one(n: int) -> None:
            async with database.transaction() as session:
                await audit.append(session, _entry(n), T0)

        await asyncio.gather(*(one(n) for n in range(20)))
        assert await _verify(database) == (20, None)
    finally:
        await database.dispose()


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "audit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent,
        env=env | {"SUPPORTBOT_DATABASE_URL": database_url},
    )


async def test_the_cli_exports_csv_and_jsonl_and_verifies(chained, database_url):
    rows = list(csv.DictReader(io.StringIO(_cli(database_url, "export", "--format", "csv").stdout)))
    assert [row["seq"] for row in rows] == ["1", "2", "3", "4"]
    assert rows[0]["actor_name"] == "Olivia Owner" and json.loads(rows[0]["parameters"])["amount_minor"] == 4901
    recent = _cli(database_url, "export", "--format", "jsonl", "--since", (T0 + timedelta(minutes=3)).isoformat())
    assert [json.loads(line)["seq"] for line in recent.stdout.splitlines()] == [3, 4]
    intact = _cli(database_url, "verify")
    assert intact.returncode == 0 and "4 records" in intact.stdout

    async with chained.transaction() as session:
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(outcome="failed"))
    broken = _cli(database_url, "verify")
    assert broken.returncode == 1
    assert broken.stderr.strip() == "audit trail broken at record 2: its content was changed (2 records checked)"
