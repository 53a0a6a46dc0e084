"""The matcher meets its targets on the labelled question set."""

from __future__ import annotations

from collections import Counter

from bot.assistant import Assistant
from bot.evaluation import evaluate, load_questions


def test_question_set_is_large_and_varied(assistant: Assistant) -> None:
    questions = load_questions()
    assert len(questions) >= 250
    out_of_domain = [q for q in questions if q.expect is None]
    assert len(out_of_domain) >= 60
    assert sum(q.kind == "near_topic" for q in out_of_domain) >= 30
    languages = Counter(q.language for q in questions)
    assert languages["da"] >= 100
    assert languages["en"] >= 50
    assert {q.expect for q in questions if q.expect} <= set(assistant.knowledge.entries)


def test_accuracy_and_rejection_targets(assistant: Assistant) -> None:
    report = evaluate(assistant, load_questions())
    assert report.in_domain.rate >= 0.95, report.in_domain
    assert report.rejection.rate >= 0.95, report.rejection
    # When the right entry is answered, the figures the question asks for are in the answer.
    assert report.contains.rate >= 0.95, report.contains
