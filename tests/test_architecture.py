"""The layout shows the architecture (DESIGN.md): one room (subpackage) per capability, imports one way.

Every `import opsbook…` in the toolkit, at the top of a module or inside a function, is an edge from the
importing room to the imported one. The handbook room, the lowest, imports no room; the rooms' checks
are composed above them (`opsbook.validation`); and the rooms import each other without cycles, except
the one DESIGN.md names (the calendar feed and the on-call feeds).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from conftest import TOOLS

PACKAGE = TOOLS / "opsbook"
ROOMS = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
KNOWN_CYCLE = {"calendar", "oncall"}  # calendar/feed ↔ oncall/feeds, the one DESIGN.md leaves


def _unit(module: str) -> str:
    """A room's name, or `top:<module>` for a module of the package's top level."""
    parts = module.split(".")
    return parts[1] if parts[1] in ROOMS else f"top:{parts[1]}"


def _imports() -> dict[str, set[str]]:
    """Each room's or top-level module's imports of other ones (lazy imports included)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        here = _unit(".".join(("opsbook",) + parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "opsbook":
                targets = ([f"opsbook.{alias.name}" for alias in node.names] if node.module == "opsbook"
                           else [node.module])
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names if alias.name.startswith("opsbook.")]
            else:
                continue
            edges[here] |= {_unit(target) for target in targets if target.count(".") >= 1} - {here}
    return edges


def test_the_handbook_room_imports_no_room_and_nothing_that_imports_it():
    edges = _imports()
    assert not edges["handbook"] & set(ROOMS), edges["handbook"]
    below = edges["handbook"]  # top-level modules it uses: they must not lead back into any room
    assert below <= {"top:dates", "top:problems", "top:plural", "top:files", "top:slugs", "top:urls"}, below
    for module in below:
        assert not edges[module] & set(ROOMS), (module, edges[module])


def test_the_rooms_checks_are_composed_above_the_rooms():
    edges = _imports()
    assert {"calendar", "oncall", "slo", "status", "handbook"} <= edges["top:validation"]
    assert not any("top:validation" in edges[room] for room in ("handbook", "calendar", "oncall", "slo", "status"))


def test_no_cycle_between_rooms_but_the_known_one():
    edges = _imports()
    graph = {room: {other for other in edges[room] if other in ROOMS} for room in ROOMS}
    cycles = set()
    for start in ROOMS:  # every room that reaches back to `start`, through any path
        seen, stack = set(), list(graph[start])
        while stack:
            room = stack.pop()
            if room in seen:
                continue
            seen.add(room)
            stack += graph[room]
        if start in seen:
            cycles.add(start)
    assert cycles <= KNOWN_CYCLE, sorted(cycles)
