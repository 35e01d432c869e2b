"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.core.errors import ConfigError
from bot.storage.db import Database
from bot.storage.models import Base


async def test_migrated_schema_matches_the_models(database_url):
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    finally:
        await db.dispose()
    assert diff == []


async def test_a_new_database_is_migrated_on_start_and_an_outdated_one_is_refused(tmp_path):
    fresh = Database(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    await fresh.ensure_schema(create_if_new=True)
    assert (await fresh.schema_state())[0] == (await fresh.schema_state())[1]
    async with fresh.engine.begin() as conn:
        await conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    try:
        await fresh.ensure_schema(create_if_new=True)
    except ConfigError as exc:
        assert "supportbot migrate" in str(exc)
    else:
        raise AssertionError("an outdated schema must stop start-up")
    finally:
        await fresh.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_small_page_cache(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        async with db.transaction() as session:
            journal = (await session.execute(text("PRAGMA journal_mode"))).scalar()
            foreign = (await session.execute(text("PRAGMA foreign_keys"))).scalar()
            cache = (await session.execute(text("PRAGMA cache_size"))).scalar()
    finally:
        await db.dispose()
    assert (journal, foreign, cache) == ("wal", 1, -512)  # 512 KiB, not SQLite's 2 MB per pooled connection


async def test_events_given_up_on_before_0009_become_quarantined_with_their_last_error(database_url):
    from alembic import command

    from bot.storage.db import _alembic_config

    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(_alembic_config(sync), "0008"))
        try:
            async with db.engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO inbound_events (provider, event_id, event_type, payload, status, attempts, error, "
                        "received_at) VALUES ('stripe', 'evt_old', 'charge.succeeded', '{}', 'failed', 12, "
                        "'ValueError: no', '2026-11-20 10:00:00')"
                    )
                )
        finally:
            async with db.engine.begin() as conn:
                await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
        async with db.engine.connect() as conn:
            row = (
                await conn.execute(text("SELECT status, quarantine_reason, quarantined_at FROM inbound_events"))
            ).one()
    finally:
        await db.dispose()
    assert row[0] == "quarantined"
    assert row[1] == "failed 12 times; the last error: ValueError: no"
    assert row[2] is not None


async def test_amounts_sqlite_kept_that_are_no_whole_number_become_unknown_in_0009(tmp_path):
    # Only SQLite ever kept them (a Stripe "amount": 1e400 as infinity); PostgreSQL refused them from the start.
    from alembic import command

    from bot.storage.db import _alembic_config

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "0008"))
            for pi, amount in (("pi_inf", float("inf")), ("pi_half", 4900.5), ("pi_ok", 4900)):
                await conn.execute(
                    text(
                        "INSERT INTO payments (provider, provider_payment_id, amount_minor, currency, "
                        "amount_refunded_minor, livemode, paid_at) VALUES ('stripe', :pi, :amount, 'USD', :amount, 1, "
                        "'2026-11-20 10:00:00')"
                    ),
                    {"pi": pi, "amount": amount},
                )
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT provider_payment_id, amount_minor, amount_refunded_minor FROM payments ORDER BY id")
                )
            ).all()
    finally:
        await db.dispose()
    assert [tuple(row) for row in rows] == [("pi_inf", None, 0), ("pi_half", None, 0), ("pi_ok", 4900, 4900)]
