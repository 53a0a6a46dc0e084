"""Learning from what people ask: suggestions from the question log, and teaching phrasings.

Transport-free, for the command line (`klippekort-bot suggest`, `learn`, `dismiss`) and for the
Telegram admin commands alike:

- `suggestions()` groups the questions the bot did not answer well (unanswered, only
  suggestions, "none of these", a 👎) and names the entries each group most likely belongs to;
- `learn()` and `learn_group()` add questions as phrasings of an entry. The knowledge file gains
  only the new lines: each is inserted into the entry's list for its language, the result is
  validated as `klippekort-bot check` does, and written atomically under a lock;
- `dismiss()` drops a group for good;
- every teach and dismiss is kept in the audit (`TeachingLog`), apart from the identity-free
  question log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import enum
import fcntl
import os
import sqlite3
import stat
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import process

from bot.assistant import MAX_QUESTION_CHARS, Assistant
from bot.knowledge import KnowledgeBase, KnowledgeError, read_knowledge_text
from bot.language import language_evidence, language_of, sure_of
from bot.logreader import LogReader, as_reader
from bot.matcher import CONCEPT_MARK, Matcher, MatchSettings
from bot.normalize import normalize
from bot.questionlog import DEFAULT_LOG_PATH
from bot.report import (
    GROUP_SIMILARITY,
    cluster_questions,
    printable,
    question_key,
    similarity,
    wordings,
)

TEACHING_DB_ENV = "TEACHING_DB"
TEACHING_DB_NAME = "teaching.sqlite3"
# The audit names who taught what (an admin's Telegram id): it is kept this long, then deleted.
AUDIT_DAYS = 365
# The lowest matcher score still worth naming as a candidate entry.
CANDIDATE_FLOOR = 10.0
MAX_CANDIDATES = 3
# A group's candidate found only through shared concepts scores at most this: below any entry
# the matcher itself ranks well.
CONCEPT_ONLY_SCORE = 30.0
# The distinct wordings of a group scored for its candidates, and shown in `--json`.
MAX_WORDINGS = 20
MAX_PHRASING_LENGTH = 300


class TeachingError(Exception):
    """Teaching that cannot be done: the message says why and what to do."""


class Skip(enum.StrEnum):
    """Why a question was not added."""

    DUPLICATE = "duplicate"  # the entry has it already (after normalisation)
    CLOSER = "closer"  # it matches another entry better than its own
    UNUSABLE = "unusable"  # empty, too long, with control characters, or off the card's topic


@dataclass(frozen=True)
class Phrasing:
    """A phrasing added to an entry."""

    entry_id: str
    language: str
    text: str


@dataclass(frozen=True)
class Skipped:
    """A question left out, with the entry that stands in its way and the scores."""

    text: str
    reason: Skip
    other_entry: str | None = None
    other_score: float = 0.0
    own_score: float = 0.0
    detail: str = ""


@dataclass(frozen=True)
class Outcome:
    """What `learn` or `learn_group` did."""

    entry_id: str
    added: tuple[Phrasing, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    group_id: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added)

    def describe(self) -> str:
        """The outcome in plain words, one line per question."""
        lines = [f'added to {p.entry_id} ({p.language}): "{printable(p.text)}"' for p in self.added]
        for skipped in self.skipped:
            shown = f'"{printable(skipped.text)}"'
            if skipped.reason is Skip.DUPLICATE:
                lines.append(f"{shown} is already a phrasing of {self.entry_id}: nothing changed")
            elif skipped.reason is Skip.CLOSER:
                lines.append(
                    f"{shown} sits closer to {skipped.other_entry} (score "
                    f"{skipped.other_score:.0f}) than to {self.entry_id} (score "
                    f"{skipped.own_score:.0f}): not added; teach it to {skipped.other_entry}, "
                    "or use --force if it really belongs to "
                    f"{self.entry_id}"
                )
            else:
                lines.append(f"{shown} cannot be a phrasing: {skipped.detail}")
        return "\n".join(lines) or "nothing to add"


# -- the audit --------------------------------------------------------------------------------

AUDIT_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    group_id TEXT,
    entry_id TEXT,
    language TEXT,
    phrasing TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TABLE IF NOT EXISTS handled (
    key TEXT NOT NULL,
    action TEXT NOT NULL,
    group_id TEXT,
    founder INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL,
    PRIMARY KEY (key, action)
);
"""


