"""Shared fixtures: the real knowledge base, an assistant on it, and broken copies of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, KnowledgeBase, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "klippekortet.txt"


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge(DEFAULT_KNOWLEDGE_PATH)


@pytest.fixture(scope="session")
def assistant(knowledge: KnowledgeBase) -> Assistant:
    return Assistant(knowledge)


@pytest.fixture
def kb_text() -> str:
    return DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8")


@pytest.fixture
def write_kb(tmp_path: Path) -> Callable[[str], Path]:
    """Write a knowledge-base text to a temporary file and return its path."""

    def write(text: str, name: str = "kb.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line number of the n-th line containing `fragment`."""
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if fragment in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{fragment!r} not found")
