"""Measure the matcher on the labelled question set (`make eval`).

In-domain top-1 accuracy counts a question right only when the bot answers it with the expected
entry (a suggestion is not an answer); out-of-domain rejection counts a question right when the
bot does not answer it (it suggests or says it doesn't know). `--sweep` searches the thresholds
over the whole set; it never looks at single questions.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.assistant import Assistant, Reply
from bot.followup import Conversations
from bot.knowledge import load_knowledge
from bot.matcher import MatchSettings, Outcome, decide

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DEFAULT_QUESTIONS = DATA / "questions.yaml"
# The sets `make eval` reports on. The held-out files are only ever measured, and their misses
# are not listed, so that nobody tunes on them by accident.
DEV_SETS = (
    DEFAULT_QUESTIONS,
    DATA / "dev_written.yaml",
    DATA / "dev_long.yaml",
    DATA / "dev_blind2.yaml",
    DATA / "dev_blind3.yaml",
    DATA / "dev_followups.yaml",
    DATA / "dev_blind4.yaml",
    DATA / "dev_followups4.yaml",
    DATA / "dev_blind5.yaml",
    DATA / "dev_followups5.yaml",
    DATA / "dev_blind6.yaml",
    DATA / "dev_followups6.yaml",
    DATA / "dev_blind7.yaml",
    DATA / "dev_followups7.yaml",
    DATA / "dev_blind8.yaml",
    DATA / "dev_followups8.yaml",
    DATA / "dev_blind9.yaml",
    DATA / "dev_followups10.yaml",
    DATA / "dev_blind11.yaml",
    DATA / "dev_followups12.yaml",
    DATA / "dev_blind15.yaml",
    DATA / "dev_followups16.yaml",
    DATA / "dev_blind17.yaml",
    DATA / "dev_blind20.yaml",
    DATA / "dev_blind21.yaml",
    DATA / "dev_blind22.yaml",
    DATA / "dev_blind23.yaml",
    DATA / "dev_blind24.yaml",
)
HELDOUT_SETS = (
    DATA / "heldout.yaml",
    DATA / "heldout_written.yaml",
    DATA / "heldout_blind2.yaml",
    DATA / "heldout_blind3.yaml",
    DATA / "heldout_followups.yaml",
    DATA / "heldout_blind4.yaml",
    DATA / "heldout_followups4.yaml",
    DATA / "heldout_blind5.yaml",
    DATA / "heldout_followups5.yaml",
    DATA / "heldout_blind6.yaml",
    DATA / "heldout_followups6.yaml",
    DATA / "heldout_blind7.yaml",
    DATA / "heldout_followups7.yaml",
    DATA / "heldout_blind8.yaml",
    DATA / "heldout_followups8.yaml",
    DATA / "heldout_blind9.yaml",
    DATA / "heldout_followups10.yaml",
    DATA / "heldout_blind11.yaml",
    DATA / "heldout_followups12.yaml",
    DATA / "heldout_blind15.yaml",
    DATA / "heldout_followups16.yaml",
    DATA / "heldout_blind17.yaml",
    DATA / "heldout_blind20.yaml",
    DATA / "heldout_blind21.yaml",
    DATA / "heldout_blind22.yaml",
    DATA / "heldout_blind23.yaml",
    DATA / "heldout_blind24.yaml",
)


@dataclass(frozen=True)
class Question:
    """One labelled question."""

    text: str
    expect: str | None
    language: str
    kind: str
    contains: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    # The questions before this one in the same conversation, for a follow-up.
    before: tuple[str, ...] = ()


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
    # Messages asking two topics: both answered in the one reply.
    both: Tally = dataclasses.field(default_factory=Tally)
    by_language: dict[str, Tally] = dataclasses.field(default_factory=lambda: defaultdict(Tally))
    by_kind: dict[str, Tally] = dataclasses.field(default_factory=lambda: defaultdict(Tally))
    misses: list[tuple[Question, Reply]] = dataclasses.field(default_factory=list)


def load_questions(path: Path = DEFAULT_QUESTIONS) -> list[Question]:
    """Read a question set; a conversation gives one question per turn."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = []
    for item in items:
        turns = item.get("conversation")
        if turns is None:
            questions.append(_question(item, item))
            continue
        for number, turn in enumerate(turns):
            before = tuple(str(t["q"]) for t in turns[:number])
            questions.append(_question(turn, item, before))
    return questions


def _question(
    item: dict[str, Any], outer: dict[str, Any], before: tuple[str, ...] = ()
) -> Question:
    return Question(
        text=str(item["q"]),
        expect=item.get("expect"),
        language=item.get("lang") or outer["lang"],
        kind=item.get("kind") or outer["kind"],
        contains=tuple(str(c) for c in item.get("contains") or ()),
        also=tuple(str(a) for a in item.get("also") or ()),
        before=before,
    )


def answered_entry(reply: Reply) -> str | None:
    return reply.entry_id if reply.outcome is Outcome.ANSWERED else None


