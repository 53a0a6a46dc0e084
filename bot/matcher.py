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
base of 10,000 entries costs no more than a few hundred phrasings per question, and scores below
the lowest threshold that can matter (`MatchSettings.floor`) are never worked out: such entries
are left out of the ranking.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.everyday import stem_factors
from bot.model import Entry
from bot.normalize import MIXED, QUESTION_WORDS, YEAR_TOKEN, normalize, stem_words, words_of
from bot.stopwords import ALL_STOPWORDS, STOPWORDS, ascii_variants, content_words

CACHE_LIMIT = 50_000
# Word sequences kept folded (`Concepts.fold`); a long-running bot sees more than this.
FOLD_CACHE_LIMIT = 10_000
# Words of this length or more may be corrected across two slips instead of one.
LONG_WORD = 7
FAMILY_PREFIX = 7
FAMILY_ENDING = 3
# The weight of a word that names the domain itself, against about 1 to 4 for other words.
NEUTRAL_WEIGHT = 0.1
# A number of this many digits or more that no phrasing has is a figure a user quotes.
QUOTED_FIGURE_DIGITS = 4
# Scores are pruned by bounds worked out in floating point; this much room keeps rounding from
# pruning a phrasing that would tie.
SLACK = 1e-6
# Filler words this long or longer are mended from a slip ("shuold"); shorter ones are one slip
# from too many words.
LONG_FILLER = 5
# What must follow a name of the domain in a compound for it to be split off
# ("klippekortordningen"); less is an ending ("kommunernes").
NAMED_REST = 4
# Words this long or shorter are not mended by changing one of their letters.
SHORT_WORD = 4
# A phrasing word used this often or less is a slip of a word used COMMON_FACTOR times as often
# that it is one edit from (`Matcher._canonical_spellings`).
RARE_SPELLING = 5
COMMON_FACTOR = 5
# The content words a phrasing must say, and a sentence must share with it, for the
# sentence to contain it (`Matcher.contained`).
# The fewest words a part of a sentence in one language has (`Matcher.language_runs`).
LANGUAGE_RUN_WORDS = 3
CONTAINED_WORDS = 2
# A concept word's stem this short is shared by other words ("led": "ledige", "leder").
SHORT_STEM = 3
# An expression written with a gap ("brugte … til") is found at the end of a question with one
# to this many words in the gap ("hvad brugte de timerne til?"), never inside one ("brugte de
# timerne til snitflader?" asks about use).
STRANDED_GAP = 4
GAP_MARKS = ("…", "...")


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
    unseen_weight: float = 0.8
    # The same within one sentence of a longer message, where a word of the situation
    # ("klippekortordningen", "fast") is more often beside the point.
    piece_unseen_weight: float = 0.3
    # How much a year counts against an entry that takes none: half of "Hvad skete der i
    # 2014?" is its year, so a status phrasing that shares only "skete" must not carry it.
    foreign_year_weight: float = 0.25
    # How much a sentence of a long message that tells rather than asks counts.
    telling_weight: float = 0.9
    min_typo_length: int = 3
    # Entries scored per question at most; only large knowledge bases reach it.
    max_candidates: int = 100

    @property
    def floor(self) -> float:
        """The lowest score that can change an outcome (a suggestion, or a runner-up close
        enough to stop an answer)."""
        return min(self.suggest_at, self.answer_at - self.margin)

    @property
    def window(self) -> float:
        """How far below the best an entry may score and still be offered as a suggestion;
        an entry further below cannot change the outcome either, since the margin is less."""
        return 2 * self.margin + 5


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
    phrasing_length: list[int] = field(default_factory=list)
    # What each phrasing says besides question words, stop words and the domain's names
    # ("hvor mange timer ~remaining" says "~hours ~remaining"): what a sentence must hold to
    # contain it.
    phrasing_content: list[frozenset[str]] = field(default_factory=list)
    entry_vocabulary: list[frozenset[str]] = field(default_factory=list)
    entry_phrasings: list[list[int]] = field(default_factory=list)
    # Per entry: each of its words with the entry's phrasings that use it.
    entry_postings: list[dict[str, list[int]]] = field(default_factory=list)
    entries_of: dict[str, list[int]] = field(default_factory=dict)
    knows_year: frozenset[int] = frozenset()
    idf: dict[str, float] = field(default_factory=dict)
    unseen_idf: float = 1.0
    # Stems of words common in everyday language, with the share of their weight they keep
    # (`bot.everyday`).
    everyday: Mapping[str, float] = field(default_factory=dict)
    words: frozenset[str] = frozenset()
    # The words of the phrasings themselves (`words` has every concept's words too).
    own_words: frozenset[str] = frozenset()
    compound_parts: frozenset[str] = frozenset()
    # Every vocabulary word under itself and each form with one letter deleted: a word one
    # slip away from a vocabulary word shares one of these keys with it (SymSpell's idea).
    deletions: dict[str, list[str]] = field(default_factory=dict)
    frequency: dict[str, int] = field(default_factory=dict)
    by_prefix: dict[str, list[str]] = field(default_factory=dict)

    # Words recur from question to question; these caches are cleared when they grow large.
    stem_cache: dict[str, str] = field(default_factory=dict)
    typo_cache: dict[str, list[str]] = field(default_factory=dict)


