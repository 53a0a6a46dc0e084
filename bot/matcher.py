"""Fuzzy matching of a question against every phrasing in the knowledge base.

Score of an entry for a question, per language index (Danish and English phrasings are stemmed
with their own Snowball stemmer, and the question is stemmed both ways):

    similarity = mean(token_set_ratio, token_sort_ratio)   best over the entry's phrasings
    coverage   = IDF-weighted share of the question's words that the entry knows
    score      = similarity * coverage ** COVERAGE_POWER

`token_set_ratio` alone gives 100 whenever one word set contains the other, and `WRatio` or
`partial_ratio` score a short word found inside a longer one ("tak" in "kontaktperson") around 90;
the coverage factor is what turns down near-topic questions ("hvor mange timer er der i et døgn")
whose other words the entry has never seen. Typos are mended word by word against the
vocabulary before scoring. Candidates are pruned through an inverted index so that a knowledge
base of 10,000 entries costs no more than a few hundred phrasings per question.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import Entry
from bot.normalize import YEAR_TOKEN, normalize, stem_words
from bot.stopwords import STOPWORDS, content_words


# The weight of a word that names the domain itself, against about 1 to 4 for other words.
NEUTRAL_WEIGHT = 0.1


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds of the three outcomes; tuned on the whole question set (`make eval`)."""

    answer_at: float = 50.0
    suggest_at: float = 40.0
    # The best entry must lead the runner-up by this much to be answered outright.
    margin: float = 1.0
    max_suggestions: int = 3
    coverage_power: float = 2.0
    phrasing_coverage_power: float = 0.5
    # How much a word that no entry knows counts against an entry, relative to a known word.
    unseen_weight: float = 1.0
    min_typo_length: int = 3
    max_candidates: int = 300


class Outcome(enum.StrEnum):
    """What the bot does with a question."""

    ANSWERED = "answered"
    SUGGESTED = "suggested"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Scored:
    """An entry's score for one question."""

    entry_id: str
    score: float
    language: str


@dataclass
class _LanguageIndex:
    """Stemmed phrasings of one language with their inverted index and IDF weights."""

    language: str
    phrasings: list[str] = field(default_factory=list)
    phrasing_entry: list[int] = field(default_factory=list)
    phrasing_words: list[frozenset[str]] = field(default_factory=list)
    phrasing_weight: list[float] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    entry_vocabulary: list[frozenset[str]] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    words: frozenset[str] = frozenset()
    words_by_length: dict[int, list[str]] = field(default_factory=dict)
    unseen_idf: float = 1.0
    common: frozenset[str] = frozenset()


