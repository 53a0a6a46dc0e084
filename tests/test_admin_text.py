"""Questions shown to staff cannot hide or rearrange what they read."""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from bot.questionlog import LoggedQuestion, QuestionLog, new_question_id, open_for_reading
from bot.report import build_report, printable, render_report

NOW = 1_800_000_000.0
BIN = Path(sys.executable).parent / "klippekort-bot"
HOSTILE = [
    "hvad koster\x00 snitfladen",
    "timer \u202etilbage er der mange hvor",
    "escape \x1b[2J sequence \x7f and \u2066isolate\u2069",
    "zero\u200bwidth and \u200fmark",
]


@pytest.mark.parametrize("question", HOSTILE)
def test_printable_leaves_no_control_character(question: str) -> None:
    shown = printable(question)
    assert all(ch.isprintable() for ch in shown), repr(shown)
    assert shown[:4] == question[:4]  # the readable words stay as they were


def test_ordinary_text_is_unchanged() -> None:
    text = "Hvor mange timer er der tilbage? 👍 æøå – «citat»"
    assert printable(text) is text


def log_with_hostile_questions(path: Path) -> None:
    log = QuestionLog(path, clock=lambda: NOW)
    for text in HOSTILE:
        log.record(
            LoggedQuestion(new_question_id(), NOW, "da", "private", text, "unknown", None, 0)
        )
    log.flush()
    log.close()


def test_report_and_command_show_the_questions_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    log_with_hostile_questions(path)
    with closing(open_for_reading(path)) as db:
        text = render_report(build_report(db, days=100_000, now=NOW))
    result = subprocess.run(
        [str(BIN), "report", "--log", str(path), "--days", "100000"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for shown in (text, result.stdout):
        assert "snitfladen" in shown
        for line in shown.splitlines():
            assert all(ch.isprintable() for ch in line), repr(line)
