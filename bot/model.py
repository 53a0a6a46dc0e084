"""The knowledge base's data model: what `bot.loader` builds and the rest of the core reads.

Kept apart from `bot.knowledge` (where the file lives, `load_knowledge`) so that the loader can
import the model while `load_knowledge` imports the loader: no module imports one that imports it
back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
    # The answer when a question names years, for an entry that takes none ("hvor mange timer
    # var der tilbage efter 2013?"): what the source says of a time gone by.
    dated_answer: Localized | None = None
    # The answer when a question names KMD, KL or KOMBIT and not the card ("hvad er KMD's
    # telefonnummer?"): what the source says of the organisation's own, which is not the card's.
    named_answer: Localized | None = None
    # What the entry's answer is about, as words per language ("snitfladerne"): a follow-up
    # that points back at it ("og hvem må bruge dem?") is read with them in the pointer's place.
    subject: Localized | None = None
    source: str | None = None
    # "period": the entry answers per period asked (usage). "extremes": it names the periods of
    # most and least use (the busiest year), which a follow-up goes on from ("og året efter?").
    # "end": it tells how the card ended, which is why its last year was short ("hvorfor så få?"
    # after 2016's use).
    slot: str | None = None
    chitchat: bool = False
    # A chit-chat entry whose phrasings, opening a message that asks nothing, make the whole
    # message a reaction ("haha det har jeg hørt om", "godt at vide at der ikke er flere timer").
    reaction: bool = False
    # A chit-chat entry whose phrasings, followed by "for", thank for something ("tak for
    # tallene for 2014"): a one-sentence message that asks nothing is then thanks.
    thanks: bool = False
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
    # The neutral words that name the card itself; the others (KMD, KL, KOMBIT) name
    # organisations the source does not describe.
    card_names: tuple[str, ...] = ()
    # The neutral words that are organisations (KMD, KL, KOMBIT), not the card nor a municipality.
    organisations: tuple[str, ...] = ()
    # The organisations that shared the pool (KL, KOMBIT); the source does not split the hours
    # between them, and an answer about hours asked of one of them says so.
    holders: tuple[str, ...] = ()
    # Words and expressions that mean the same for matching, by concept and language.
    concepts: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    # The concepts that name what the card is not about; no phrasing says them.
    off_topic: tuple[str, ...] = ()
    # Words that ask for a finer split of the use than the source's table, which is per year
    # for the whole card (months, weeks, projects), by language.
    yearly_only: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def entry(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def text(self, key: str, language: str, **values: object) -> str:
        """The `ui:` text `key` in `language` (else the first language), placeholders filled.

        The one way adapters read their words: the loader has checked that every key exists in
        every language and names only placeholders its callers fill.
        """
        texts = self.ui[key]
        template = texts.get(language) or texts[self.languages[0]]
        filled = {name: str(value) for name, value in values.items()}
        return PLACEHOLDER_RE.sub(lambda m: filled.get(m.group(1), m.group(0)), template)
