"""The knowledge base is plain YAML: it reads the same with and without libyaml."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml

import bot.loader
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, KnowledgeBase, KnowledgeError, Problem
from tests.conftest import line_of
from tests.test_cli import run

needs_libyaml = pytest.mark.skipif(
    not hasattr(yaml, "CSafeLoader"), reason="PyYAML is built without libyaml"
)

QUOTED = 'title: {da: "Hvad koster snitfladerne?", en: "What do the interfaces cost?"}'
# What libyaml reads as two titles and PyYAML's own parser refuses: a `?` in a flow mapping.
UNQUOTED = "title: {da: Hvad koster snitfladerne?, en: What do the interfaces cost?}"


@pytest.fixture
def pure_loader(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """bot.loader as imported where PyYAML has no libyaml, so that it takes its fallback."""
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    yield importlib.reload(bot.loader)
    monkeypatch.undo()
    importlib.reload(bot.loader)


def problems(loader: ModuleType, text: str, path: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        loader.parse_knowledge(text, path)
    return caught.value.problems


def libyaml_only_text(kb_text: str) -> str:
    assert kb_text.count(QUOTED) == 1
    return kb_text.replace(QUOTED, UNQUOTED)


@needs_libyaml
def test_same_data_with_and_without_libyaml(kb_text: str) -> None:
    fast = yaml.load(kb_text, Loader=yaml.CSafeLoader)
    plain = yaml.load(kb_text, Loader=yaml.SafeLoader)
    assert fast == plain


def test_loads_with_the_fallback_loader(
    pure_loader: ModuleType, knowledge: KnowledgeBase, kb_text: str
) -> None:
    assert pure_loader._Loader is yaml.SafeLoader
    assert pure_loader.parse_knowledge(kb_text, DEFAULT_KNOWLEDGE_PATH) == knowledge


@needs_libyaml
def test_yaml_only_libyaml_reads_is_refused(kb_text: str, tmp_path: Path) -> None:
    text = libyaml_only_text(kb_text)
    line = line_of(text, UNQUOTED)
    column = text.splitlines()[line - 1].index("?") + 1
    path = tmp_path / "kb.yaml"
    (problem,) = problems(bot.loader, text, path)
    assert (problem.line, problem.column) == (line, column)
    assert "only libyaml reads this; put the text in quotes" in problem.reason


def test_acceptance_does_not_depend_on_libyaml(
    pure_loader: ModuleType, kb_text: str, tmp_path: Path
) -> None:
    text = libyaml_only_text(kb_text)
    (problem,) = problems(pure_loader, text, tmp_path / "kb.yaml")
    assert problem.line == line_of(text, UNQUOTED)
    assert "YAML syntax error" in problem.reason


@needs_libyaml
def test_check_names_file_line_and_column(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = libyaml_only_text(kb_text)
    path = write_kb(text)
    line = line_of(text, UNQUOTED)
    column = text.splitlines()[line - 1].index("?") + 1
    result = run("check", str(path))
    assert result.returncode == 2
    assert f"{path}:{line}:{column}: only libyaml reads this" in result.stderr
    assert "Traceback" not in result.stderr


def test_first_difference_is_the_pure_parsers_node() -> None:
    fast = yaml.compose("a: {b: [1, x]}\n", Loader=yaml.SafeLoader)
    plain = yaml.compose("a: {b: [1, y]}\n", Loader=yaml.SafeLoader)
    differs = bot.loader._first_difference(fast, plain)
    assert differs is not None
    assert (differs.value, differs.start_mark.line, differs.start_mark.column) == ("y", 0, 11)
    assert bot.loader._first_difference(fast, fast) is None
