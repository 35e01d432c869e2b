"""Putting the statements the code really runs to SQLite's planner, for tests that a read finds its rows by index.

SQLite keeps no statistics (nothing runs ANALYZE), so its plan depends only on the schema and the statement's
shape: a plan seen in a test is the plan production gets.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database


async def planned(db: Database, work: Callable[[AsyncSession], Awaitable[Any]]) -> list[tuple[str, list[str]]]:
    """Each SELECT, UPDATE or DELETE `work` runs, with what SQLite's planner says of it, one line a step."""
    caught: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "UPDATE", "DELETE"):
            caught.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", catch)
    try:
        async with db.transaction() as session:
            await work(session)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", catch)
    path = db.engine.url.database
    assert path is not None
    with sqlite3.connect(path) as plain:
        return [(sql, [row[3] for row in plain.execute(f"EXPLAIN QUERY PLAN {sql}", params)]) for sql, params in caught]


def steps_on(table: str, plans: list[tuple[str, list[str]]], where: str = "") -> list[str]:
    """The plan lines reading `table`, of the statements whose text matches `where`."""
    return [
        line
        for sql, plan in plans
        if re.search(where, sql)
        for line in plan
        if re.match(rf"(SCAN|SEARCH) {table}\b", line)
    ]
