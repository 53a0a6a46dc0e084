"""Reports from the question log: what people ask that the bot cannot answer, and feedback.

Unanswered questions are grouped by similarity (rapidfuzz over normalised text), so staff see
"12 × hvad koster en snitflade til ESDH" rather than twelve lines, with examples to turn into
phrasings in the knowledge base.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from bot.logreader import LogReader, as_reader
from bot.normalize import normalize, stem_words
from bot.stopwords import STOPWORDS, content_words

GROUP_SIMILARITY = 75.0


@dataclass
class QuestionGroup:
    """Similar questions, the most frequent wording first."""

    count: int
    examples: list[str] = field(default_factory=list)
    id: str = ""


@dataclass
class EntryFeedback:
    entry_id: str
    thumbs_up: int
    thumbs_down: int


@dataclass
class Report:
    days: int
    total: int
    by_outcome: dict[str, int]
    by_language: dict[str, int]
    by_chat_type: dict[str, int]
    unanswered: list[QuestionGroup]
    feedback: list[EntryFeedback]
    none_of_these: list[QuestionGroup]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(
    db: LogReader | sqlite3.Connection, days: int = 30, now: float | None = None
) -> Report:
    """Everything since `days` days ago, from the question log in SQLite or PostgreSQL
    (`bot.logreader.open_reader`; an SQLite connection of `open_for_reading` does too).

    The queries return rows alone; every order is made here, in Python, so that both
    databases (whatever their collation) give the same report for the same rows."""
    reader = as_reader(db)
    since = int((now if now is not None else time.time()) - days * 86400)

    def counts(column: str) -> dict[str, int]:
        rows = reader.rows(
            f"SELECT {column}, count(*) FROM questions WHERE asked_at >= ? GROUP BY {column}",
            (since,),
        )
        found = [(str(key), int(value)) for key, value in rows]
        return dict(sorted(found, key=lambda kv: (-kv[1], kv[0])))

    by_outcome = counts("outcome")
    # Newest first; questions of the same second in a fixed order (by id).
    asked = sorted(
        (-int(at), str(question_id), str(question), str(outcome), int(none))
        for at, question_id, question, outcome, none in reader.rows(
            "SELECT asked_at, id, question, outcome, none_of_these FROM questions"
            " WHERE asked_at >= ? AND (outcome != 'answered' OR none_of_these = 1)",
            (since,),
        )
    )
    unanswered = [question for _, _, question, outcome, _ in asked if outcome != "answered"]
    none_of_these = [question for _, _, question, _, none in asked if none == 1]
    feedback = sorted(
        (
            EntryFeedback(str(entry), int(up), int(down))
            for entry, up, down in reader.rows(
                "SELECT entry_id, sum(CASE WHEN feedback = 1 THEN 1 ELSE 0 END),"
                " sum(CASE WHEN feedback = -1 THEN 1 ELSE 0 END) FROM questions"
                " WHERE asked_at >= ? AND feedback IS NOT NULL AND entry_id IS NOT NULL"
                " GROUP BY entry_id",
                (since,),
            )
        ),
        key=lambda f: (-f.thumbs_down, f.thumbs_up, f.entry_id),
    )
    return Report(
        days=days,
        total=sum(by_outcome.values()),
        by_outcome=by_outcome,
        by_language=counts("language"),
        by_chat_type=counts("chat_type"),
        unanswered=group_similar(unanswered),
        feedback=feedback,
        none_of_these=group_similar(none_of_these),
    )


# Characters that reorder or hide the rest of an admin's line (U+202E turns it around).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e") | frozenset(
    "\u2066\u2067\u2068\u2069"
)


def printable(text: str) -> str:
    """A logged question as it is safe to show staff: control characters made visible.

    Questions come from anyone; shown raw in a terminal or a chat, a NUL, an escape sequence or
    a bidirectional override would hide or rearrange what the admin reads.
    """
    if text.isprintable():
        return text
    shown = []
    for char in text:
        code = ord(char)
        if code < 0x20:
            shown.append(chr(0x2400 + code))  # the Control Pictures block: NUL -> ␀
        elif code == 0x7F:
            shown.append("\u2421")
        elif char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
            shown.append(f"<U+{code:04X}>")
        else:
            shown.append(char)
    return "".join(shown)


@dataclass(frozen=True)
class Cluster:
    """Similar questions found together: their positions in the list given, and the group's
    stable id (a hash of its key, so that `klippekort-bot learn --group ID` finds it later)."""

    id: str
    key: str
    members: tuple[int, ...]


def cluster_questions(questions: Sequence[str]) -> list[Cluster]:
    """Group questions by similarity: the grouping of the report, `suggest` and /ubesvarede.

    Each distinct key (stemmed content words) joins the first group whose founding key is
    similar. Keys are taken by frequency, then alphabetically, never in the order asked, so a
    group's founder, and with it its id, stays the same as questions come and go; the most
    asked groups come first.
    """
    positions: dict[str, list[int]] = {}
    for position, question in enumerate(questions):
        positions.setdefault(question_key(question), []).append(position)
    founders: list[str] = []
    members: list[list[int]] = []
    for key in sorted(positions, key=lambda k: (-len(positions[k]), k)):
        match = process.extractOne(
            key, founders, scorer=similarity, processor=None, score_cutoff=GROUP_SIMILARITY
        )
        if match is None:
            founders.append(key)
            members.append(list(positions[key]))
        else:
            members[match[2]].extend(positions[key])
    clusters = [
        Cluster(group_id(key), key, tuple(sorted(found)))
        for key, found in zip(founders, members, strict=True)
    ]
    return sorted(clusters, key=lambda c: -len(c.members))


def group_id(key: str) -> str:
    """The id of a group with this founding key: short, and the same in every run."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def wordings(questions: Sequence[str], members: Sequence[int]) -> list[str]:
    """A group's distinct wordings as safe to show, the most frequent first (ties: as given)."""
    counts: Counter[str] = Counter(printable(questions[m]) for m in members)
    return [wording for wording, _ in counts.most_common()]