@dataclass(frozen=True)
class AuditRecord:
    """One teach or dismiss."""

    at: float
    who: str
    action: str  # learn or dismiss
    group_id: str | None
    entry_id: str | None
    language: str | None
    phrasing: str | None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Handled:
    """What suggestions leave out: questions taught or dismissed, and dismissed groups."""

    keys: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()
    dismissed_founders: tuple[str, ...] = ()


def teaching_db_path(env: Mapping[str, str]) -> Path:
    """The audit's file: $TEACHING_DB, else beside the question log ($QUESTION_LOG)."""
    chosen = env.get(TEACHING_DB_ENV, "").strip()
    if chosen:
        return Path(chosen)
    log = env.get("QUESTION_LOG", "").strip()
    if log and log.lower() not in ("off", "no", "false", "0", "none"):
        return Path(log).parent / TEACHING_DB_NAME
    return DEFAULT_LOG_PATH.parent / TEACHING_DB_NAME


class TeachingLog:
    """The audit of teaching, in a small SQLite file; each call opens it briefly."""

    def __init__(self, path: Path, retention_days: int = AUDIT_DAYS, clock: Any = time.time):
        self.path = path
        self.retention_days = retention_days
        self.clock = clock

    @contextlib.contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise TeachingError(_cannot_use_audit(self.path, error)) from None
        try:
            db.executescript(AUDIT_SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            cutoff = int(self.clock() - self.retention_days * 86400)
            db.execute("DELETE FROM audit WHERE at < ?", (cutoff,))
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as error:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise TeachingError(_cannot_use_audit(self.path, error)) from None
        finally:
            db.close()

    def check(self) -> None:
        """Raise TeachingError now if the audit cannot be written (before any teaching)."""
        with self._open():
            pass

    def record(
        self,
        who: str,
        action: str,
        *,
        entry_id: str | None = None,
        group_id: str | None = None,
        phrasings: Sequence[Phrasing] = (),
        keys: Iterable[str] = (),
        founder: str | None = None,
    ) -> None:
        now = int(self.clock())
        rows: list[tuple[int, str, str, str | None, str | None, str | None, str | None]] = [
            (now, who, action, group_id, p.entry_id, p.language, p.text) for p in phrasings
        ]
        if not rows:
            rows = [(now, who, action, group_id, entry_id, None, None)]
        handled = [(key, action, group_id, 0, now) for key in set(keys)]
        if founder is not None:
            handled.append((founder, action, group_id, 1, now))
        with self._open() as db:
            db.executemany(
                "INSERT INTO audit (at, who, action, group_id, entry_id, language, phrasing)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.executemany(
                "INSERT INTO handled (key, action, group_id, founder, at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key, action) DO UPDATE SET founder = max(founder, excluded.founder)",
                handled,
            )

    def handled(self) -> Handled:
        if not self.path.exists():
            return Handled()
        with self._open() as db:
            rows = db.execute("SELECT key, action, group_id, founder FROM handled").fetchall()
        return Handled(
            keys=frozenset(str(key) for key, _, _, _ in rows),
            group_ids=frozenset(str(group) for _, _, group, _ in rows if group),
            dismissed_founders=tuple(
                sorted(
                    str(key) for key, action, _, founder in rows if founder and action == "dismiss"
                )
            ),
        )

    def history(self, limit: int = 200) -> list[AuditRecord]:
        """The latest teaches and dismisses, newest first."""
        if not self.path.exists():
            return []
        with self._open() as db:
            rows = db.execute(
                "SELECT at, who, action, group_id, entry_id, language, phrasing FROM audit"
                " ORDER BY at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [AuditRecord(float(row[0]), *row[1:]) for row in rows]


def _cannot_use_audit(path: Path, error: Exception) -> str:
    return (
        f"the teaching audit {path} cannot be written ({error}); make its folder writable, or "
        f"set {TEACHING_DB_ENV} to a file that can be"
    )


# -- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An entry a group of questions may belong to."""

    entry_id: str
    title: str
    score: float
    # Concepts (synonym groups of the knowledge base) the questions share with the entry.
    concepts: tuple[str, ...] = ()
    # How often people picked this entry from the bot's suggestions for these questions.
    chosen: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry_id,
            "title": self.title,
            "score": round(self.score, 1),
            "concepts": list(self.concepts),
            "chosen": self.chosen,
        }


@dataclass(frozen=True)
class Asked:
    """One logged question of a group, as asked (for teaching it)."""

    text: str
    language: str


@dataclass(frozen=True)
class Group:
    """Similar questions the bot did not answer well, with their likely entries."""

    id: str
    key: str
    count: int
    questions: tuple[str, ...]  # distinct wordings as safe to show, most frequent first
    candidates: tuple[Candidate, ...]
    reasons: Mapping[str, int]  # unanswered, suggested, none_of_these, thumbs_down
    asked: tuple[Asked, ...] = ()  # distinct wordings as asked, most frequent first
    keys: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "questions": list(self.questions),
            "count": self.count,
            "candidates": [candidate.as_dict() for candidate in self.candidates],
            "reasons": dict(self.reasons),
        }


