"""The rule of the house: no layer imports one above it, and the project's modules form no import cycle.

Every import counts: at the top of a module, under `TYPE_CHECKING`, or inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("front", "actors", "stores", "cache", "seeds")
BOTTOM = ("errors", "timestamps", "config", "textfold")
ENTRY_POINTS = {"seeds.__main__"}
FORBIDDEN = {
    "seeds": ("actors", "front"),
    "stores": ("front", "actors", "cache", "seeds"),
    "cache": ("front", "actors", "stores", "seeds"),
    "actors": ("front",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {name: ROOT / f"{name}.py" for name in BOTTOM if (ROOT / f"{name}.py").exists()}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules that `name` imports, wherever in the module the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {target for target in targets if target in known and target != name}


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imported(name, path, known) for name, path in known.items()}


def _layer(name: str) -> str:
    return name.split(".")[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_layer_imports_one_above_it() -> None:
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items() if name not in ENTRY_POINTS
        for target in targets
        if _layer(target) in FORBIDDEN.get(_layer(name), ())
    )
    assert upward == []


def test_the_bottom_modules_import_no_layer() -> None:
    graph = _graph()
    assert {name: sorted(graph[name]) for name in BOTTOM if name in graph and graph[name] - set(BOTTOM)} == {}


def test_no_module_takes_part_in_an_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_rule_sees_imports_in_functions_and_under_type_checking(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from stores.mongo import movies\n"
        "def f() -> None:\n    import actors.work\n"
        "from . import keys\n"
    )
    known = {"stores.mongo.movies": source, "actors.work": source, "cache.keys": source, "cache.probe": source}
    assert _imported("cache.probe", source, known) == {"stores.mongo.movies", "actors.work", "cache.keys"}


def test_a_cycle_is_found_as_one_component() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
