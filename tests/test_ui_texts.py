"""The bot's own words in the knowledge base's `ui:` section: every key in every language, only
the placeholders each is given, problems reported by file and line (also by `check`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_knowledge
from bot.loader import BOT_TEXT_NAMES
from tests.helpers import line_of
from tests.test_cli import run

FORGOTTEN_EN = "    en: >-\n      I have forgotten everything I kept about you"
TOO_MANY_DA = '    da: "Du har stillet mange spørgsmål på kort tid.'


def problems_of(path: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as refused:
        load_knowledge(path)
    return [str(problem) for problem in refused.value.problems]


def test_every_bot_text_is_there_in_both_languages(
    kb_text: str, write_kb: Callable[..., Path]
) -> None:
    knowledge = load_knowledge(write_kb(kb_text))
    for key in BOT_TEXT_NAMES:
        assert set(knowledge.ui[key]) == {"da", "en"}, key
        assert all(text.strip() for text in knowledge.ui[key].values()), key


def test_text_fills_only_the_values_given(kb_text: str, write_kb: Callable[..., Path]) -> None:
    knowledge = load_knowledge(write_kb(kb_text))
    assert knowledge.text("reloaded", "en", entries=12) == (
        "The knowledge base was reloaded: 12 entries."
    )
    assert knowledge.text("unanswered_heading", "da", days=30) == "Ubesvarede spørgsmål, 30 dage:"
    # A language the knowledge base lacks falls back to its first.
    assert knowledge.text("error", "de") == knowledge.ui["error"]["da"]


def test_a_text_missing_in_one_language_is_named_with_its_line(
    kb_text: str, write_kb: Callable[..., Path]
) -> None:
    assert FORGOTTEN_EN in kb_text
    start = kb_text.index(FORGOTTEN_EN)
    end = kb_text.index("\n", kb_text.index("\n", start + len(FORGOTTEN_EN)) + 1)
    text = kb_text[:start] + kb_text[end + 1 :]
    path = write_kb(text)
    # The line where the texts of `forgotten` begin (its Danish one).
    line = line_of(text, "  forgotten:") + 1
    assert f"{path}:{line}: ui.forgotten: missing field 'en'" in problems_of(path)


def test_a_missing_text_is_named(kb_text: str, write_kb: Callable[..., Path]) -> None:
    start = kb_text.index("  none_of_these:\n")
    end = kb_text.index("  feedback_thanks:\n")
    path = write_kb(kb_text[:start] + kb_text[end:])
    assert any("none_of_these" in p for p in problems_of(path)), problems_of(path)


@pytest.mark.parametrize(
    ("placeholder", "reason"),
    [
        ("{argument}", "is not given to this text (it takes none)"),
        ("{pool_hours}", "is not given to this text (it takes none)"),  # a fact, but not here
    ],
)
def test_a_placeholder_a_text_is_not_given_is_refused_with_its_line(
    kb_text: str, write_kb: Callable[..., Path], placeholder: str, reason: str
) -> None:
    assert kb_text.count(TOO_MANY_DA) == 1
    text = kb_text.replace(TOO_MANY_DA, TOO_MANY_DA[:-1] + f" {placeholder}.")
    path = write_kb(text)
    line = line_of(text, TOO_MANY_DA[:-1])
    expected = f"{path}:{line}: ui.too_many.da: placeholder '{placeholder}' {reason}"
    assert expected in problems_of(path)


def test_check_reports_a_bad_text_by_file_and_line(
    kb_text: str, write_kb: Callable[..., Path]
) -> None:
    text = kb_text.replace(TOO_MANY_DA, TOO_MANY_DA[:-1] + " {minutes}.")
    path = write_kb(text)
    result = run("check", "--knowledge", str(path))
    assert result.returncode != 0
    line = line_of(text, TOO_MANY_DA[:-1])
    assert (
        f"{path}:{line}: ui.too_many.da: placeholder '{{minutes}}'" in result.stdout + result.stderr
    )