@dataclass(frozen=True)
class _Row:
    question: str
    language: str
    outcome: str
    none_of_these: bool
    thumbs_down: bool
    chosen_entry: str | None


def suggestions(
    db: LogReader | sqlite3.Connection,
    assistant: Assistant,
    audit: TeachingLog | None = None,
    days: int = 30,
    now: float | None = None,
    limit: int | None = None,
    group_id: str | None = None,
) -> list[Group]:
    """The groups of questions of the last `days` days worth teaching, most asked first (at
    most `limit`, or only the group `group_id`; candidates are worked out only for those).

    `db` is the question log, SQLite or PostgreSQL (`bot.logreader.open_reader`, or an SQLite
    connection of `bot.questionlog.open_for_reading`). Questions already taught and
    groups dismissed (per `audit`) are left out. Blocking: an event loop calls it in a thread.
    """
    since = int((now if now is not None else time.time()) - days * 86400)
    found = as_reader(db).rows(
        "SELECT asked_at, id, question, language, outcome, none_of_these, feedback,"
        " chosen_entry FROM questions WHERE asked_at >= ?"
        " AND (outcome != 'answered' OR none_of_these = 1 OR feedback = -1)",
        (since,),
    )
    # Newest first, questions of the same second by id: the same order from either database.
    found.sort(key=lambda row: (-int(row[0]), str(row[1])))
    rows = [
        _Row(str(q), str(lang), str(outcome), none == 1, feedback == -1, chosen)
        for _, _, q, lang, outcome, none, feedback, chosen in found
    ]
    handled = audit.handled() if audit is not None else Handled()
    rows = [row for row in rows if question_key(row.question) not in handled.keys]
    questions = [row.question for row in rows]
    scorer = _CandidateScorer(assistant)
    groups: list[Group] = []
    for cluster in cluster_questions(questions):
        if group_id is not None and cluster.id != group_id:
            continue
        if cluster.id in handled.group_ids or _near_dismissed(cluster.key, handled):
            continue
        if limit is not None and len(groups) >= limit:
            break
        members = [rows[m] for m in cluster.members]
        groups.append(
            Group(
                id=cluster.id,
                key=cluster.key,
                count=len(members),
                questions=tuple(wordings(questions, cluster.members)[:MAX_WORDINGS]),
                candidates=scorer.candidates(members),
                reasons=_reasons(members),
                asked=_asked(members),
                keys=frozenset(question_key(row.question) for row in members),
            )
        )
    return groups


def find_group(groups: Sequence[Group], group_id: str) -> Group:
    """The group with this id, or a TeachingError saying how to find the current ids."""
    wanted = group_id.strip().lower()
    for group in groups:
        if group.id == wanted:
            return group
    raise TeachingError(
        f"no group {group_id!r} among the current suggestions (it may be taught, dismissed or "
        "older than the days looked at); run `klippekort-bot suggest` for the current ids"
    )


