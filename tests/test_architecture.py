"""The core is transport-free: nothing outside bot/adapters imports telegram."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_telegram() -> None:
    core = [p for p in BOT.rglob("*.py") if "adapters" not in p.relative_to(BOT).parts]
    assert len(core) >= 8
    for path in core:
        offending = {m for m in imported_modules(path) if m.split(".")[0] == "telegram"}
        assert not offending, f"{path} imports {offending}"


def test_core_imports_no_adapter() -> None:
    for path in BOT.glob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        assert not any(m.startswith("bot.adapters") for m in imported_modules(path)), path
