"""Text normalisation: one canonical form for what users type and what the knowledge base says.

Users type on phones, without æøå, with typos and with numbers in any format. Everything the
matcher compares goes through `normalize` first, so "Hvornår", "hvornaar" and "HVORNÅR" are one
word, "47.746", "47,746" and "47 746" one number, and any year or period one placeholder token.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

YEAR_TOKEN = "yeartoken"
# Years a question can sensibly mean; anything else stays a plain number.
MIN_YEAR, MAX_YEAR = 1900, 2099

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "’": "'", "`": "'"})
# 47.746 / 47,746 / 47 746 (also with a no-break space) -> 47746; not "2013, 2014".
_GROUPED_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3})((?:[.,\u00a0\u202f ]\d{3})+)(?![\d]|[.,]\d)")
_YEAR = r"(?:19|20)\d\d"
# "2010-2012", "2010–2012", "fra 2010 til 2012", "between 2010 and 2012", "2010 til 2012".
_PERIOD = re.compile(
    rf"(?:\b(?:mellem|between)\s+({_YEAR})\s*(?:og|and|-|–|—)\s*({_YEAR})\b)"
    rf"|(?:\b(?:fra|from|i perioden|perioden|in the period)\s+)?\b({_YEAR})\s*"
    rf"(?:-|–|—|(?:og\s+)?(?:frem\s+)?til|(?:up\s+)?(?:to|until)|through)\s*({_YEAR})\b"
)
_SINGLE_YEAR = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_PLACEHOLDER_YEAR = re.compile(r"\{year\}")
_WORD = re.compile(r"\w+")
# Chat shorthand, spelled out before matching.
SHORTHAND = {
    "hrs": "hours",
    "hr": "hour",
    "yr": "year",
    "yrs": "years",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "u": "you",
    "r": "are",
    "ur": "your",
    "tlf": "telefon",
    "nr": "nummer",
    "ift": "i forhold til",
    "mht": "med hensyn til",
}
_SENTENCE_BREAK = re.compile(r"[.!?;:,\n]+(?:\s+|$)|\s[–—-]\s")

_STEMMERS = {"da": "danish", "en": "english"}


@dataclass(frozen=True)
class Period:
    """A year or an inclusive span of years named in a question."""

    first: int
    last: int

    @property
    def is_single_year(self) -> bool:
        return self.first == self.last


def fold(text: str) -> str:
    """Case-fold and spell æ/ø/å as ae/oe/aa; drop other accents (é -> e)."""
    if text.isascii():
        return text.casefold()
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def join_number_groups(text: str) -> str:
    """Write grouped numbers without separators: 47.746, 47,746 and 47 746 become 47746."""
    return _GROUPED_NUMBER.sub(lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)), text)


def extract_periods(text: str) -> tuple[str, list[Period]]:
    """Find years and periods in folded text; return the text with each replaced by YEAR_TOKEN."""
    periods: list[Period] = []

    def period(match: re.Match[str]) -> str:
        groups = [int(g) for g in match.groups() if g is not None]
        first, last = groups[0], groups[1]
        if first > last:
            first, last = last, first
        periods.append(Period(first, last))
        return f" {YEAR_TOKEN} "

    def year(match: re.Match[str]) -> str:
        value = int(match.group(0))
        periods.append(Period(value, value))
        return f" {YEAR_TOKEN} "

    text = _PERIOD.sub(period, text)
    text = _SINGLE_YEAR.sub(year, text)
    text = _PLACEHOLDER_YEAR.sub(f" {YEAR_TOKEN} ", text)
    return text, _unique(periods)


def _unique(periods: list[Period]) -> list[Period]:
    seen: set[Period] = set()
    result = []
    for item in periods:
        if item.first < MIN_YEAR or item.last > MAX_YEAR or item in seen:
            continue
        seen.add(item)
        result.append(item)
    return result


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS[language])


def stem_words(words: list[str], language: str) -> list[str]:
    """Stem folded words with the Snowball stemmer of `language`; the year token stays."""
    stems: list[str] = _stemmer(language).stemWords(words)
    return [word if word == YEAR_TOKEN else stem for word, stem in zip(words, stems, strict=True)]


@dataclass(frozen=True)
class Normalized:
    """A text ready for matching: folded words and the periods it names."""

    words: tuple[str, ...]
    periods: tuple[Period, ...]


def normalize(text: str) -> Normalized:
    """Fold, join number groups, replace years and periods, split into words."""
    folded = _POSSESSIVE.sub("", join_number_groups(fold(text)))
    folded, periods = extract_periods(folded)
    words = _WORD.findall(folded.replace("_", " "))
    expanded = [part for word in words for part in SHORTHAND.get(word, word).split()]
    return Normalized(tuple(expanded), tuple(periods))


def split_sentences(text: str) -> list[str]:
    """Split a message into sentences and clauses, so a long one can be matched piece by piece."""
    # Protect decimal and grouped numbers like 47.746 from being split at the dot.
    protected = re.sub(r"(?<=\d)[.,](?=\d)", "", text)
    return [part.strip() for part in _SENTENCE_BREAK.split(protected) if part.strip()]