def _near_dismissed(key: str, handled: Handled) -> bool:
    """Whether a group would have joined a dismissed one: the same topic, worded anew."""
    if not handled.dismissed_founders:
        return False
    match = process.extractOne(
        key,
        handled.dismissed_founders,
        scorer=similarity,
        processor=None,
        score_cutoff=GROUP_SIMILARITY,
    )
    return match is not None


def _reasons(rows: Sequence[_Row]) -> dict[str, int]:
    """Why the group's questions are here; one question may have two reasons."""
    counts: Counter[str] = Counter()
    for row in rows:
        if row.outcome == "unknown":
            counts["unanswered"] += 1
        elif row.outcome != "answered":
            counts[row.outcome] += 1
        if row.none_of_these:
            counts["none_of_these"] += 1
        if row.thumbs_down:
            counts["thumbs_down"] += 1
    return dict(counts)


def _asked(rows: Sequence[_Row]) -> tuple[Asked, ...]:
    counts: Counter[tuple[str, str]] = Counter((row.question, row.language) for row in rows)
    return tuple(Asked(text, language) for (text, language), _ in counts.most_common())


class _CandidateScorer:
    """Ranks entries for a group: the matcher's scores, with a low floor, averaged over the
    group's questions; an entry a person chose from the suggestions counts as a sure match
    for that question; shared concepts name entries the matcher cannot place at all."""

    def __init__(self, assistant: Assistant) -> None:
        self.knowledge = assistant.knowledge
        wide = dataclasses.replace(
            assistant.settings, suggest_at=CANDIDATE_FLOOR, answer_at=CANDIDATE_FLOOR + 1
        )
        knowledge = assistant.knowledge
        self.default_language = assistant.default_language
        # A matcher of its own with a low floor, so that weak matches are ranked too.
        self.matcher = Matcher(knowledge.entries, wide, knowledge.neutral_words, knowledge.concepts)
        self.concepts = self.matcher.concepts
        self.entry_concepts = {
            entry_id: frozenset(
                token
                for texts in entry.phrasings.values()
                for text in texts
                for token in self._concepts_of(text)
            )
            for entry_id, entry in self.knowledge.entries.items()
        }
        self._ranked: dict[tuple[str, str], dict[str, float]] = {}

    def _concepts_of(self, text: str) -> set[str]:
        return {w for w in self.concepts.fold(normalize(text).words) if w[:1] == CONCEPT_MARK}

    def _scores(self, question: str, language: str) -> dict[str, float]:
        key = (question, language)
        if key not in self._ranked:
            # Read as the assistant reads a question (bot.assistant.Assistant._read).
            normalized = normalize(question[:MAX_QUESTION_CHARS], pieces=True)
            evidence = language_evidence(question, normalized.words)
            asked_in = language_of(evidence, language or None, self.default_language)
            sure = sure_of(evidence) == asked_in
            ranking = self.matcher.rank(normalized.pieces, asked_in, sure)
            self._ranked[key] = {scored.entry_id: scored.score for scored in ranking}
        return self._ranked[key]

    def candidates(self, rows: Sequence[_Row]) -> tuple[Candidate, ...]:
        frequent = {text for text, _ in Counter(r.question for r in rows).most_common(MAX_WORDINGS)}
        scored = [row for row in rows if row.question in frequent]
        totals: defaultdict[str, float] = defaultdict(float)
        chosen: Counter[str] = Counter()
        concept_rows: Counter[str] = Counter()
        for row in scored:
            scores = dict(self._scores(row.question, row.language))
            picked = row.chosen_entry
            if picked is not None and picked in self.knowledge.entries:
                chosen[picked] += 1
                scores[picked] = 100.0
            for entry_id, score in scores.items():
                totals[entry_id] += score
            concept_rows.update(self._concepts_of(row.question))
        concept_weight = sum(concept_rows.values())
        final: dict[str, float] = {e: total / len(scored) for e, total in totals.items()}
        if concept_weight:
            for entry_id, known in self.entry_concepts.items():
                shared = sum(n for concept, n in concept_rows.items() if concept in known)
                final[entry_id] = max(
                    final.get(entry_id, 0.0), CONCEPT_ONLY_SCORE * shared / concept_weight
                )
        language = Counter(row.language for row in rows).most_common(1)[0][0]
        best = sorted(
            ((e, s) for e, s in final.items() if s >= CANDIDATE_FLOOR),
            key=lambda es: (-es[1], es[0]),
        )[:MAX_CANDIDATES]
        return tuple(
            Candidate(
                entry_id,
                self._title(entry_id, language),
                score,
                tuple(
                    sorted(
                        c.removeprefix(CONCEPT_MARK)
                        for c in concept_rows
                        if c in self.entry_concepts[entry_id]
                    )
                ),
                chosen[entry_id],
            )
            for entry_id, score in best
        )

    def _title(self, entry_id: str, language: str) -> str:
        titles = self.knowledge.entries[entry_id].title
        return titles.get(language) or next(iter(titles.values()))