class Matcher:
    """Ranks knowledge-base entries for a question."""

    def __init__(
        self,
        entries: Mapping[str, Entry],
        settings: MatchSettings | None = None,
        neutral_words: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.settings = settings or MatchSettings()
        neutral = neutral_words or {}
        # The domain's own name ("klippekortet", "KMD") stays in the text, so "hvad er
        # klippekortet" reads differently from "hvad kan du", but weighs almost nothing.
        self.neutral = {
            language: frozenset(
                word for text in neutral.get(language, ()) for word in normalize(text).words
            )
            for language in ("da", "en")
        }
        self.neutral_stems = {
            language: frozenset(stem_words(sorted(words), language))
            for language, words in self.neutral.items()
        }
        self.stopwords = {
            language: STOPWORDS.get(language, frozenset()) - self.neutral[language]
            for language in ("da", "en")
        }
        self.entry_ids = list(entries)
        self.chitchat = {i for i, e in enumerate(entries.values()) if e.chitchat}
        languages = sorted({lang for e in entries.values() for lang in e.phrasings})
        self.indexes = [self._build(language, entries) for language in languages]
        # A word another language uses is foreign here, not a typo: Danish "tak" is not "talk".
        self.all_words = frozenset(word for index in self.indexes for word in index.words)

    def _build(self, language: str, entries: Mapping[str, Entry]) -> _LanguageIndex:
        index = _LanguageIndex(language)
        document_frequency: dict[str, int] = defaultdict(int)
        raw_words: set[str] = set()
        for entry_number, entry in enumerate(entries.values()):
            vocabulary: set[str] = set()
            for text in entry.phrasings.get(language, ()):
                raw = list(normalize(text).words)
                raw_words.update(raw)
                words = stem_words(content_words(raw, self.stopwords[language]), language)
                if not words:
                    continue
                phrasing_number = len(index.phrasings)
                index.phrasings.append(" ".join(words))
                index.phrasing_entry.append(entry_number)
                index.phrasing_words.append(frozenset(words))
                for word in set(words):
                    index.postings[word].append(phrasing_number)
                vocabulary.update(words)
            index.entry_vocabulary.append(frozenset(vocabulary))
            for word in vocabulary:
                document_frequency[word] += 1
        total = max(1, len(entries))
        index.idf = {w: math.log((total + 1) / (df + 1)) + 1 for w, df in document_frequency.items()}
        index.unseen_idf = math.log(total + 1) + 1
        for stem in self.neutral_stems[language]:
            index.idf[stem] = NEUTRAL_WEIGHT
        index.phrasing_weight = [sum(index.idf[w] for w in ws) for ws in index.phrasing_words]
        # Words in over a tenth of the entries say little about which entry is meant, so they
        # do not pull candidates in (they still count in the scores).
        index.words = frozenset(raw_words)
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(raw_words - self.stopwords[language]):
            by_length[len(word)].append(word)
        index.words_by_length = dict(by_length)
        index.common = frozenset(
            w for w, df in document_frequency.items() if df > max(3, total // 10)
        )
        return index

    def correct(self, index: _LanguageIndex, words: list[str]) -> list[str]:
        """Mend typos, missing æøå and split or joined compounds against the phrasings' words."""
        stop = self.stopwords[index.language] | self.neutral[index.language]
        mended: list[str] = []
        for word in words:
            if mended and mended[-1] + word in index.words and word not in index.words:
                mended[-1] += word  # "klippe kortet" -> "klippekortet"
                continue
            if word in self.all_words or word in stop or word.isdigit():
                mended.append(word)
                continue
            parts = self._split_compound(index, word)
            mended.extend(parts if parts else [self._closest(index, word)])
        return mended

    def _split_compound(self, index: _LanguageIndex, word: str) -> list[str] | None:
        """Split a Danish compound into two known words: "timeforbruget" -> time, forbruget."""
        if len(word) < 7:
            return None
        known = index.words | self.neutral[index.language]
        best: list[str] | None = None
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if left not in known and not (left.endswith("s") and left[:-1] in known):
                continue
            if right in known:
                if best is None or min(len(left), len(right)) > min(map(len, best)):
                    best = [left.removesuffix("s") if left not in known else left, right]
        return best

    def _closest(self, index: _LanguageIndex, word: str) -> str:
        # Written without æøå at all: "ar" for "år", "hvornar" for "hvornår".
        for variant in _ascii_expansions(word):
            if variant in index.words:
                return variant
        if len(word) < self.settings.min_typo_length:
            return word
        # One slip per four letters; a swap of two letters ("pujlen") counts as one.
        edits = max(1, len(word) // 4)
        lengths = range(len(word) - edits, len(word) + edits + 1)
        choices = [w for n in lengths for w in index.words_by_length.get(n, ())]
        best = process.extractOne(
            word, choices, scorer=OSA.distance, processor=None, score_cutoff=edits
        )
        return best[0] if best else word

    def rank(self, text: str, sentences: Iterable[str] = ()) -> list[Scored]:
        """Entries by score, best first, one score each (its best language and sentence)."""
        best: dict[int, Scored] = {}
        words = list(normalize(text).words)
        pieces = [(words, True)]
        for sentence in sentences:
            sentence_words = list(normalize(sentence).words)
            if sentence_words and sentence_words != words:
                pieces.append((sentence_words, False))
        for index in self.indexes:
            for piece_words, whole in pieces:
                for entry_number, score in self._score(index, piece_words, whole).items():
                    current = best.get(entry_number)
                    if current is None or score > current.score:
                        best[entry_number] = Scored(
                            self.entry_ids[entry_number], score, index.language
                        )
        return sorted(best.values(), key=lambda s: (-s.score, s.entry_id))

    def prepare(self, index: _LanguageIndex, words: list[str]) -> list[str]:
        """Question words as the index holds them: mended, without stop words, stemmed."""
        mended = content_words(self.correct(index, words), self.stopwords[index.language])
        return stem_words(mended, index.language)

    def _score(self, index: _LanguageIndex, words: list[str], whole: bool) -> dict[int, float]:
        stems = self.prepare(index, words)
        if not stems:
            return {}
        query = " ".join(stems)
        candidates = self._candidates(index, stems)
        if not whole:
            # Chit-chat answers the whole message only: "Hej, hvor mange timer ..." is a question.
            candidates = [p for p in candidates if index.phrasing_entry[p] not in self.chitchat]
        if not candidates:
            return {}
        choices = {p: index.phrasings[p] for p in candidates}
        set_scores = process.extract(
            query, choices, scorer=fuzz.token_set_ratio, processor=None, limit=None
        )
        sort_scores = dict(
            (key, score)
            for _, score, key in process.extract(
                query, choices, scorer=fuzz.token_sort_ratio, processor=None, limit=None
            )
        )
        query_words = set(stems)
        neutral = self.neutral_stems[index.language]
        weights = [
            NEUTRAL_WEIGHT if s in neutral else index.idf.get(s, index.unseen_idf) for s in stems
        ]
        total_weight = sum(weights)
        settings = self.settings
        similarity: dict[int, float] = {}
        for _, set_score, phrasing in set_scores:
            # How much of the phrasing the question says: "hvor mange timer er der i et døgn"
            # lacks the "tilbage" that "hvor mange timer er der tilbage" turns on.
            words = index.phrasing_words[phrasing]
            said = sum(index.idf[w] for w in words if w in query_words)
            phrasing_coverage = said / index.phrasing_weight[phrasing]
            value = (set_score + sort_scores[phrasing]) / 2
            value *= phrasing_coverage**settings.phrasing_coverage_power
            entry_number = index.phrasing_entry[phrasing]
            if value > similarity.get(entry_number, -1.0):
                similarity[entry_number] = value
        scores = {}
        for entry_number, value in similarity.items():
            # How much of the question the entry knows; words no entry knows weigh less than
            # words another entry knows, since chat messages carry words of their own.
            known = index.entry_vocabulary[entry_number]
            covered = sum(w for s, w in zip(stems, weights, strict=True) if s in known)
            unseen = sum(
                w * (1 - settings.unseen_weight)
                for s, w in zip(stems, weights, strict=True)
                if s not in index.idf
            )
            coverage = covered / (total_weight - unseen)
            scores[entry_number] = value * coverage**settings.coverage_power
        return scores

    def _candidates(self, index: _LanguageIndex, stems: list[str]) -> list[int]:
        """Phrasings that share a word with the question, those sharing telling words first.

        Words are taken rarest first, and common words only while too few phrasings have been
        found, so a word like "hvor" in a large knowledge base does not pull in everything.
        """
        weight: dict[int, float] = defaultdict(float)
        limit = self.settings.max_candidates
        for stem in sorted(set(stems), key=lambda s: -index.idf.get(s, 0.0)):
            postings = index.postings.get(stem)
            if not postings:
                continue
            if stem in index.common and len(weight) >= limit:
                break
            idf = index.idf[stem]
            for phrasing in postings:
                weight[phrasing] += idf
        if len(weight) <= limit:
            return list(weight)
        return sorted(weight, key=weight.__getitem__, reverse=True)[:limit]


def decide(ranking: list[Scored], settings: MatchSettings) -> Outcome:
    """Answer a clear winner, offer choices in the grey zone, else say so."""
    if not ranking or ranking[0].score < settings.suggest_at:
        return Outcome.UNKNOWN
    runner_up = ranking[1].score if len(ranking) > 1 else 0.0
    if ranking[0].score >= settings.answer_at and ranking[0].score - runner_up >= settings.margin:
        return Outcome.ANSWERED
    return Outcome.SUGGESTED


def _ascii_expansions(word: str) -> list[str]:
    """Spellings of `word` with one a/o/e widened to aa/oe/ae, as folded æøå would be."""
    variants = []
    for position, letter in enumerate(word):
        for wide in {"a": ("aa", "ae"), "o": ("oe",), "e": ("ae",)}.get(letter, ()):
            variants.append(word[:position] + wide + word[position + 1 :])
    return variants


__all__ = ["YEAR_TOKEN", "MatchSettings", "Matcher", "Outcome", "Scored", "decide"]
