"""Imports between the packages of bot/ flow one way, as docs/architecture.md draws them.

A package is `bot.<name>`. An edge A -> B means some module of A imports some module of B, at any depth and in
any scope (a function-level or TYPE_CHECKING import couples the packages as much as a top-level one). The graph
must have no cycle once the edges in KNOWN_BACK_EDGES are left out; each of those names the module that makes
it and what would remove it. The list may only shrink: an entry whose edge has gone fails the test too, so that
it is deleted and the edge cannot come back unnoticed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

BOT = Path(__file__).parents[2] / "bot"

# core is the leaf vocabulary: it imports nothing from bot outside itself.
LEAVES = {"core"}

# Edges against the flow (core, policies <- storage <- observability, config <- integrations <- mailbox <- outbox
# <- cards <- actions <- oncall <- tone <- privacy <- inbound <- home <- handlers <- app <- cli), held until the
# change named here lands. None is left: a lower package that needs a higher one's work is handed a protocol by
# the runtime (cards.facts, actions.paging, outbox.drawer).
KNOWN_BACK_EDGES: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[str]:
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) < 2:
        return None
    return parts[1]


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(BOT.rglob("*.py")):
        if "migrations" in path.relative_to(BOT).parts:
            continue
        source = package_of(module_name(path))
        if source is None:
            continue
        targets = graph.setdefault(source, set())
        for module in imported_modules(path):
            target = package_of(module)
            if target is not None and target != source and (BOT / target).is_dir():
                targets.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target, [*path, node]):
                return cycle
        done.add(node)
        return None

    for node in sorted(graph):
        if cycle := visit(node, []):
            return cycle
    return None


def test_the_package_graph_has_no_cycle_but_the_known_back_edges():
    graph = {
        source: targets - {t for s, t in KNOWN_BACK_EDGES if s == source} for source, targets in package_graph().items()
    }
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle between packages: {' -> '.join(cycle)}"


def test_each_known_back_edge_still_exists():
    graph = package_graph()
    gone = [f"{source} -> {target}" for source, target in KNOWN_BACK_EDGES if target not in graph.get(source, set())]
    assert not gone, f"remove from KNOWN_BACK_EDGES, the edge is gone: {', '.join(gone)}"


def test_the_leaf_vocabulary_imports_nothing_else_from_bot():
    graph = package_graph()
    for leaf in LEAVES:
        assert not graph.get(leaf), f"bot.{leaf} imports {sorted(graph[leaf])}"


def test_nothing_but_the_entry_point_is_left_loose_at_the_top_of_bot():
    loose = sorted(path.name for path in BOT.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py"], f"modules belong in a feature package: {loose}"


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None