# -- teaching ---------------------------------------------------------------------------------


def learn(
    path: Path,
    question: str,
    entry_id: str,
    language: str | None = None,
    force: bool = False,
    *,
    audit: TeachingLog | None = None,
    who: str = "cli",
    settings: MatchSettings | None = None,
) -> Outcome:
    """Add `question` as a phrasing of `entry_id` in the knowledge file at `path`.

    `language` (da or en) is the question's; None detects it. A question the entry has already
    (after normalisation), or that matches another entry better than its own, is left out
    (see `Outcome.skipped`) unless `force`; a file that cannot be written, an unknown entry or a
    result that `check` would refuse raises TeachingError, and the file stays as it was.
    """
    return _teach(path, [Asked(question, language or "")], entry_id, force, audit, who, settings)


def learn_group(
    path: Path,
    group: Group,
    entry_id: str,
    force: bool = False,
    *,
    audit: TeachingLog | None = None,
    who: str = "cli",
    settings: MatchSettings | None = None,
) -> Outcome:
    """Add every distinct wording of a suggested group as a phrasing of `entry_id`, each in
    the language it was asked in; the group is then no longer suggested."""
    return _teach(path, list(group.asked), entry_id, force, audit, who, settings, group)


def dismiss(audit: TeachingLog, group: Group, who: str = "cli") -> None:
    """Drop a suggested group for good: neither it nor new questions that would join it are
    suggested again."""
    audit.record(who, "dismiss", group_id=group.id, keys=group.keys, founder=group.key)


def _teach(
    path: Path,
    questions: Sequence[Asked],
    entry_id: str,
    force: bool,
    audit: TeachingLog | None,
    who: str,
    settings: MatchSettings | None,
    group: Group | None = None,
) -> Outcome:
    if audit is not None:
        audit.check()
    with _locked(path):
        text = _read_text(path)
        knowledge = _parse(text, path)
        if entry_id not in knowledge.entries:
            raise TeachingError(_unknown_entry(entry_id, knowledge))
        assistant = Assistant(knowledge, settings)
        added: list[Phrasing] = []
        skipped: list[Skipped] = []
        for asked in questions:
            result = _vet(assistant, asked, entry_id, force, added)
            if isinstance(result, Phrasing):
                added.append(result)
            else:
                skipped.append(result)
        if added:
            new_text = insert_phrasings(text, added)
            _validate(new_text, path, added)
            _write_atomically(path, new_text.encode("utf-8"))
    # A group counts as handled once something of it is taught, or all of it was known already.
    handled = added or (group is not None and all(s.reason is Skip.DUPLICATE for s in skipped))
    if audit is not None and handled:
        keys = [question_key(p.text) for p in added]
        if group is not None:
            keys += group.keys
        audit.record(
            who,
            "learn",
            entry_id=entry_id,
            group_id=group.id if group else None,
            phrasings=added,
            keys=keys,
        )
    return Outcome(entry_id, tuple(added), tuple(skipped), group.id if group else None)