def evaluate(assistant: Assistant, questions: Sequence[Question]) -> Report:
    """Ask every question and tally the outcomes. A question expecting no answer counts as
    rejected when the reply gives no fact: nothing answered, or only chit-chat. A message
    labelled with two topics is answered right when the reply answers both, in either order."""
    report = Report()
    for question in questions:
        if question.before:
            # A follow-up is asked as the conversation's next message.
            conversations = Conversations()
            for earlier in question.before:
                assistant.converse(earlier, conversations, "evaluation")
            reply = assistant.converse(question.text, conversations, "evaluation")
        else:
            reply = assistant.reply(question.text)
        got = answered_entry(reply)
        ok = got == question.expect
        if question.also and got is not None:
            # A message asking two topics is answered in either order.
            ok = question.expect in (got, *reply.also)
        if question.expect is None and got is not None:
            # A question the knowledge base cannot answer must not get a fact; a greeting back
            # for "hej", or thanks acknowledged, gives none.
            ok = assistant.knowledge.entries[got].chitchat
        if question.expect is None:
            report.rejection.add(ok)
        else:
            report.in_domain.add(ok)
            report.suggested.add(reply.outcome is Outcome.SUGGESTED)
            if question.also:
                report.both.add(ok and {question.expect, *question.also} <= {got, *reply.also})
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
    print(f"two topics both answered   {report.both}")
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
    parser.add_argument(
        "--questions",
        type=Path,
        help="one question set (default: the dev, held-out and follow-up sets)",
    )
    parser.add_argument("--knowledge", type=Path, default=None)
    parser.add_argument("--sweep", action="store_true", help="grid-search the thresholds")
    parser.add_argument("--quiet", action="store_true", help="do not list the misses")
    args = parser.parse_args(argv)
    if args.sweep:
        sweep(args.knowledge, load_sets([args.questions] if args.questions else DEV_SETS))
        return 0
    assistant = Assistant.from_path(args.knowledge)
    if args.questions:
        print_report(evaluate(assistant, load_questions(args.questions)), not args.quiet)
        return 0
    dev, heldout = load_sets(DEV_SETS), load_sets(HELDOUT_SETS)
    for title, questions, misses in (
        ("dev set", [q for q in dev if not q.before], not args.quiet),
        ("held-out set (measured only: its misses are not listed)",
         [q for q in heldout if not q.before], False),
        ("follow-ups, dev", [q for q in dev if q.before], not args.quiet),
        ("follow-ups, held-out", [q for q in heldout if q.before], False),
    ):  # fmt: skip
        print(f"== {title}: {len(questions)} questions")
        print_report(evaluate(assistant, questions), show_misses=misses)
        print()
    print_learning_curve(learning_curve(args.knowledge, heldout))
    return 0


def load_sets(paths: Sequence[Path]) -> list[Question]:
    """The questions of several files, in order."""
    return [question for path in paths for question in load_questions(path)]


# -- the learning curve ----------------------------------------------------------------------


@dataclass
class LearningCurve:
    """The held-out set's second half before and after its first half's misses are taught."""

    first_half: int
    misses: int  # in-domain questions of the first half not answered with their entry
    taught: int
    refused: dict[str, int]  # why a miss was not taught without --force
    before: Report
    after: Report
    first_after: Report  # the first half itself, after teaching
    forced: int  # taught with --force on a second round
    after_forced: Report


def learning_curve(knowledge_path: Path | None, questions: Sequence[Question]) -> LearningCurve:
    """Teach the misses of the first half of `questions` to their right entries, as an admin
    would with `klippekort-bot learn`, on a temporary copy of the knowledge base, and measure
    the second half before and after (and after forcing what `learn` refused)."""
    import shutil
    import tempfile

    from bot.knowledge import default_knowledge_path
    from bot.teaching import Skip, TeachingError, learn

    plain = [q for q in questions if not q.before]
    first, second = plain[: len(plain) // 2], plain[len(plain) // 2 :]
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "knowledge.yaml"
        shutil.copyfile(knowledge_path or default_knowledge_path(), copy)
        assistant = Assistant.from_path(copy)
        before = evaluate(assistant, second)
        misses = [
            q
            for q in first
            if q.expect is not None and answered_entry(assistant.reply(q.text)) != q.expect
        ]
        refused: dict[str, int] = defaultdict(int)
        closer: list[Question] = []
        taught = 0
        for question in misses:
            assert question.expect is not None
            language = question.language if question.language in ("da", "en") else None
            try:
                outcome = learn(copy, question.text, question.expect, language)
            except TeachingError:
                refused["invalid"] += 1
                continue
            taught += len(outcome.added)
            for skipped in outcome.skipped:
                refused[str(skipped.reason)] += 1
                if skipped.reason is Skip.CLOSER:
                    closer.append(question)
        taught_assistant = Assistant.from_path(copy)
        after = evaluate(taught_assistant, second)
        first_after = evaluate(taught_assistant, first)
        forced = 0
        for question in closer:
            assert question.expect is not None
            language = question.language if question.language in ("da", "en") else None
            with contextlib.suppress(TeachingError):
                forced += len(learn(copy, question.text, question.expect, language, True).added)
        after_forced = evaluate(Assistant.from_path(copy), second)
    return LearningCurve(
        len(first), len(misses), taught, dict(refused), before, after, first_after, forced,
        after_forced,
    )  # fmt: skip


def print_learning_curve(curve: LearningCurve) -> None:
    """Aggregates only: the held-out questions themselves are never shown."""
    print(
        f"== learning curve: the held-out set's first half ({curve.first_half} questions) "
        "taught, its second half measured"
    )
    refused = ", ".join(f"{reason} {count}" for reason, count in sorted(curve.refused.items()))
    print(
        f"first-half misses            {curve.misses}; taught {curve.taught}"
        + (f"; refused: {refused}" if refused else "")
    )
    print(f"first half after teaching    {curve.first_after.in_domain}")
    for label, report in (
        ("second half before", curve.before),
        ("second half after", curve.after),
        (f"after forcing {curve.forced} more", curve.after_forced),
    ):
        print(f"{label:<28} in-domain {report.in_domain}, rejection {report.rejection}")


if __name__ == "__main__":
    sys.exit(main())
