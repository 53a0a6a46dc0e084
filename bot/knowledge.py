"""The knowledge base: its data model, where it lives, and `load_knowledge`.

Reading and validating the YAML is `bot.loader`'s work; it is imported only when a file is
actually read, so a command that starts from a cached assistant never loads PyYAML.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_KNOWLEDGE_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "klippekort.yaml"
KNOWLEDGE_ENV = "KLIPPEKORT_KNOWLEDGE"

SUPPORTED_LANGUAGES = ("da", "en")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Problem:
    """One reason a knowledge base is refused."""

    file: str
    line: int
    reason: str
    # Only where the line alone does not show the spot, e.g. an invisible or undecodable character.
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}" if self.column else str(self.line)
        return f"{self.file}:{where}: {self.reason}"


class KnowledgeError(Exception):
    """A knowledge base that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class UsageRow:
    """Hours used in one period: a single year or a span counted as a whole."""

    first_year: int
    last_year: int
    used: int
    reported: int

    @property
    def is_multi_year(self) -> bool:
        return self.last_year > self.first_year

    @property
    def label(self) -> str:
        if self.is_multi_year:
            return f"{self.first_year}–{self.last_year}"
        return str(self.first_year)

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


@dataclass(frozen=True)
class Facts:
    """The figures and names every answer is rendered from."""

    pool_hours: int
    closed_year: int
    closed_month: int
    contact_role: Mapping[str, str]
    contact_phone: str
    usage: tuple[UsageRow, ...]

    @property
    def reported_total(self) -> int:
        return sum(row.reported for row in self.usage)

    @property
    def used_total(self) -> int:
        return sum(row.used for row in self.usage)

    @property
    def remaining_hours(self) -> int:
        # Reported use can never leave a negative balance: a card that is used up has 0 left.
        return max(0, self.pool_hours - self.reported_total)

    def row_for_year(self, year: int) -> UsageRow | None:
        return next((row for row in self.usage if row.covers(year)), None)


Localized = Mapping[str, str]


@dataclass(frozen=True)
class Entry:
    """One topic the bot can answer, with its phrasings and answer templates."""

    id: str
    title: Localized
    answer: Localized
    phrasings: Mapping[str, tuple[str, ...]]
    related: tuple[str, ...] = ()
    variants: Mapping[str, Localized] = field(default_factory=dict)
    source: str | None = None
    slot: str | None = None
    chitchat: bool = False
    line: int = 0


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated knowledge base."""

    path: Path
    languages: tuple[str, ...]
    facts: Facts
    sources: Mapping[str, str]
    ui: Mapping[str, Localized]
    entries: Mapping[str, Entry]
    neutral_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Words and expressions that mean the same for matching, by concept and language.
    concepts: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def entry(self, entry_id: str) -> Entry:
        return self.entries[entry_id]


def default_knowledge_path() -> Path:
    """The knowledge base named by KLIPPEKORT_KNOWLEDGE, else the one shipped in `knowledge/`."""
    env = os.environ.get(KNOWLEDGE_ENV, "").strip()
    return Path(env) if env else DEFAULT_KNOWLEDGE_PATH


def read_knowledge_text(path: Path) -> str:
    """The text of a knowledge-base file; a missing or unreadable file is a KnowledgeError."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError([Problem(str(path), 0, "file not found")]) from None
    except UnicodeDecodeError:
        raise KnowledgeError([_not_utf8(path)]) from None
    except OSError as error:
        raise KnowledgeError([Problem(str(path), 0, f"cannot read file: {error}")]) from None


def _not_utf8(path: Path) -> Problem:
    # Text mode decodes in chunks, so its error counts bytes from a chunk, not from the file;
    # decoding the whole file again gives the offset, which an editor needs as line and column.
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, start) + 1
        column = len(data[start : error.start].decode("utf-8")) + 1
        bad = data[error.start : error.end].hex(" ")
        reason = f"not UTF-8: byte(s) {bad} ({error.reason}); save the file as UTF-8"
        return Problem(str(path), line, reason, column)
    except OSError as error:
        return Problem(str(path), 0, f"cannot read file: {error}")
    return Problem(str(path), 0, "cannot read file: not UTF-8")


def load_knowledge(path: Path | str | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base; raise KnowledgeError listing every problem."""
    file_path = Path(path) if path is not None else default_knowledge_path()
    text = read_knowledge_text(file_path)
    # Imported here, not at the top: PyYAML costs a short-lived command a noticeable start-up.
    from bot.loader import parse_knowledge

    return parse_knowledge(text, file_path)
