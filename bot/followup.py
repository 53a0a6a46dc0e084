"""Follow-up questions: what a conversation last asked about, for a short time.

"Hvor mange timer blev brugt i 2014?" then "og 2015?" is one question in two messages. The
adapters keep the last answer of each conversation (a console session, a user in a Telegram
chat) as a `Context` in `Conversations`, and hand it back with the next message; the assistant
uses it only when that message alone is elliptical (`bot.assistant.Assistant.reply`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from bot.normalize import YEAR_TOKEN, Period, normalize
from bot.stopwords import ALL_STOPWORDS

DEFAULT_TIMEOUT_SECONDS = 15 * 60
# Conversations remembered at most; the oldest are forgotten first.
MAX_CONVERSATIONS = 10_000


def _phrases(*texts: str) -> frozenset[tuple[str, ...]]:
    return frozenset(normalize(text).words for text in texts)


# What a follow-up says besides its years: "og hvad med 2015?", "and the year after?".
FILLER = frozenset(
    normalize(
        "og hvad med saa i da end så hvad nu hvis hvordan ok okay jamen men ja nej tak "
        "alene kun bare for sig selv igen "
        "and what about how then for in the of also ok okay so but yes no thanks "
        "only alone just on its own again"
    ).words
)
YEAR_BEFORE = _phrases(
    "året før", "året inden", "forrige år", "sidste år før", "the year before",
    "the previous year", "previous year", "year before", "the year prior", "the one before",
    "the one before that", "the year before that", "året før det", "den før", "det før",
    "forrige", "det forrige", "den forrige", "previous", "the previous one",
)  # fmt: skip
YEAR_AFTER = _phrases(
    "året efter", "næste år", "det følgende år", "følgende år", "the year after",
    "the next year", "next year", "year after", "the following year", "following year",
    "næste", "det næste", "den næste", "next", "the next one", "the one after",
)  # fmt: skip
TOTAL = _phrases(
    "i alt", "alt i alt", "samlet", "totalt", "sammenlagt", "in total", "total",
    "all together", "altogether", "overall", "the total", "hele perioden",
    "over hele perioden", "for hele perioden", "alle årene", "alle år", "the whole period",
    "the entire period", "over the whole period", "all the years", "all years",
    # With the card's name, which says no more ("og i alt for hele klippekortet?").
    "i alt for hele", "in total for the whole", "fra start til slut", "from start to finish",
    "hele levetiden", "over hele levetiden", "the whole lifetime", "over the whole lifetime",
    "its lifetime", "over its lifetime",
)  # fmt: skip
# The whole of something, a total only when no year is named ("og hele klippekortet?"; "hele
# 2016?" is that year).
WHOLE = _phrases(
    "hele", "for hele", "og hele", "the whole", "for the whole", "the whole card",
    "for the whole card", "the whole of",
)  # fmt: skip
# The first or the last period of the table, named by its place: "og i første periode?".
FIRST_PERIOD = _phrases(
    "første periode", "den første periode", "første år", "de første år", "de første tre år",
    "starten", "begyndelsen", "first period", "the first period", "first years",
    "the first years", "the first three years", "the early years", "the start", "the beginning",
    "den første", "det første", "the first one", "the first",
)  # fmt: skip
LAST_PERIOD = _phrases(
    "sidste periode", "den sidste periode", "det sidste år", "sidste år det kørte", "slutningen",
    "det sidste år det kørte", "the last period", "the final year", "the last year it ran",
    "the final period", "the end", "the last year", "den sidste", "det sidste", "the last one",
)  # fmt: skip
# Comparing with other years ("sammenlignet med 2014?", "var det mere eller mindre end 2014?"):
# words that ask for the years side by side, said with years.
COMPARED = frozenset(
    normalize(
        "sammenlignet sammenligne sammenligning forhold versus vs mere mindre flere færre "
        "eller det end samme ca cirka compared compare comparison more less fewer or than it "
        "that same around roughly approximately"
    ).words
)
# Whether the use went up or down ("faldt det?", "so it dropped?"): after years, those years
# (and after one year, the year before it too).
TREND = frozenset(
    normalize(
        "faldt faldet falder steg steget stiger dykket dykkede gik ned op dropped drop drops fell "
        "fall falling rose rise rising increased increase decreased decrease went down up grew "
        "shrank"
    ).words
)
REPORTED = _phrases(
    "rapporteret", "blev rapporteret", "reported", "was reported", "were reported",
)  # fmt: skip
# Words that point back at the last answer: "om det", "about that".
POINTERS = frozenset(
    normalize(
        "det den dem dens dets der vedkommende ham hende that it its this those them they him"
    ).words
)


@dataclass(frozen=True)
class Context:
    """The last answer of a conversation: its entry, the periods it was about, its language."""

    entry_id: str
    periods: tuple[Period, ...]
    language: str
    at: float


class Conversations:
    """Contexts by conversation key, each forgotten `timeout` seconds after it was stored."""

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        limit: int = MAX_CONVERSATIONS,
    ) -> None:
        self.timeout = timeout
        self.clock = clock
        self.limit = limit
        self._contexts: OrderedDict[Hashable, Context] = OrderedDict()

    def get(self, key: Hashable) -> Context | None:
        context = self._contexts.get(key)
        if context is not None and self.clock() - context.at > self.timeout:
            del self._contexts[key]
            return None
        return context

    def remember(
        self, key: Hashable, entry_id: str, periods: tuple[Period, ...], language: str
    ) -> None:
        self._contexts.pop(key, None)
        self._contexts[key] = Context(entry_id, periods, language, self.clock())
        while len(self._contexts) > self.limit:
            self._contexts.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._contexts.pop(key, None)

    def __len__(self) -> int:
        return len(self._contexts)


def shifted(periods: tuple[Period, ...], years: int) -> tuple[Period, ...]:
    """The year before (-1) or after (+1) what was asked: of a span, the year next to it."""
    if not periods:
        return ()
    if years < 0:
        first = min(p.first for p in periods) + years
        return (Period(first, first),)
    last = max(p.last for p in periods) + years
    return (Period(last, last),)


def short_years(words: tuple[str, ...], first: int, last: int) -> tuple[Period, ...]:
    """Years written with two digits in a follow-up about years ("og 14?", "hvad med 16"):
    2014, 2016; only years from `first` to `last` (the table's), so "og 20?" stays a number."""
    years = (2000 + int(word) for word in words if len(word) == 2 and word.isdigit())
    return tuple(Period(year, year) for year in years if first <= year <= last)


def cue_of(words: tuple[str, ...]) -> str | None:
    """Which follow-up a message's words make: "years" when they say nothing but years (and
    filler, or words that leave them out: "og uden 2016?"), "checked" when they check a year
    against the last answer ("var det 2015?"), "amount" when they ask how many, and of nothing
    but hours ("hvor mange var det?", "much?"; not "mange tak"), "trend" when they ask whether
    the use went up or down ("faldt det?"), "compared" when they compare years, "before",
    "after", "first", "last", "total" or "reported"; None for anything else."""
    said = {w for w in words if w != YEAR_TOKEN}
    if YEAR_TOKEN in words and _CHECKING.issuperset(said) and not POINTERS.isdisjoint(said):
        return "checked"
    core = _core(words)
    if (
        YEAR_TOKEN not in words
        and not HOW_MANY.isdisjoint(words)
        and _THANKS.isdisjoint(words)  # "mange tak", "thanks so much" ask nothing
        and _YEAR_USE.issuperset(core)
    ):
        return "amount"
    if not core:
        return "years"
    if YEAR_TOKEN not in words and TREND.issuperset(core):
        return "trend"
    for name, phrases in _CUES:
        if core in phrases:
            return name
    if YEAR_TOKEN not in words and core in _WHOLE:
        return "total"
    if YEAR_TOKEN in words:
        # With a year, words that compare years or ask about its use.
        years = _YEAR_USE if LEAVING_OUT.isdisjoint(words) else _YEAR_USE_LEFT_OUT
        for name, allowed in (("compared", COMPARED), ("years", years)):
            if allowed.issuperset(core):
                return name
    return None


def _core(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in _IGNORED and w != YEAR_TOKEN and not w.isdigit())


# Words too small to change what a follow-up asks ("hvor meget af det blev rapporteret").
# Stop words too ("kun 2010 altså"), except those that make a cue ("the one before").
_CUE_WORDS = frozenset(
    word
    for phrases in (YEAR_BEFORE, YEAR_AFTER, FIRST_PERIOD, LAST_PERIOD, TOTAL, REPORTED)
    for phrase in phrases
    for word in phrase
)
_IGNORED = (
    FILLER
    | (ALL_STOPWORDS - _CUE_WORDS)
    | POINTERS
    | frozenset(normalize("hvor meget mange af blev var was were how much many of by").words)
)
# Asking how many ("hvor mange timer var det?").
HOW_MANY = frozenset(normalize("mange meget many much").words)
_THANKS = frozenset(normalize("tak thanks thank thx").words)
# Checking a year against the last answer: "var det 2015?", "was it in 2015?".
_CHECKING = frozenset(normalize("var det er was it is in i").words)
# Words that leave out the years named after them ("og uden 2016?", "excluding 2010-2012").
LEAVING_OUT = frozenset(
    normalize(
        "uden bortset bort undtagen eksklusiv eksklusive ekskl eksl fraregnet fratrukket minus "
        "excluding exclude excl except without apart aside"
    ).words
)
# What a question about the use in a year says besides it ("hvor stor en del gik til
# 2010-2012?"): with a year, still a question about that year's use.
_YEAR_USE = frozenset(
    normalize(
        "stor en del andel gik til brugt forbrugt forbrug timer timerne "
        "big a share part portion went to used spent usage hours"
    ).words
)
# With years left out, also the words that leave them out, from them ("bortset fra 2013",
# "apart from 2016").
_YEAR_USE_LEFT_OUT = _YEAR_USE | LEAVING_OUT | frozenset(normalize("fra from").words)
_WHOLE = frozenset(_core(phrase) for phrase in WHOLE)
_CUES = tuple(
    (name, frozenset(_core(phrase) for phrase in phrases))
    for name, phrases in (
        ("before", YEAR_BEFORE),
        ("after", YEAR_AFTER),
        ("first", FIRST_PERIOD),
        ("last", LAST_PERIOD),
        ("total", TOTAL),
        ("reported", REPORTED),
    )
)
