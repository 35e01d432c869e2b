import asyncio, logging
import pytest
from sqlalchemy import text
from bot.storage.db import Database

@pytest.mark.parametrize("hops", range(8))
async def test_probe(tmp_path, caplog, hops):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    caplog.set_level(logging.ERROR, logger="sqlalchemy.pool")
    async def work():
        async with db.transaction(read_only=True) as s:
            await s.execute(text("select 1"))
            loop = asyncio.get_running_loop()
            def later(n):
                if n == 0:
                    task.cancel()
                else:
                    loop.call_soon(later, n - 1)
            later_n = hops
            loop.call_soon(later, later_n)
    task = asyncio.create_task(work())
    await asyncio.gather(task, return_exceptions=True)
    await db.dispose()
    assert not caplog.records, [r.getMessage() for r in caplog.records]
