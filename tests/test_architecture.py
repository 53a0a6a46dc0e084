"""The shape of `bot/`: no import cycles, and a core that knows nothing of Telegram.

Every module is parsed with `ast`; every import counts, wherever it stands (inside a function,
under `if TYPE_CHECKING:`), since a cycle hidden in a function is still a cycle to read.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(BOT.rglob("*.py"))}


def imported_names(path: Path) -> set[str]:
    """Every module `path` imports, by absolute name (`from x import y` gives x and x.y)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of `bot` it imports (a package counts as its __init__)."""
    return {
        name: {other for other in imported_names(path) if other in MODULES and other != name}
        for name, path in MODULES.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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


def is_core(name: str) -> bool:
    return not name.startswith("bot.adapters")


def test_the_graph_sees_every_module_and_their_imports() -> None:
    graph = import_graph()
    assert len(graph) >= 25
    assert "bot.model" in graph["bot.loader"]
    assert "bot.adapters.telegram.settings" in graph["bot.adapters.telegram.main"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(import_graph()) == []


def test_core_never_imports_telegram() -> None:
    core = [name for name in MODULES if is_core(name)]
    assert len(core) >= 15
    for name in core:
        offending = {m for m in imported_names(MODULES[name]) if m.split(".")[0] == "telegram"}
        assert not offending, f"{name} imports {offending}"


def test_core_imports_no_adapter() -> None:
    # The command line starts the adapters; nothing else in the core may know them.
    for name in MODULES:
        if not is_core(name) or name in ("bot.cli", "bot.__main__"):
            continue
        adapters = {m for m in imported_names(MODULES[name]) if m.startswith("bot.adapters")}
        assert not adapters, f"{name} imports {adapters}"
