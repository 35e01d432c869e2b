"""Shared fixtures: every test that touches storage runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.storage.db import Database
from bot.storage.models import Base

# The fake Slack, Stripe, PayPal, licence servers, mailing lists, help desk and SMTP server, for any test.
pytest_plugins = ["tests.provider_fixtures"]

# Where the suite may create its own throw-away database; .ci/run makes sure the server is up.
ADMIN_DSN = os.environ.get("SUPPORTBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _run(make: Callable[[], Awaitable[None]]) -> None:
    """Run a coroutine to the end from sync code, even when the caller is inside a running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, make()).result()  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"supportbot_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(ADMIN_DSN, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        _run(lambda: admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {ADMIN_DSN} ({exc}); the suite runs on it too: start it "
            "(see README) or point SUPPORTBOT_TEST_POSTGRES at one",
            pytrace=False,
        )
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{base}/{name}"

    async def migrate() -> None:
        db = Database(url)
        await db.migrate()
        await db.dispose()

    _run(migrate)
    yield url
    _run(lambda: admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.storage.db'}"
        db = Database(url)
        await db.migrate()
        await db.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    db = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    await db.dispose()
    yield url


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated, empty SQLite database, for what is SQLite's alone or where the kind does not matter."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'sqlite-only.db'}"
    db = Database(url)
    await db.migrate()
    await db.dispose()
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The database of `database_url`, opened for the test and disposed after it."""
    database = Database(database_url)
    yield database
    await database.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: nothing may be skipped silently."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"CI: {skipped} test(s) skipped; every test must run here", red=True)
