"""Policies decide; they do no I/O. Walk their imports and allow only the standard library and each other."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

POLICIES = sorted((Path(__file__).parents[2] / "bot" / "policies").glob("*.py"))


@pytest.mark.parametrize("module", POLICIES, ids=lambda p: p.name)
def test_policy_imports_only_the_standard_library(module: Path):
    tree = ast.parse(module.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            # bot.core.money is arithmetic on amounts, no I/O: policies may word amounts as every card does.
            pure = name.startswith("bot.policies") or name == "bot.core.money"
            assert top in sys.stdlib_module_names or pure, f"{module.name} imports {name}"


@pytest.mark.parametrize("module", POLICIES, ids=lambda p: p.name)
def test_policy_never_reads_the_clock_itself(module: Path):
    source = module.read_text()
    for call in ("datetime.now(", "time.time(", "time.monotonic(", "date.today("):
        assert call not in source, f"{module.name} calls {call}; take `now` as an argument"