def _vet(
    assistant: Assistant, asked: Asked, entry_id: str, force: bool, added: Sequence[Phrasing]
) -> Phrasing | Skipped:
    """The phrasing to add for one question, or why it is left out."""
    try:
        text = clean_phrasing(asked.text)
    except TeachingError as error:
        return Skipped(asked.text, Skip.UNUSABLE, detail=str(error))
    knowledge = assistant.knowledge
    words = normalize(text).words
    off_topic = {CONCEPT_MARK + name for name in knowledge.off_topic}
    named = sorted(
        token.removeprefix(CONCEPT_MARK)
        for token in set(assistant.matcher.concepts.fold(words, with_filler=False)) & off_topic
    )
    if named:
        # Even forced: the concept would count for the entry from then on, and every message
        # naming it ("hvad laver KOMBIT ellers?") would stop being kept from an answer.
        detail = f"it names what the card is not about (the concept {', '.join(named)})"
        return Skipped(text, Skip.UNUSABLE, detail=detail)
    language = asked.language or language_of(language_evidence(text, words), None, "da")
    if language not in knowledge.languages:
        languages = ", ".join(knowledge.languages)
        raise TeachingError(f"unknown language {language!r}: the knowledge base has {languages}")
    entry = knowledge.entries[entry_id]
    known = [p for texts in entry.phrasings.values() for p in texts]
    known += [p.text for p in added]
    if any(normalize(p).words == words for p in known):
        return Skipped(text, Skip.DUPLICATE, entry_id)
    if not force:
        ranking = assistant.rank(text, language)
        own = next((s.score for s in ranking if s.entry_id == entry_id), 0.0)
        if ranking and ranking[0].entry_id != entry_id and ranking[0].score > own:
            return Skipped(text, Skip.CLOSER, ranking[0].entry_id, ranking[0].score, own)
    return Phrasing(entry_id, language, text)