class Matcher:
    """Ranks knowledge-base entries for a question."""

    def __init__(
        self,
        entries: Mapping[str, Entry],
        settings: MatchSettings | None = None,
        neutral_words: Mapping[str, Iterable[str]] | None = None,
        concepts: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
    ) -> None:
        self.settings = settings or MatchSettings()
        # One filler word may stand inside an expression: "brugt helt op" is "brugt op".
        self.concepts = Concepts(concepts or {}, ALL_STOPWORDS)
        neutral = neutral_words or {}
        # The domain's own name ("klippekortet", "KMD") stays in the text, so "hvad er
        # klippekortet" reads differently from "hvad kan du", but weighs almost nothing.
        self.neutral = {language: words_of(neutral.get(language, ())) for language in ("da", "en")}
        self.neutral[MIXED] = self.neutral["da"] | self.neutral["en"]
        # The domain's longer names, longest first, as the head of a compound.
        self.long_names = sorted(
            (w for w in self.neutral[MIXED] if len(w) > LONG_WORD), key=len, reverse=True
        )
        self.name_heads = frozenset(name[:4] for name in self.long_names)
        self.long_names_set = frozenset(self.long_names)
        self.neutral_stems = {
            language: frozenset(stem_words(sorted(words), language))
            for language, words in self.neutral.items()
        }
        # Both languages' stop words are stop words everywhere: people mix them in one message
        # ("er der any timer tilbage?"), and a foreign "the" is no more a topic than "den".
        self.stopwords = {
            language: ALL_STOPWORDS - self.neutral[language] for language in ("da", "en", MIXED)
        }
        # Words a typo is never mended into another word from: stop words and the domain's names.
        self.unmended = {
            language: self.stopwords[language] | self.neutral[language]
            for language in self.stopwords
        }
        self.filler_deletions: dict[str, list[str]] = defaultdict(list)
        for word in sorted(ALL_STOPWORDS):
            if len(word) >= LONG_FILLER:
                for key in _one_deleted(word) | {word}:
                    self.filler_deletions[key].append(word)
        # Stop words as the indexes hold them when a text is nothing else ("hvem er det").
        stopwords = sorted(ALL_STOPWORDS)
        self.stop_stems = frozenset(
            (*stopwords, *stem_words(stopwords, "da"), *stem_words(stopwords, "en"))
        )
        # Question words as the indexes hold them, in either language or as a concept; with
        # the quantities that make them ("hvor mange", "how much").
        question_words = sorted(QUESTION_WORDS | {"mange", "meget", "many", "much"})
        self.question_stems = frozenset(
            (
                *stem_words(question_words, "da"),
                *stem_words(question_words, "en"),
                *self.concepts.fold(question_words),
            )
        )
        self.entry_ids = list(entries)
        self.chitchat = {i for i, e in enumerate(entries.values()) if e.chitchat}
        self.canonical = self._canonical_spellings(entries)
        languages = sorted({lang for e in entries.values() for lang in e.phrasings})
        self.indexes = [self._build(language, entries) for language in languages]
        # Which language's stemmer a word gets in the mixed index: its own, so that English
        # "time" does not become Danish "timer".
        self.language_of_word: dict[str, str] = {}
        for index in reversed(self.indexes):
            self.language_of_word.update(dict.fromkeys(index.own_words, index.language))

        # Words of one language only (its phrasings' and stop words, not the other's): a
        # message with words of each mixes the languages.
        phrased = {index.language: index.own_words for index in self.indexes}
        stopped = {
            index.language: STOPWORDS.get(index.language, frozenset()) for index in self.indexes
        }
        self.only_in = {
            language: _only_in(phrased, language) | _only_in(stopped, language)
            for language in phrased
        }
        self.index_of = {index.language: index for index in self.indexes}
        if len(languages) > 1:
            # "hvem stod behind klippekortet?": a message in both languages is matched against
            # the phrasings of both at once as well, each word meeting its own language's.
            self.index_of[MIXED] = self._build(MIXED, entries)
            self.indexes.append(self.index_of[MIXED])
        self.entry_number = {entry_id: number for number, entry_id in enumerate(self.entry_ids)}
        # A word another language uses is foreign here, not a typo: Danish "tak" is not "talk".
        self.all_words = frozenset(word for index in self.indexes for word in index.words)

    def _canonical_spellings(self, entries: Mapping[str, Entry]) -> dict[str, dict[str, str]]:
        """Per language, rare spellings in the phrasings mapped to the common word they are a
        slip of.

        Phrasings are written as users write, slips and all ("hvor mange timr"); a slip that
        stood as a word of its own would never be mended in a question, and would hold only the
        few phrasings that have it. So a word used at most `RARE_SPELLING` times that is one
        slip (or missing æøå) from a word of its language used `COMMON_FACTOR` times as often,
        with another stem, is read as that word, in phrasings and questions alike. Stop words,
        concept words and the other language's words stay as they are. A slip is a letter
        missing ("timr"), two swapped, or in a longer word one changed ("raport"): a letter more
        ("trak", "lavest") or one changed in a short word ("hele") more often makes another word.
        """
        counts: dict[str, dict[str, int]] = {}
        for entry in entries.values():
            for language, texts in entry.phrasings.items():
                language_counts = counts.setdefault(language, defaultdict(int))
                for text in texts:
                    for word in normalize(text).words:
                        language_counts[word] += 1
        kept = self.concepts.words | frozenset().union(*self.stopwords.values())
        canonical: dict[str, dict[str, str]] = {}
        for language, language_counts in counts.items():
            others = frozenset().union(*(c for other, c in counts.items() if other != language))
            by_deletion: dict[str, list[str]] = defaultdict(list)
            for word, count in language_counts.items():
                if count >= COMMON_FACTOR:
                    for key in _one_deleted(word) | {word}:
                        by_deletion[key].append(word)
            mended: dict[str, str] = {}
            for word, count in sorted(language_counts.items()):
                name = self._name_slipped(word)
                if name is not None:
                    # However often phrasings write it so ("klipekortet"), a slip in the
                    # domain's name is the name.
                    mended[word] = name
                    continue
                if count > RARE_SPELLING or word in kept or word in others or len(word) < 4:
                    continue
                common = [v for v in _ascii_expansions(word) if v in language_counts]
                if not common:
                    keys = _one_deleted(word) | {word}
                    found = {c for key in keys for c in by_deletion.get(key, ())}
                    common = [
                        c
                        for c in found
                        if c[0] == word[0]
                        and len(c) >= len(word)
                        and (len(c) > len(word) or len(word) >= LONG_WORD - 1 or _swapped(c, word))
                        and OSA.distance(word, c, score_cutoff=1) == 1
                    ]
                stem = stem_words([word], language)[0]
                common = [
                    c
                    for c in common
                    if language_counts[c] >= COMMON_FACTOR * count
                    and stem_words([c], language)[0] != stem
                ]
                if common:
                    mended[word] = max(common, key=lambda c: (language_counts[c], c))
            canonical[language] = mended
        canonical[MIXED] = {
            word: target for mended in canonical.values() for word, target in mended.items()
        }
        return canonical

    def _name_slipped(self, word: str) -> str | None:
        """The domain's long name (the card's, the municipalities') that `word` is one slip
        from ("klipekortet"), if any."""
        if len(word) <= LONG_WORD or word in self.long_names_set:
            return None
        for name in self.long_names:
            if OSA.distance(word, name, score_cutoff=1) == 1:
                return name
        return None

    def _build(self, language: str, entries: Mapping[str, Entry]) -> _LanguageIndex:
        index = _LanguageIndex(language, everyday=stem_factors(language))
        document_frequency: dict[str, int] = defaultdict(int)
        raw_words: set[str] = set()
        word_counts: dict[str, int] = defaultdict(int)
        for entry_number, entry in enumerate(entries.values()):
            vocabulary: set[str] = set()
            phrasings: list[int] = []
            postings: dict[str, list[int]] = defaultdict(list)
            texts = (
                [t for texts in entry.phrasings.values() for t in texts]
                if language == MIXED
                else entry.phrasings.get(language, ())
            )
            canonical = self.canonical.get(language, {})
            for text in texts:
                raw = self._named_apart(canonical.get(w, w) for w in normalize(text).words)
                raw_words.update(raw)
                for word in raw:
                    word_counts[word] += 1
                words = self._stems(
                    language, _asked_words(self.concepts.fold(raw), self.stopwords[language])
                )
                if entry.slot != "period":
                    # "lukkede det i 2016" is about that year, not any year: an entry that
                    # takes no period must not be found by a year alone ("Hvad skete der i 2014?").
                    words = [word for word in words if word != YEAR_TOKEN]
                if not words:
                    continue
                phrasing_number = len(index.phrasings)
                index.phrasings.append(" ".join(words))
                index.phrasing_entry.append(entry_number)
                phrasings.append(phrasing_number)
                index.phrasing_words.append(frozenset(words))
                vocabulary.update(words)
                for word in sorted(set(words)):
                    postings[word].append(phrasing_number)
            index.entry_vocabulary.append(frozenset(vocabulary))
            index.entry_phrasings.append(phrasings)
            index.entry_postings.append(dict(postings))
            for word in vocabulary:
                index.entries_of.setdefault(word, []).append(entry_number)
            for word in vocabulary:
                document_frequency[word] += 1
        index.knows_year = frozenset(index.entries_of.get(YEAR_TOKEN, ()))
        total = max(1, len(entries))
        index.idf = {
            w: math.log((total + 1) / (df + 1)) + 1 for w, df in document_frequency.items()
        }
        index.unseen_idf = math.log(total + 1) + 1
        for stem in self.neutral_stems[language]:
            index.idf[stem] = NEUTRAL_WEIGHT
        index.phrasing_weight = [sum(index.idf[w] for w in ws) for ws in index.phrasing_words]
        asking = self.neutral_stems[language] | self.question_stems | self.stop_stems
        index.phrasing_content = [words - asking for words in index.phrasing_words]
        index.phrasing_length = [len(text) for text in index.phrasings]
        # A concept's words are known words in every language, so that a question using one is
        # not "mended" into another word, and a slip in one is mended to it.
        index.own_words = frozenset(raw_words)
        index.words = frozenset(raw_words | self.concepts.words)
        index.compound_parts = index.words | self.neutral[language]
        # A slip is mended to a word of the index's own language: Danish "bid" is not "big".
        if language == MIXED:
            raw_words |= self.concepts.words
        else:
            raw_words |= self.concepts.words_in.get(language, set())
        deletions: dict[str, list[str]] = defaultdict(list)
        for word in sorted(raw_words - self.stopwords[language]):
            if len(word) >= self.settings.min_typo_length:
                for key in _one_deleted(word) | {word}:
                    deletions[key].append(word)
        index.deletions = dict(deletions)
        index.frequency = dict(word_counts)
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for word in sorted(raw_words - self.stopwords[language]):
            if len(word) >= LONG_WORD - 2:
                by_prefix[word[:3]].append(word)
        index.by_prefix = dict(by_prefix)
        return index

    def correct(self, index: _LanguageIndex, words: list[str]) -> list[str]:
        """Mend typos, missing æøå and split or joined compounds against the phrasings' words."""
        stop = self.unmended[index.language]
        mended: list[str] = []
        previous = ""
        canonical = self.canonical.get(index.language, {})
        for word in self._named_apart(canonical.get(w, w) for w in words):
            joined, last = previous + word, previous
            previous = word
            # Two known words are joined only into the domain's name ("klippe kortet"): "brugt
            # op" is not "brugtop".
            split_word = (
                last not in self.all_words
                or word not in self.all_words
                or joined in self.long_names_set
            )
            if mended and joined in index.words and split_word:
                mended[-1] = joined  # "klippe kortet" -> "klippekortet"
                continue
            if word in self.all_words or word in stop or word.isdigit():
                mended.append(word)
                continue
            parts = index.typo_cache.get(word)
            if parts is None:
                if len(index.typo_cache) > CACHE_LIMIT:
                    index.typo_cache.clear()
                closest = self._closest(index, word)
                # A slip in the domain's name is the name ("klipkortet"), not two words.
                if closest in self.long_names_set:
                    parts = [closest]
                else:
                    parts = self._split_compound(index, word) or [closest]
                index.typo_cache[word] = parts
            mended.extend(parts)
        return mended

    def _named_apart(self, words: Iterable[str]) -> list[str]:
        """Words with one of the domain's names split off the front of a compound, in phrasings
        and questions alike: "klippekortordningen" is the card and "ordningen", so the name
        counts as the name (almost nothing) and the rest as the word it is."""
        split: list[str] = []
        heads = self.name_heads
        for word in words:
            if word[:4] not in heads:
                split.append(word)
                continue
            for name in self.long_names:
                if word.startswith(name) and len(word) - len(name) >= NAMED_REST:
                    split += [name, word[len(name) :].removeprefix("s")]
                    break
            else:
                split.append(word)
        return split

    def _split_compound(self, index: _LanguageIndex, word: str) -> list[str] | None:
        """Split a Danish compound into two known words: "timeforbruget" -> time, forbruget."""
        if len(word) < 7:
            return None
        known = index.compound_parts
        best: list[str] | None = None
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if left not in known and not (left.endswith("s") and left[:-1] in known):
                continue
            balanced = best is None or min(len(left), len(right)) > min(map(len, best))
            if right in known and balanced:
                best = [left.removesuffix("s") if left not in known else left, right]
        return best

    def _closest(self, index: _LanguageIndex, word: str) -> str:
        # Written without æøå at all: "ar" for "år", "hvornar" for "hvornår".
        for variant in _ascii_expansions(word):
            if variant in index.words:
                return variant
        if len(word) < self.settings.min_typo_length:
            return word
        # One slip: a letter missing, added, changed, or two letters swapped ("pujlen").
        found = {
            candidate
            for key in _one_deleted(word) | {word}
            for candidate in index.deletions.get(key, ())
        }
        # A slip rarely changes the first letter; a word that differs only there is more
        # often a word of its own: "best" is not "rest" (but "ialt" is "alt").
        # In a short word, one changed letter more often makes another word ("tog", "tom").
        close = [
            c
            for c in found
            if (c[0] == word[0] or len(c) != len(word))
            and (len(word) > SHORT_WORD or len(c) != len(word) or _swapped(c, word))
            and OSA.distance(word, c, score_cutoff=1) <= 1
        ]
        if not close and len(word) >= LONG_WORD:
            # Long words may carry two slips ("afsluted" for "afsluttet"); those are looked for
            # among the words sharing the first three letters, which typos rarely touch.
            best = process.extractOne(
                word,
                index.by_prefix.get(word[:3], ()),
                scorer=OSA.distance,
                processor=None,
                score_cutoff=2,
            )
            close = [best[0]] if best else []
        if not close and len(word) >= FAMILY_PREFIX:
            # Never into a word of what no entry is about: "spørger" (asks) is no
            # "spørgeskema", "tilfreds" no "tilfredshedsundersøgelse".
            close = [c for c in self._family(index, word) if c not in self.foreign_words]
        if not close:
            # A slip in a filler word ("who shuold I call") leaves it a filler word, not a
            # stranger that drags the question down; only when no topic word is as close.
            fillers = {
                candidate
                for key in _one_deleted(word) | {word}
                for candidate in self.filler_deletions.get(key, ())
            }
            close = [
                c
                for c in fillers
                if OSA.distance(word, c, score_cutoff=1) <= 1
                and (len(c) != len(word) or c[:2] == word[:2] or _swapped(c, word))
            ]
            return min(close) if close else word
        return min(close, key=lambda c: (OSA.distance(word, c), -index.frequency.get(c, 0), c))

    @staticmethod
    def _family(index: _LanguageIndex, word: str) -> list[str]:
        """The known word of the same family: another ending of the same long stem
        ("implementere" for the source's "implementeringsbistand"), sharing all of the word
        but its last `FAMILY_ENDING` letters, and at least `FAMILY_PREFIX`."""
        needed = max(FAMILY_PREFIX, len(word) - FAMILY_ENDING)
        best, best_shared = "", 0
        for known in index.by_prefix.get(word[:3], ()):
            shared = _shared_prefix(word, known)
            if shared >= needed and (
                shared > best_shared
                or (
                    shared == best_shared
                    and index.frequency.get(known, 0) > index.frequency.get(best, 0)
                )
            ):
                best, best_shared = known, shared
        return [best] if best else []

    def rank(
        self,
        pieces: Sequence[Sequence[str]],
        language: str | None = None,
        sure: bool = False,
        outcome_only: bool = False,
        asking: Sequence[bool] = (),
        floor: float | None = None,
        only: Collection[str] | None = None,
    ) -> list[Scored]:
        """Entries by score, best first, one score each (its best language and piece).

        `pieces` are the normalised words of each sentence and clause of the question, in
        order; together they are the whole question. The whole is scored in every language,
        unless its `language` is `sure`; the pieces, which only help long messages, in
        `language` alone (and both at once, for a message that mixes them), to keep the cost
        down. Entries below `MatchSettings.floor` are left out, and with `outcome_only` also
        those more than `MatchSettings.window` below the best,
        which cannot change the outcome (`decide`) or the suggestions. When `asking` says which
        pieces ask something, the others (an introduction, a signature) count
        `MatchSettings.telling_weight` of their score: "Vi leverer et fagsystem ... Skal vi
        betale for snitfladerne? Mvh Louise, produktchef" is not about the product manager.
        A lower `floor` than the settings' scores entries below it too (how close a question
        the matcher would not answer comes to an entry). With `only`, just those entries are
        scored: without `outcome_only`, an entry's score does not depend on the others'.
        """
        wanted = None if only is None else frozenset(self.entry_number[e] for e in only)
        weights = [1.0] * len(pieces)
        if any(asking):
            telling = self.settings.telling_weight
            weights = [1.0 if asks else telling for asks in asking]
        best: dict[int, Scored] = {}
        for index in self.indexes:
            if sure and index.language not in (language, MIXED):
                continue
            if index.language == MIXED and not self.mixes(pieces):
                continue
            whole = self.prepare(index, [word for piece in pieces for word in piece])
            texts = [(whole, True, 1.0)]
            # Pieces are read in the message's language, and in both when it mixes them.
            if len(pieces) > 1 and (language in (None, index.language) or index.language == MIXED):
                # The caches make the second reading of each word cheap.
                prepared = (self.prepare(index, list(piece)) for piece in pieces)
                # A piece of the domain's names alone ("KOMBIT" under a signature) asks nothing.
                neutral = self.neutral_stems.get(index.language, frozenset())
                texts += [
                    (stems, False, weight)
                    for stems, weight in zip(prepared, weights, strict=True)
                    if stems and stems != whole and not neutral.issuperset(stems)
                ]
            for stems, is_whole, weight in texts:
                # Only what beats the scores found so far is worked out.
                known = {entry_number: scored.score for entry_number, scored in best.items()}
                scores = self._score(
                    index, stems, is_whole, known, outcome_only, weight, floor, wanted
                )
                for entry_number, score in scores.items():
                    best[entry_number] = Scored(self.entry_ids[entry_number], score, index.language)
        return sorted(best.values(), key=lambda s: (-s.score, s.entry_id))

    def contained(self, words: Sequence[str], language: str) -> list[Scored]:
        """Entries by how much of one of their phrasings a sentence says, best first.

        Inside a long sentence ("Har vi som ekstern part lov til at bruge de data ... i
        snitfladerne?") the fuzzy score is lowered by every word the sentence has besides the
        question; here only the phrasing's side counts: the IDF-weighted share of its content
        words (not question words, not the domain's names) that the sentence has. A phrasing
        must say at least `CONTAINED_WORDS` content words and the sentence must have that many
        of them, so that one shared word is never enough.
        """
        index = self.index_of[language]
        stems = set(self.prepare(index, list(words)))
        shared: dict[int, int] = defaultdict(int)
        for stem in stems:
            for entry_number in index.entries_of.get(stem, ()):
                for phrasing in index.entry_postings[entry_number].get(stem, ()):
                    shared[phrasing] += 1
        best: dict[int, float] = {}
        idf = index.idf
        for phrasing, count in shared.items():
            if count < CONTAINED_WORDS:
                continue  # fewer shared words than the check below needs, whatever they are
            content = index.phrasing_content[phrasing]
            said = content & stems
            # A year is said along with something, never one of the words that make it.
            words_said, words_needed = said - _YEAR_ONLY, content - _YEAR_ONLY
            if len(words_said) < CONTAINED_WORDS or len(words_needed) < CONTAINED_WORDS:
                continue
            share = sum(idf[stem] for stem in said) / sum(idf[stem] for stem in content)
            entry_number = index.phrasing_entry[phrasing]
            best[entry_number] = max(best.get(entry_number, 0.0), 100.0 * share)
        ranking = [Scored(self.entry_ids[e], score, language) for e, score in best.items()]
        return sorted(ranking, key=lambda s: (-s.score, s.entry_id))

    @cached_property
    def foreign_concepts(self) -> frozenset[str]:
        """Concepts no phrasing uses: what they name ("i et år", "vores supportaftale") is
        nothing the knowledge base is about."""
        used = {
            word
            for index in self.indexes
            for vocabulary in index.entry_vocabulary
            for word in vocabulary
        }
        return self.concepts.names - used

    @cached_property
    def foreign_words(self) -> frozenset[str]:
        """The words of the concepts no phrasing uses (`foreign_concepts`)."""
        foreign = self.foreign_concepts
        return frozenset(word for word, name in self.concepts.by_word.items() if name in foreign)

    def names_foreign(self, words: Sequence[str]) -> bool:
        """Whether a message names something no entry is about."""
        return not self.foreign_concepts.isdisjoint(self.concepts.fold(words))

    def mixes(self, pieces: Sequence[Sequence[str]]) -> bool:
        """Whether a message uses words of more than one language's phrasings."""
        words = {word for piece in pieces for word in piece}
        return sum(1 for own in self.only_in.values() if not own.isdisjoint(words)) > 1

    def language_runs(self, piece: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        """A sentence cut where it changes language ("can someone explain hvad klippekortet
        egentlig er"): each part a language's phrasings can meet whole. A word only one
        language uses marks its part; the others go with the part they are in. A part of fewer
        than `LANGUAGE_RUN_WORDS` words stays with the one before ("hvor mange hours er der
        left" is one part), and a sentence that does not change is itself."""
        runs: list[list[str]] = [[]]
        current: str | None = None
        cut = 0  # where the words after the last one in the current language begin
        for word in piece:
            own = [language for language, words in self.only_in.items() if word in words]
            language = own[0] if len(own) == 1 else None
            if language is not None and current is not None and language != current:
                # Words of neither language between the two go with what follows.
                runs[-1], moved = runs[-1][:cut], runs[-1][cut:]
                runs.append(moved)
            runs[-1].append(word)
            if language is not None:
                current, cut = language, len(runs[-1])
        merged: list[list[str]] = []
        for run in runs:
            if merged and (len(run) < LANGUAGE_RUN_WORDS or len(merged[-1]) < LANGUAGE_RUN_WORDS):
                merged[-1].extend(run)
            else:
                merged.append(run)
        return tuple(tuple(run) for run in merged)

    def strangers(self, entry_id: str, words: Sequence[str], language: str) -> list[str]:
        """The words that other entries know and `entry_id` does not, as the index holds
        them: "time" in "and what time is it?" is nothing the usage entry ever says."""
        index = self.index_of[language]
        vocabulary = index.entry_vocabulary[self.entry_number[entry_id]]
        return [
            stem
            for stem in self.prepare(index, list(words))
            if stem in index.entries_of and stem not in vocabulary
        ]

    def everyday_only(self, words: Sequence[str], language: str) -> bool:
        """Whether words say nothing but everyday language once prepared ("skal bruge nogle
        tal"): no concept, no question word, no word of the domain's own."""
        index = self.index_of[language]
        stems = self.prepare(index, list(words))
        return bool(stems) and all(index.everyday.get(stem, 1.0) < 1.0 for stem in stems)

    def prepare(self, index: _LanguageIndex, words: list[str]) -> list[str]:
        """Question words as the index holds them: mended, concepts named, without stop words,
        stemmed."""
        mended = self.concepts.fold(self.correct(index, words))
        mended = _asked_words(mended, self.stopwords[index.language])
        cache = index.stem_cache
        missing = [word for word in mended if word not in cache]
        if missing:
            if len(cache) > CACHE_LIMIT:
                cache.clear()
            cache.update(zip(missing, self._stems(index.language, missing), strict=True))
        return [cache[word] for word in mended]

    def _stems(self, language: str, words: list[str]) -> list[str]:
        """Stems, with a concept's name kept as it is and a concept word's stem named too; in
        the mixed index, each word stemmed as its own language (both, when no phrasing has it)."""
        if language == MIXED:
            return [self._mixed_stem(word) for word in words]
        stems = stem_words(words, language)
        return [
            word if word in self.concepts.names else self.concepts.named(word, stem, language)
            for word, stem in zip(words, stems, strict=True)
        ]

    def _mixed_stem(self, word: str) -> str:
        """A word's stem in the mixed index: as its own language's, when a phrasing has it;
        else as whichever language's stem a phrasing has ("transitionsaftale")."""
        own = self.language_of_word.get(word)
        if own is not None:
            return self._stem_as(own, word)
        mixed = self.index_of.get(MIXED)
        known = mixed.entries_of if mixed is not None else {}
        for language in ("da", "en"):
            stem = self._stem_as(language, word)
            if stem in known:
                return stem
        return self._stem_as(MIXED, word)

    def _stem_as(self, language: str, word: str) -> str:
        if word in self.concepts.names:
            return word
        stem = stem_words([word], language)[0]
        return self.concepts.named(word, stem, language)

    def _score(
        self,
        index: _LanguageIndex,
        stems: list[str],
        whole: bool,
        known: Mapping[int, float] | None = None,
        outcome_only: bool = False,
        weight: float = 1.0,
        floor: float | None = None,
        wanted: frozenset[int] | None = None,
    ) -> dict[int, float]:
        """Entries whose best score for prepared (mended, stemmed) words, times `weight`,
        reaches the lowest score that matters and beats their `known` score, with that score;
        with `outcome_only`, entries more than the window below the best may be left out."""
        known = known or {}
        if not stems:
            return {}
        floor = self.settings.floor if floor is None else floor
        window = self.settings.window if outcome_only else math.inf
        top = max(known.values(), default=-math.inf)
        query = " ".join(stems)
        scores: dict[int, float] = {}
        for unweighted_best, unweighted_bound, phrasing in self._bounded(
            index, stems, len(query), whole, known, top - window, floor, wanted
        ):
            # Both bound the score linearly, so weighting them keeps every comparison exact.
            best, bound = unweighted_best * weight, unweighted_bound * weight
            if best < top - window:
                break  # neither this phrasing nor any after it can come within the window
            entry_number = index.phrasing_entry[phrasing]
            if entry_number in scores or entry_number in known:
                # Only a better score counts for an entry already scored.
                needed = max(floor, scores.get(entry_number, known.get(entry_number, 0.0)))
                if best <= needed:
                    continue
            else:
                needed = floor
                if best < needed:
                    continue
            # The mean of the two ratios must reach `mean_needed`; each is at most 100. The
            # cut-offs are a little lower than that, so rounding cannot lose a tie.
            mean_needed = 100.0 * needed / bound - SLACK
            text = index.phrasings[phrasing]
            set_cutoff = max(0.0, 2 * mean_needed - 100)
            set_ratio = fuzz.token_set_ratio(query, text, processor=None, score_cutoff=set_cutoff)
            if set_cutoff and not set_ratio:
                continue
            # A ratio below its cutoff comes back as 0, which keeps `value` below `needed`.
            sort_ratio = fuzz.token_sort_ratio(
                query, text, processor=None, score_cutoff=max(0.0, 2 * mean_needed - set_ratio)
            )
            value = (set_ratio + sort_ratio) / 200 * bound
            if value > needed or (value == needed and entry_number not in known):
                scores[entry_number] = value
                top = max(top, value)
        return scores

    def _bounded(
        self,
        index: _LanguageIndex,
        stems: list[str],
        query_length: int,
        whole: bool,
        known: Mapping[int, float],
        lowest: float,
        floor: float,
        wanted: frozenset[int] | None = None,
    ) -> list[tuple[float, float, int]]:
        """Phrasings that may score enough, best bound first: (bound, coverage bound, number).

        Similarity is at most 100, so an entry's coverage of the question and the share of a
        phrasing the question says bound a phrasing's score (the coverage bound, which the
        similarity then scales); the two strings' lengths bound it further.
        """
        settings = self.settings
        neutral = self.neutral_stems[index.language]
        idf, unseen_idf = index.idf, index.unseen_idf
        # A count of hours no phrasing has ("var der ikke 50.000 timer?") is one the user
        # quotes: it says as little of the topic as the domain's names do. Small numbers ("2+2",
        # "30 personer") are other matters.
        # A word of everyday language counts for less (`bot.everyday`): "big" in "did the hours
        # go to small tasks or to big projects?" says nothing about the purpose entry.
        everyday = index.everyday
        weights = [
            NEUTRAL_WEIGHT
            if s in neutral or (len(s) >= QUOTED_FIGURE_DIGITS and s.isdigit() and s not in idf)
            else idf.get(s, unseen_idf) * everyday.get(s, 1.0)
            for s in stems
        ]
        said_weight = {stem: idf[stem] for stem in stems if stem in idf}
        power, coverage_power = settings.phrasing_coverage_power, settings.coverage_power
        # Thresholds a little lower than they are: bounds are worked out in floating point.
        lowest = max(floor, lowest) - SLACK
        phrasing_weight, phrasing_length = index.phrasing_weight, index.phrasing_length
        candidates: list[tuple[float, float, int]] = []
        unseen_weight = settings.unseen_weight if whole else settings.piece_unseen_weight
        coverages = self._coverage(index, stems, weights, sum(weights), unseen_weight)
        for entry_number, coverage in coverages.items():
            if wanted is not None and entry_number not in wanted:
                continue
            if not whole and entry_number in self.chitchat:
                continue  # chit-chat answers the whole message only: "Hej, hvor mange timer ..."
            factor = 100.0 * coverage**coverage_power
            if entry_number in known:
                needed = max(lowest, known[entry_number] - SLACK)
                if factor <= needed:
                    continue
            elif factor < lowest:
                continue
            else:
                needed = lowest
            # How much of each phrasing the question says: "hvor mange timer er der i et
            # døgn" lacks the "tilbage" that "hvor mange timer er der tilbage" turns on.
            said: dict[int, float] = dict.fromkeys(
                index.entry_phrasings[entry_number] if power <= 0 else (), 0.0
            )
            postings = index.entry_postings[entry_number]
            for stem, weight in said_weight.items():
                for phrasing in postings.get(stem, ()):
                    said[phrasing] = said.get(phrasing, 0.0) + weight
            for phrasing, amount in said.items():
                bound = factor * (amount / phrasing_weight[phrasing]) ** power
                if bound < needed:
                    continue
                # token_sort_ratio cannot exceed what the two lengths allow (an edit per
                # character of difference), which bounds the mean of the two ratios too.
                length = phrasing_length[phrasing]
                best = bound * (0.5 + min(length, query_length) / (length + query_length))
                best += SLACK  # the score itself is worked out another way and may round up
                if best >= needed:
                    candidates.append((best, bound, phrasing))
        # Best first: an entry's later phrasings are skipped once none can beat it.
        candidates.sort(reverse=True)
        return candidates

    def _coverage(
        self,
        index: _LanguageIndex,
        stems: list[str],
        weights: list[float],
        total_weight: float,
        unseen_weight: float,
    ) -> dict[int, float]:
        """The entries that know the question's words, with how much of the question each knows.

        A word known to more than `max_candidates` entries brings no new ones in (it still
        counts for those found), so a word like "hvor" in a large knowledge base does not pull
        in everything. Words no
        entry knows weigh `unseen_weight` of a known word, since chat messages carry words of
        their own; a year counts `foreign_year_weight` against an entry that takes none.
        """
        weight_of: dict[str, float] = {}
        for stem, weight in zip(stems, weights, strict=True):
            weight_of[stem] = weight_of.get(stem, 0.0) + weight
        limit = self.settings.max_candidates
        covered: dict[int, float] = defaultdict(float)
        common: list[str] = []
        unseen = 0.0
        entries_of = index.entries_of
        for stem, weight in weight_of.items():
            entries = entries_of.get(stem)
            if entries is None:
                unseen += weight * (1 - unseen_weight)
            elif len(entries) > limit:
                common.append(stem)
            else:
                for entry_number in entries:
                    covered[entry_number] += weight
        common.sort(key=lambda s: -index.idf[s])
        if not covered and common:
            # Only common words ("hvad ... 2015"): a question this vague cannot single out an
            # entry, so the first entries the rarest of them knows are enough to rank.
            stem = common.pop(0)
            for entry_number in index.entries_of[stem][:limit]:
                covered[entry_number] += weight_of[stem]
        if len(covered) > limit:
            kept = sorted(covered, key=covered.__getitem__, reverse=True)[:limit]
            covered = defaultdict(float, {e: covered[e] for e in kept})
        for stem in common:
            for entry_number in covered:
                if stem in index.entry_vocabulary[entry_number]:
                    covered[entry_number] += weight_of[stem]
        # A year counts less against an entry that takes none ("Er den lukket i 2016?").
        with_year = total_weight - unseen
        without_year = with_year - (1 - self.settings.foreign_year_weight) * weight_of.get(
            YEAR_TOKEN, 0.0
        )
        knows_year = index.knows_year
        result = {}
        for entry_number, value in covered.items():
            remaining = with_year if entry_number in knows_year else without_year
            result[entry_number] = value / remaining if remaining > 0 else 0.0
        return result


_YEAR_ONLY = frozenset({YEAR_TOKEN})
CONCEPT_MARK = "~"


class Concepts:
    """Words and expressions that mean the same for matching, each group under one name.

    The knowledge base lists them per language (pay, fee, invoice ~ betale, gebyr, faktura);
    a phrasing and a question that use any of them both read the concept's name instead
    ("~cost"), so every entry benefits from every synonym and an editor adds one once.
    Expressions of several words ("fat i", "get hold of") are found before stop words go.
    """

    def __init__(
        self,
        concepts: Mapping[str, Mapping[str, Iterable[str]]],
        fillers: frozenset[str] = frozenset(),
    ) -> None:
        self.by_word: dict[str, str] = {}
        self.by_phrase: dict[tuple[str, ...], str] = {}
        self.by_stem: dict[str, dict[str, str]] = {"da": {}, "en": {}, MIXED: {}}
        # Expressions with a gap, by their last word: (words before the gap, after it, name).
        self._stranded: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], str]]] = defaultdict(
            list
        )
        spelled: set[str] = set()
        # Each language's concept words: a slip in a Danish word is mended to a Danish word.
        self.words_in: dict[str, set[str]] = defaultdict(set)
        for name, languages in concepts.items():
            token = CONCEPT_MARK + name
            for language, texts in languages.items():
                for text in texts:
                    gapped = gapped_expression(text)
                    words = normalize(text).words if gapped is None else gapped[0] + gapped[1]
                    self.words_in[language].update(words)
                    spelled.update(words)
                    if gapped is not None:
                        before, after = gapped
                        for sides in {gapped, (_typed_plainly(before), _typed_plainly(after))}:
                            self._stranded[sides[1][-1]].append((*sides, token))
                        continue
                    # As typed without æøå too: "paa et aar" and "pa et ar".
                    for typed in {words, _typed_plainly(words)}:
                        if len(typed) > 1:
                            self.by_phrase.setdefault(typed, token)
                        elif typed:
                            self.by_word.setdefault(typed[0], token)
        # Inflected forms ("fakturaen", "betaler") meet through their stems, in both stemmers.
        # The concept words behind each stem, to tell an inflected form from a stranger.
        self.stem_words: dict[str, dict[str, list[str]]] = {"da": {}, "en": {}, MIXED: {}}
        for word, token in sorted(self.by_word.items()):
            for language, by_stem in self.by_stem.items():
                stem = stem_words([word], language)[0]
                by_stem.setdefault(stem, token)
                if by_stem[stem] == token:
                    self.stem_words[language].setdefault(stem, []).append(word)
        self.names = (
            frozenset(self.by_word.values())
            | frozenset(self.by_phrase.values())
            | frozenset(name for found in self._stranded.values() for *_, name in found)
        )
        # Known words as the editor spelled them: a plain variant inside an expression
        # ("hvornar" of "hvornår blev KMD solgt") is no word to keep a slip from being mended.
        self.words = frozenset(self.by_word) | frozenset(spelled)
        self.longest = max((len(p) for p in self.by_phrase), default=1)
        self._first_words = frozenset(p[0] for p in self.by_phrase)
        # Expressions by their first word, longest first, for a match with a filler inside.
        self._phrases_from: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in sorted(self.by_phrase, key=lambda p: (-len(p), p)):
            self._phrases_from[phrase[0]].append(phrase)
        # Their second words by their first: most first words are followed by none of them.
        self._second_words = {
            first: frozenset(phrase[1] for phrase in phrases)
            for first, phrases in self._phrases_from.items()
        }
        self.fillers = fillers
        # Folded word sequences: a message's sentences are folded for each language's index,
        # for the signal and for the other-matters check, mostly in the same words.
        self._folded: dict[tuple[tuple[str, ...], bool], tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_folded": {}}

    def named(self, word: str, stem: str, language: str) -> str:
        """The concept a word's `stem` names, or the stem: an inflected form ("fakturaen",
        "charging") meets its concept word through the stem. A stem this short
        (`SHORT_STEM`) is shared by other words too, so there the word must also agree with
        the concept's word on the letter after the stem: "leder" (a manager) and "ledige"
        (free) share the stem "led", "min bil" is no "bill"."""
        token = self.by_stem[language].get(stem)
        if token is None or len(stem) > SHORT_STEM:
            return stem if token is None else token
        for known in self.stem_words[language][stem]:
            agreeing = min(len(stem) + 1, len(known), len(word))
            if word[:agreeing] == known[:agreeing]:
                return token
        return stem

    def fold(self, words: Sequence[str], with_filler: bool = True) -> list[str]:
        """The words with each concept word or expression replaced by its concept's name (an
        expression with one filler word inside, too, unless `with_filler` is off; an expression
        with a gap when its end ends the words, with 1 to `STRANDED_GAP` words in the gap:
        "what did they spend the hours on", "hvad brugte de dem til")."""
        key = (tuple(words), with_filler)
        folded = self._folded.get(key)
        if folded is None:
            if len(self._folded) >= FOLD_CACHE_LIMIT:
                self._folded.clear()
            folded = self._folded[key] = tuple(self._fold(key[0], with_filler))
        return list(folded)

    def _fold(self, words: Sequence[str], with_filler: bool) -> list[str]:
        if not self.names:
            return list(words)
        if len(words) > 2 and words[-1] in self._stranded:
            for before, after, name in self._stranded[words[-1]]:
                end = len(words) - len(after)  # where the words after the gap begin
                if tuple(words[end:]) != after:
                    continue
                # One word in the gap at least: "what are the interfaces used for?" asks what
                # they do, "what were they used for?" is said whole by phrasings.
                lowest = max(-1, end - len(before) - STRANDED_GAP - 1)
                for at in range(end - len(before) - 1, lowest, -1):
                    if tuple(words[at : at + len(before)]) == before:
                        head, gap = words[:at], words[at + len(before) : end]
                        return [
                            *self.fold(head, with_filler),
                            name,
                            *self.fold(gap, with_filler),
                        ]
        folded: list[str] = []
        position = 0
        while position < len(words):
            word = words[position]
            if word in self._first_words:
                for length in range(min(self.longest, len(words) - position), 1, -1):
                    token = self.by_phrase.get(tuple(words[position : position + length]))
                    if token is not None:
                        folded.append(token)
                        position += length
                        break
                else:
                    found = self._with_filler(words, position) if with_filler else None
                    if found is not None:
                        folded.append(found[0])
                        position = found[1]
                    else:
                        folded.append(self.by_word.get(word, word))
                        position += 1
                continue
            folded.append(self.by_word.get(word, word))
            position += 1
        return folded

    def _with_filler(self, words: Sequence[str], position: int) -> tuple[str, int] | None:
        """An expression starting at `position` with one filler word inside it ("brugt helt
        op", "ejer egentlig KMD"): its concept's name and where it ends."""
        seconds = self._second_words.get(words[position], frozenset())
        following = words[position + 1 : position + 3]
        skipping = len(following) == 2 and following[0] in self.fillers
        if not following or not (following[0] in seconds or (skipping and following[1] in seconds)):
            return None
        for phrase in self._phrases_from.get(words[position], ()):
            at = position + 1
            skipped = False
            for expected in phrase[1:]:
                if at < len(words) and words[at] == expected:
                    at += 1
                elif (
                    not skipped
                    and at + 1 < len(words)
                    and words[at] in self.fillers
                    and words[at + 1] == expected
                ):
                    at += 2
                    skipped = True
                else:
                    break
            else:
                return self.by_phrase[phrase], at
        return None


def concepts_met_only_indirectly(
    concepts: Concepts, entries: Mapping[str, Entry]
) -> dict[str, list[tuple[str, str]]]:
    """Concepts that no phrasing says in one of their own words or expressions, yet some
    phrasing meets through another word with the same stem, or through an expression with a
    filler word inside: (entry id, word or phrasing) for each, by concept name.

    A concept no phrasing uses names something the card is not about; one that a phrasing
    meets only so ("programme" and "programming" are both "programm"; "i et enkelt år" holds
    "i et år" once "enkelt" is a stop word) has silently stopped doing so, which `check`
    warns of.
    """
    said: set[str] = set()
    met: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entry_id, entry in entries.items():
        for language, texts in entry.phrasings.items():
            for text in texts:
                words = normalize(text).words
                folded = concepts.fold(words, with_filler=False)
                said.update(token for token in folded if token in concepts.names)
                for name in set(concepts.fold(words)) - set(folded):
                    if name in concepts.names:
                        met[name].append((entry_id, text))
                for word in folded:
                    # Stop words are gone before words are stemmed ("eller" never meets "ellers").
                    if word in concepts.names or word in concepts.words or word in ALL_STOPWORDS:
                        continue
                    stem = stem_words([word], language)[0]
                    stemmed = concepts.named(word, stem, language)
                    if stemmed != stem:
                        met[stemmed].append((entry_id, word))
    return {
        token.removeprefix(CONCEPT_MARK): sorted(set(uses))
        for token, uses in sorted(met.items())
        if token not in said
    }


def decide(ranking: list[Scored], settings: MatchSettings) -> Outcome:
    """Answer a clear winner, offer choices in the grey zone, else say so."""
    if not ranking or ranking[0].score < settings.suggest_at:
        return Outcome.UNKNOWN
    runner_up = ranking[1].score if len(ranking) > 1 else 0.0
    if ranking[0].score >= settings.answer_at and ranking[0].score - runner_up >= settings.margin:
        return Outcome.ANSWERED
    return Outcome.SUGGESTED


def _asked_words(words: list[str], stopwords: frozenset[str]) -> list[str]:
    """The words that carry meaning; every word when those are question words alone: "what
    can you do?" and "what was it for?" differ in the words a stop list would drop, and would
    otherwise both read as a bare "what" that matches the other at 100."""
    content = content_words(words, stopwords)
    if content and QUESTION_WORDS.issuperset(content):
        if len(words) <= len(content):
            return content
        # Hedges still say nothing: "hvad er det helt præcist?" asks "hvad er det?". The words
        # are read as typed without æøå, as phrasings are: "hvad kan jeg sporge om" is "spørge".
        kept = content_words([w for w in words if w not in _HEDGES], frozenset())
        return [_plainest(word) for word in kept]
    return content


# Words that only soften or stress a question ("helt præcist", "egentlig", "actually").
_HEDGES = frozenset(
    "helt praecist praecis egentlig egentligt lige bare mon nu vel exactly precisely actually "
    "really just please pls".split()
)


def _only_in(words: Mapping[str, frozenset[str]], language: str) -> frozenset[str]:
    """The words of `language` that no other language has."""
    return words[language].difference(*(w for other, w in words.items() if other != language))


def gapped_expression(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """An expression written with a gap ("brugt … til"), as its words before and after the gap;
    None for one without."""
    for mark in GAP_MARKS:
        if mark in text:
            before, _, after = text.partition(mark)
            return normalize(before).words, normalize(after).words
    return None


def _plainest(word: str) -> str:
    """A folded word as typed with no æøå at all (paa -> pa)."""
    return min(ascii_variants(word), key=len)


def _typed_plainly(words: Sequence[str]) -> tuple[str, ...]:
    """Words as typed with no æøå at all ("pa et ar")."""
    return tuple(_plainest(word) for word in words)


def _shared_prefix(a: str, b: str) -> int:
    """How many letters two words share from the start."""
    for position, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return position
    return min(len(a), len(b))


def _swapped(a: str, b: str) -> bool:
    """Whether two words of one length differ by two neighbouring letters swapped."""
    if len(a) != len(b):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(differ) == 2 and differ[1] == differ[0] + 1


def _one_deleted(word: str) -> set[str]:
    """`word` with one letter left out, in every position."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _ascii_expansions(word: str) -> list[str]:
    """Spellings of `word` with one a/o/e widened to aa/oe/ae, as folded æøå would be."""
    variants = []
    for position, letter in enumerate(word):
        for wide in {"a": ("aa", "ae"), "o": ("oe",), "e": ("ae",)}.get(letter, ()):
            variants.append(word[:position] + wide + word[position + 1 :])
    return variants


__all__ = ["YEAR_TOKEN", "MatchSettings", "Matcher", "Outcome", "Scored", "decide"]