def group_similar(questions: list[str], examples: int = 3) -> list[QuestionGroup]:
    """The groups of the report: each with its count, id and most frequent wordings."""
    return [
        QuestionGroup(len(found.members), wordings(questions, found.members)[:examples], found.id)
        for found in cluster_questions(questions)
    ]


def similarity(a: str, b: str, **_: object) -> float:
    """As the matcher compares: token_set_ratio alone calls any subset a perfect match."""
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def question_key(question: str) -> str:
    """Stemmed content words, so that "snitfladen" and "snitflade pris" fall together."""
    words = list(normalize(printable(question)).words)
    content = content_words(words, STOPWORDS["da"] | STOPWORDS["en"])
    return " ".join(sorted(set(stem_words(content, "da"))))


def render_report(report: Report, limit: int = 10) -> str:
    """The report as text for a terminal or a chat message."""
    lines = [f"Spørgsmål de sidste {report.days} dage: {report.total}"]
    if report.total:
        lines.append("  " + ", ".join(f"{k}: {v}" for k, v in report.by_outcome.items()))
        lines.append("  sprog: " + ", ".join(f"{k}: {v}" for k, v in report.by_language.items()))
        lines.append("  chat: " + ", ".join(f"{k}: {v}" for k, v in report.by_chat_type.items()))
    lines.append("")
    lines.append("Hyppigste ubesvarede spørgsmål:")
    lines += _groups(report.unanswered, limit) or ["  (ingen)"]
    lines.append("")
    lines.append("Svar med flest 👎:")
    disliked = [f for f in report.feedback if f.thumbs_down]
    lines += [
        f"  {f.entry_id}: {f.thumbs_down} 👎, {f.thumbs_up} 👍" for f in disliked[:limit]
    ] or ["  (ingen)"]
    lines.append("")
    lines.append("»Ingen af disse« valgt ved:")
    lines += _groups(report.none_of_these, limit) or ["  (ingen)"]
    return "\n".join(lines)


def _groups(groups: list[QuestionGroup], limit: int) -> list[str]:
    lines = []
    for group in groups[:limit]:
        lines.append(f"  {group.count} × {group.examples[0]}")
        lines += [f"      – {example}" for example in group.examples[1:]]
    return lines