def clean_phrasing(text: str) -> str:
    """A question as a phrasing: one line, invisible characters dropped; TeachingError if
    nothing usable is left or it holds control characters."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and not ch.isspace() for ch in kept):
        raise TeachingError("it holds control characters")
    cleaned = " ".join(kept.split())
    if not normalize(cleaned).words:
        raise TeachingError("it has no words")
    if len(cleaned) > MAX_PHRASING_LENGTH:
        raise TeachingError(f"it is longer than {MAX_PHRASING_LENGTH} characters")
    return cleaned


def _unknown_entry(entry_id: str, knowledge: KnowledgeBase) -> str:
    close = difflib.get_close_matches(entry_id, list(knowledge.entries), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"no entry {entry_id!r} in {knowledge.path}{hint}; the entries are: " + ", ".join(
        sorted(knowledge.entries)
    )


# -- the knowledge file -----------------------------------------------------------------------


def quoted(text: str) -> str:
    """`text` as a double-quoted YAML scalar that every YAML parser reads back the same."""
    import yaml

    dumped: str = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=1 << 30)
    scalar = dumped.removesuffix("\n").removesuffix("\n...")
    if "\n" in scalar or yaml.safe_load(scalar) != text:
        raise TeachingError(f"cannot write {text!r} as one line of YAML")
    return scalar


def insert_phrasings(text: str, additions: Sequence[Phrasing]) -> str:
    """The knowledge file's text with each phrasing added at the end of its entry's list for
    its language; nothing else changes (a block list gains a line, a flow list an item)."""
    import yaml

    # The pure parser: its marks count characters of this very text, as the edits do.
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, str]] = []
    for addition in additions:
        items = _phrasing_list(root, addition.entry_id, addition.language)
        edits.append(_edit_for(text, items, quoted(addition.text), newline))
    # From the end backwards, so that each position still points where it did; of two edits
    # at one place the later goes in first, so that they end up in the order given.
    for _, (position, insertion) in sorted(enumerate(edits), key=lambda e: (-e[1][0], -e[0])):
        text = text[:position] + insertion + text[position:]
    return text


def _phrasing_list(root: Any, entry_id: str, language: str) -> Any:
    import yaml

    def value(mapping: Any, name: str) -> Any:
        if isinstance(mapping, yaml.MappingNode):
            for key, item in mapping.value:
                if isinstance(key, yaml.ScalarNode) and key.value == name:
                    return item
        return None

    entries = value(root, "entries")
    for entry in entries.value if isinstance(entries, yaml.SequenceNode) else ():
        id_node = value(entry, "id")
        if isinstance(id_node, yaml.ScalarNode) and id_node.value == entry_id:
            items = value(value(entry, "phrasings"), language)
            if isinstance(items, yaml.SequenceNode) and items.value:
                return items
            break
    raise TeachingError(f"entry {entry_id!r} has no list of {language} phrasings to add to")


def _edit_for(text: str, items: Any, scalar: str, newline: str) -> tuple[int, str]:
    last_end = items.value[-1].end_mark
    if items.flow_style:
        # [Tak, Mange tak] -> [Tak, Mange tak, "Tusind tak"]: an item, not a line, is added.
        return last_end.index, ", " + scalar
    line = " " * items.start_mark.column + "- " + scalar + newline
    if last_end.column == 0:
        return last_end.index, line
    end_of_line = text.find("\n", last_end.index)
    if end_of_line < 0:
        return len(text), newline + line.removesuffix(newline)
    return end_of_line + 1, line


def _parse(text: str, path: Path) -> KnowledgeBase:
    from bot.loader import parse_knowledge

    try:
        return parse_knowledge(text, path)
    except KnowledgeError as error:
        problems = "; ".join(str(p) for p in error.problems[:5])
        raise TeachingError(
            f"the knowledge base is not valid now, so nothing was added: {problems} "
            "(fix it first; `klippekort-bot check` lists every problem)"
        ) from None


def _validate(text: str, path: Path, added: Sequence[Phrasing]) -> None:
    """The new text must pass `check` and hold each phrasing where it was meant to go."""
    from bot.loader import parse_knowledge

    try:
        knowledge = parse_knowledge(text, path)
    except KnowledgeError as error:
        problems = "; ".join(str(p) for p in error.problems[:5])
        raise TeachingError(
            f"nothing was added: the result would not pass check: {problems}"
        ) from None
    for phrasing in added:
        if phrasing.text not in knowledge.entries[phrasing.entry_id].phrasings[phrasing.language]:
            raise TeachingError(
                f"could not place the phrasing in {phrasing.entry_id}: nothing added"
            )


def _read_text(path: Path) -> str:
    """The file's text exactly as stored (line ends included), for editing in place."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        try:
            read_knowledge_text(path)  # says why, with the line and column of a bad byte
        except KnowledgeError as error:
            raise TeachingError("; ".join(str(p) for p in error.problems)) from None
        raise TeachingError(f"cannot read {path}") from None


def _cannot_write(path: Path, error: OSError | str) -> TeachingError:
    reason = error.strerror if isinstance(error, OSError) else error
    return TeachingError(
        f"cannot write the knowledge base {path}: {reason}. Nothing was changed. Make the file "
        "and its folder writable for this user, or teach a copy you can write "
        "(--knowledge PATH or KLIPPEKORT_KNOWLEDGE) and deploy that"
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the knowledge file's lock: writers take turns, so none loses another's change."""
    if path.exists() and not os.access(path, os.W_OK):
        raise _cannot_write(path, "permission denied")
    if path.exists() and not os.access(path.parent, os.W_OK):
        raise _cannot_write(path, "its folder is not writable")
    lock_path = path.parent / f".{path.name}.lock"
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step: a reader (or the bot reloading) sees old or new, whole."""
    mode = stat.S_IMODE(path.stat().st_mode)
    try:
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _cannot_write(path, error) from None
    temporary = Path(name)
    try:
        with open(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _cannot_write(path, error) from None


__all__ = [
    "AuditRecord",
    "Candidate",
    "Group",
    "Outcome",
    "Phrasing",
    "Skip",
    "Skipped",
    "TeachingError",
    "TeachingLog",
    "dismiss",
    "find_group",
    "learn",
    "learn_group",
    "suggestions",
    "teaching_db_path",
]
