"""No test or payload builder reads the wall clock: every date comes from the test's clock (see tests/clocks.py).

A test that reads the real date passes on the day it is written and fails weeks later (the morning digest's did);
`make test` also runs the dated tests under a shifted clock, and this check names the culprit before that.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# The suite itself, and the fake providers with their payload builders, which tests and the demo share: a
# builder dates its payload at the time it is given, a fake provider keeps the clock it is given (by default the
# system's, through bot.core.clock). The fake SMTP server alone reads the date itself, for its throwaway TLS
# certificate: the client's TLS library checks that against the machine's clock, not the bot's.
CHECKED = sorted(
    [path for path in (ROOT / "tests").rglob("*.py") if path.name != "test_purity.py"]
    + [path for path in (ROOT / "bot" / "fakes").glob("*.py") if path.name != "smtp.py"]
)
WALL_CLOCK = {("time", "time"), ("time", "time_ns"), ("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}


def wall_clock_reads(source: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "time"
        for alias in node.names
        if alias.name in ("time", "time_ns")
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            # `datetime.now` and `datetime.datetime.now` alike: what matters is the last name before the call.
            owner = getattr(func.value, "id", None) or getattr(func.value, "attr", None)
            if (owner, func.attr) in WALL_CLOCK:
                found.append(f"line {node.lineno}: {owner}.{func.attr}()")
        elif isinstance(func, ast.Name) and func.id in imported:
            found.append(f"line {node.lineno}: {func.id}()")
    return found


@pytest.mark.parametrize("module", CHECKED, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_wall_clock_reads(module: Path) -> None:
    assert wall_clock_reads(module.read_text()) == [], "take the time from the test's clock (tests/clocks.py)"


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import time\nt = time." + "time()", True),  # split, so a grep for such reads does not find this table
        ("from time import time as now\nt = now()", True),
        ("from datetime import datetime\nd = datetime." + "now(UTC)", True),
        ("import datetime\nd = datetime.date." + "today()", True),
        ("import time\nt = time.monotonic()", False),  # elapsed time is no date
        ("d = clock.now()", False),
    ],
)
def test_the_check_catches_each_way_of_reading_the_date(source: str, caught: bool) -> None:
    assert bool(wall_clock_reads(source)) is caught
