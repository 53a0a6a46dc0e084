"""How much a word says about a topic, judged by how common it is in everyday language.

The matcher weighs a question's words by how rare they are among the knowledge base's entries
(IDF), so a word no entry knows weighs the most. That is right for "sygedagpenge" or "Netto",
which say that the question is about something else, and wrong for "big", "go", "kun" or
"deres", which any question may carry ("did the hours go to small tasks or to big projects?").
Word frequencies of everyday Danish and English (the wordfreq library: books, subtitles, news,
the web) tell the two apart: a word among the most common of its language counts for less.

wordfreq is needed only to build a matcher; the factors are kept as a plain dict of stems.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from bot.normalize import MIXED, QUESTION_WORDS, normalize, stem_words

# A word this common or less (Zipf scale: 4.5 is about 30 per million words, such as "leverandør"
# or "vendor") counts in full; from there its weight falls linearly to `FLOOR` at `COMMON`
# (1,000 per million: "kun", "big"). Chosen on the dev question sets: 4.0–5.0 and 5.5–6.5 with a
# floor of 0.2–0.5 all gained, 4.5/6.0/0.3 the most without answering one more off-topic question.
EVERYDAY = 4.5
COMMON = 6.0
FLOOR = 0.3


def factor(zipf: float) -> float:
    """The weight factor of a word of this everyday frequency (Zipf scale)."""
    if zipf <= EVERYDAY:
        return 1.0
    return max(FLOOR, 1.0 - (1.0 - FLOOR) * (zipf - EVERYDAY) / (COMMON - EVERYDAY))


@functools.cache
def stem_factors(language: str) -> Mapping[str, float]:
    """Each stem of a word more common than `EVERYDAY` in `language` ("da", "en", or `MIXED`
    for both) with its factor, the lowest of its words'; question words are left out. Stems
    not in it count in full."""
    if language == MIXED:
        # The mixed index stems a word as its own language's, or with both stemmers in turn.
        merged: dict[str, float] = {}
        for own in ("da", "en"):
            words, values = _common_words(own)
            for stems in (stem_words(words, own), stem_words(words, MIXED)):
                for stem, value in zip(stems, values, strict=True):
                    merged[stem] = min(value, merged.get(stem, 1.0))
        return merged
    words, values = _common_words(language)
    factors: dict[str, float] = {}
    for stem, value in zip(stem_words(words, language), values, strict=True):
        factors[stem] = min(value, factors.get(stem, 1.0))
    return factors


@functools.cache
def _common_words(language: str) -> tuple[list[str], list[float]]:
    """The words of `language` more common than `EVERYDAY` (folded, question words left out),
    with their factors."""
    # Imported here: only a build needs the word lists, which take a while to load.
    from wordfreq import iter_wordlist, zipf_frequency

    words: list[str] = []
    values: list[float] = []
    for word in iter_wordlist(language):
        zipf = zipf_frequency(word, language)
        if zipf <= EVERYDAY:
            break  # the list runs from the most common word down
        folded = normalize(word).words
        # Question words are common, yet they tell "hvem" (who) from "hvor mange" (usage).
        if len(folded) == 1 and folded[0] not in QUESTION_WORDS:
            words.append(folded[0])
            values.append(factor(zipf))
    return words, values
