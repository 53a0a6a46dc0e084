"""Reports from the question log, and the usage chart drawn from the facts."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bot.chart import ChartCache, render_chart
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.questionlog import LoggedQuestion, QuestionLog, new_question_id, open_for_reading
from bot.report import build_report, group_similar, render_report

NOW = 1_800_000_000.0
BIN = Path(sys.executable).parent / "klippekort-bot"


def fill_log(path: Path) -> None:
    log = QuestionLog(path, clock=lambda: NOW)

    def ask(text: str, outcome: str, entry: str | None, days_ago: float = 0) -> str:
        question_id = new_question_id()
        log.record(
            LoggedQuestion(
                question_id, NOW - days_ago * 86400, "da", "private", text, outcome, entry, 50
            )
        )
        return question_id

    for text in (
        "Hvad koster en ESDH snitflade?",
        "hvad koster ESDH snitfladen",
        "ESDH snitflade pris",
    ):
        ask(text, "unknown", None)
    ask("Hvem vandt VM i 2014?", "unknown", None)
    ask("gammelt spørgsmål", "unknown", None, days_ago=40)
    disliked = ask("Hvad koster snitfladerne?", "answered", "interface_costs")
    liked = ask("Hvor mange timer er der tilbage?", "answered", "remaining_hours")
    log.feedback(disliked, -1)
    log.feedback(liked, +1)
    unsure = ask("timer", "suggested", None)
    log.none_of_these(unsure)
    log.flush()
    log.close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_counts_groups_and_feedback(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    fill_log(path)
    with open_for_reading(path) as db:
        report = build_report(db, days=30, now=NOW)
    assert report.total == 7  # the question 40 days old is outside the 30 days
    assert report.by_outcome == {"unknown": 4, "answered": 2, "suggested": 1}
    top = report.unanswered[0]
    assert top.count == 3
    assert all("ESDH" in example for example in top.examples)
    assert [f.entry_id for f in report.feedback if f.thumbs_down] == ["interface_costs"]
    assert report.none_of_these[0].examples == ["timer"]
    text = render_report(report)
    assert "3 × " in text
    assert "interface_costs: 1 👎" in text
    assert "gammelt" not in text


def test_grouping_keeps_different_questions_apart() -> None:
    groups = group_similar(["hvad koster bussen", "Hvad koster bussen?", "hvem er statsminister"])
    assert [g.count for g in groups] == [2, 1]


def test_report_command(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    fill_log(path)
    result = subprocess.run(
        [str(BIN), "report", "--log", str(path), "--days", "100000", "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == 8
    missing = subprocess.run(
        [str(BIN), "report", "--log", str(tmp_path / "none.db")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


def test_chart_is_a_sensible_png(knowledge: KnowledgeBase) -> None:
    for language in ("da", "en"):
        data = render_chart(knowledge, language)
        width, height = png_size(data)
        assert (width, height) == (1200, 900)
        assert 10_000 < len(data) < 500_000


def test_chart_follows_the_facts(
    knowledge: KnowledgeBase, kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    changed = load_knowledge(
        write_kb(kb_text.replace("used: 17011", "used: 7011").replace("used: 16880", "used: 26880"))
    )
    assert render_chart(changed, "da") != render_chart(knowledge, "da")


def test_chart_texts_come_from_the_knowledge_base(
    kb_text: str, write_kb: Callable[[str], Path], monkeypatch: object
) -> None:
    import matplotlib.axes

    titles: list[str] = []
    original = matplotlib.axes.Axes.set_title

    def spy(self: matplotlib.axes.Axes, label: str, *args: object, **kwargs: object) -> object:
        titles.append(label)
        return original(self, label, *args, **kwargs)  # type: ignore[arg-type]

    matplotlib.axes.Axes.set_title = spy  # type: ignore[method-assign]
    try:
        changed = load_knowledge(
            write_kb(kb_text.replace('Forbrug af Klippekortets timer"', 'Timer pr. år"'))
        )
        render_chart(changed, "da")
    finally:
        matplotlib.axes.Axes.set_title = original  # type: ignore[method-assign]
    assert titles == ["Timer pr. år"]


def test_chart_cache_renders_once(knowledge: KnowledgeBase) -> None:
    cache = ChartCache()
    first = cache.get(knowledge, "da")
    assert cache.get(knowledge, "da") is first
    assert cache.get(knowledge, "en") is not first
    cache.clear()
    assert cache.get(knowledge, "da") is not first


def test_chart_command(tmp_path: Path) -> None:
    output = tmp_path / "chart.png"
    result = subprocess.run(
        [str(BIN), "chart", "--lang", "en", "-o", str(output)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert png_size(output.read_bytes()) == (1200, 900)
