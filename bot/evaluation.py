"""Measure the matcher on the labelled question set (`make eval`).

In-domain top-1 accuracy counts a question right only when the bot answers it with the expected
entry (a suggestion is not an answer); out-of-domain rejection counts a question right when the
bot does not answer it (it suggests or says it doesn't know). `--sweep` searches the thresholds
over the whole set; it never looks at single questions.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.assistant import Assistant, Reply
from bot.knowledge import load_knowledge
from bot.matcher import MatchSettings, Outcome, decide

DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "questions.yaml"


@dataclass(frozen=True)
class Question:
    """One labelled question."""

    text: str
    expect: str | None
    language: str
    kind: str
    contains: tuple[str, ...] = ()


@dataclass
class Tally:
    """Right and total for one group of questions."""

    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.rate:6.1%} ({self.right}/{self.total})"


@dataclass
class Report:
    """The figures `make eval` prints."""

    in_domain: Tally = dataclasses.field(default_factory=Tally)
    rejection: Tally = dataclasses.field(default_factory=Tally)
    suggested: Tally = dataclasses.field(default_factory=Tally)
    contains: Tally = dataclasses.field(default_factory=Tally)
    by_language: dict[str, Tally] = dataclasses.field(default_factory=lambda: defaultdict(Tally))
    by_kind: dict[str, Tally] = dataclasses.field(default_factory=lambda: defaultdict(Tally))
    misses: list[tuple[Question, Reply]] = dataclasses.field(default_factory=list)


def load_questions(path: Path = DEFAULT_QUESTIONS) -> list[Question]:
    """Read the question set."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(
            text=str(item["q"]),
            expect=item.get("expect"),
            language=item["lang"],
            kind=item["kind"],
            contains=tuple(str(c) for c in item.get("contains") or ()),
        )
        for item in items
    ]


def answered_entry(reply: Reply) -> str | None:
    return reply.entry_id if reply.outcome is Outcome.ANSWERED else None


def evaluate(assistant: Assistant, questions: Sequence[Question]) -> Report:
    """Ask every question and tally the outcomes."""
    report = Report()
    for question in questions:
        reply = assistant.reply(question.text)
        got = answered_entry(reply)
        ok = got == question.expect
        if question.expect is None:
            report.rejection.add(ok)
        else:
            report.in_domain.add(ok)
            report.suggested.add(reply.outcome is Outcome.SUGGESTED)
            if ok and question.contains:
                report.contains.add(all(c in reply.text for c in question.contains))
        report.by_language[question.language].add(ok)
        report.by_kind[question.kind].add(ok)
        if not ok:
            report.misses.append((question, reply))
    return report


def print_report(report: Report, show_misses: bool = True) -> None:
    print(f"in-domain top-1 accuracy   {report.in_domain}")
    print(f"out-of-domain rejection    {report.rejection}")
    print(f"suggestion rate (in-domain) {report.suggested}")
    print(f"answers with the figures   {report.contains}")
    print("by language:")
    for language, tally in sorted(report.by_language.items()):
        print(f"  {language:<24} {tally}")
    print("by kind:")
    for kind, tally in sorted(report.by_kind.items()):
        print(f"  {kind:<24} {tally}")
    if show_misses and report.misses:
        print(f"misses ({len(report.misses)}):")
        for question, reply in report.misses:
            got = answered_entry(reply) or f"({reply.outcome})"
            offered = ",".join(c.entry_id for c in reply.suggestions)
            print(
                f"  [{question.kind}] {question.text[:90]!r}: expected {question.expect}, got {got}"
                f" score {reply.score:.0f}" + (f" offered {offered}" if offered else "")
            )


def sweep(knowledge_path: Path | None, questions: Sequence[Question]) -> None:
    """Grid-search the settings; print those that keep rejection ≥ 95 % with best accuracy."""
    knowledge = load_knowledge(knowledge_path)
    results = []
    answer_levels, gaps, margins = (40, 45, 50, 55, 60, 65), (10, 20), (0, 3, 6)
    for power, p_power, unseen in itertools.product((1.0, 1.5, 2.0), (0.5, 1.0), (0.5, 0.75, 1.0)):
        # The matcher leaves out scores below the lowest threshold that can matter, so the
        # rankings are made with the lowest threshold of the grid.
        scoring = MatchSettings(
            coverage_power=power,
            phrasing_coverage_power=p_power,
            unseen_weight=unseen,
            answer_at=min(answer_levels),
            suggest_at=min(answer_levels) - max(gaps),
        )
        assistant = Assistant(knowledge, scoring)
        rankings = [assistant.rank(q.text) for q in questions]
        for answer_at, gap, margin in itertools.product(answer_levels, gaps, margins):
            settings = dataclasses.replace(
                scoring, answer_at=answer_at, suggest_at=answer_at - gap, margin=margin
            )
            in_domain, rejection = Tally(), Tally()
            for question, ranking in zip(questions, rankings, strict=True):
                outcome = decide(ranking, settings)
                got = ranking[0].entry_id if outcome is Outcome.ANSWERED else None
                (rejection if question.expect is None else in_domain).add(got == question.expect)
            ok = rejection.rate >= 0.95
            results.append((ok, in_domain.rate, rejection.rate, in_domain, rejection, settings))
    results.sort(key=lambda r: r[:3], reverse=True)
    for ok, _, _, in_domain, rejection, s in results[:12]:
        print(
            f"{'ok ' if ok else '   '}coverage_power={s.coverage_power}"
            f" phrasing_coverage_power={s.phrasing_coverage_power} unseen_weight={s.unseen_weight}"
            f" answer_at={s.answer_at} suggest_at={s.suggest_at} margin={s.margin}:"
            f" in-domain {in_domain}, rejection {rejection}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the matcher on the question set.")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--knowledge", type=Path, default=None)
    parser.add_argument("--sweep", action="store_true", help="grid-search the thresholds")
    parser.add_argument("--quiet", action="store_true", help="do not list the misses")
    args = parser.parse_args(argv)
    questions = load_questions(args.questions)
    if args.sweep:
        sweep(args.knowledge, questions)
        return 0
    report = evaluate(Assistant.from_path(args.knowledge), questions)
    print_report(report, show_misses=not args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
