"""The matcher leaves out work that cannot change a score; this checks it against plain scoring.

`reference_rank` scores every phrasing of every entry the question's words bring in, with no
bounds, cut-offs or shortcuts; `Matcher.rank` must give the same entries (at or above the floor)
with the same scores, for the question sets and for questions made to hit the edge cases.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from bot.assistant import Assistant
from bot.evaluation import DEFAULT_QUESTIONS, load_questions
from bot.knowledge import KnowledgeBase
from bot.language import sure_of
from bot.matcher import NEUTRAL_WEIGHT, Matcher, MatchSettings
from bot.normalize import MIXED, normalize

HELDOUT = DEFAULT_QUESTIONS.with_name("heldout.yaml")
EDGE_CASES = [
    "Kan du det? Hvor mange timer, tilbage",
    "Can you? How many hours, left",
    "Kan du det? Hvornår, mest forbrug",
    "Er der timer tilbage på klippe. kortet",
    "og bot",
    "hej bot",
    "Og hvad med 2015?",
    "hours used from 2010 to 2012, and how many were reported?",
    "Hvem vandt Melodi Grand Prix -2013",
    "Hvem vandt Melodi Grand Prix,2013",
    "1996 to 2014-2011",
]
# The shipped settings, and one from the sweep's grid whose scores often tie at the floor.
SETTINGS = [
    MatchSettings(),
    MatchSettings(coverage_power=1, phrasing_coverage_power=1, unseen_weight=0.5),
]


def reference_rank(
    matcher: Matcher,
    pieces: list[tuple[str, ...]],
    language: str,
    sure: bool,
    asking: tuple[bool, ...],
) -> dict[str, float]:
    s = matcher.settings
    best: dict[str, float] = {}
    for index in matcher.indexes:
        if sure and index.language not in (language, MIXED):
            continue
        if index.language == MIXED and not matcher.mixes(pieces):
            continue
        whole = matcher.prepare(index, [word for piece in pieces for word in piece])
        texts = [(whole, True, 1.0)]
        if len(pieces) > 1 and index.language in (language, MIXED):
            for piece, asks in zip(pieces, asking, strict=True):
                stems = matcher.prepare(index, list(piece))
                if (
                    stems
                    and stems != whole
                    and not set(stems) <= matcher.neutral_stems[index.language]
                ):
                    texts.append(
                        (stems, False, 1.0 if asks or not any(asking) else s.telling_weight)
                    )
        for stems, is_whole, weight in texts:
            if not stems:
                continue
            neutral = matcher.neutral_stems[index.language]
            weights = [
                NEUTRAL_WEIGHT
                if w in neutral
                else index.idf.get(w, index.unseen_idf) * index.everyday.get(w, 1.0)
                for w in stems
            ]
            query = " ".join(stems)
            unseen = s.unseen_weight if is_whole else s.piece_unseen_weight
            coverage = matcher._coverage(index, stems, weights, sum(weights), unseen)
            for entry_number, share in coverage.items():
                if not is_whole and entry_number in matcher.chitchat:
                    continue
                for phrasing in index.entry_phrasings[entry_number]:
                    said = sum(index.idf[w] for w in index.phrasing_words[phrasing] & set(stems))
                    text = index.phrasings[phrasing]
                    similarity = fuzz.token_set_ratio(query, text, processor=None)
                    similarity += fuzz.token_sort_ratio(query, text, processor=None)
                    value = (
                        weight
                        * similarity
                        / 200
                        * 100
                        * share**s.coverage_power
                        * (said / index.phrasing_weight[phrasing]) ** s.phrasing_coverage_power
                    )
                    entry_id = matcher.entry_ids[entry_number]
                    if value >= s.floor - 1e-9 and value > best.get(entry_id, -1.0):
                        best[entry_id] = value
    return best


def assert_same_as_reference(assistant: Assistant, text: str) -> None:
    question = assistant._read(text)
    language = assistant._language(question, None)
    sure = sure_of(question.evidence) == language
    pieces, asking = question.ranked, question.asking
    pruned = {
        s.entry_id: s.score for s in assistant.matcher.rank(pieces, language, sure, False, asking)
    }
    expected = reference_rank(assistant.matcher, list(pieces), language, sure, asking)
    floor = assistant.settings.floor
    # Scores within rounding of the floor may fall either side of it.
    near_floor = {e for e, v in {**pruned, **expected}.items() if math.isclose(v, floor)}
    assert set(pruned) - near_floor == set(expected) - near_floor, text
    for entry_id in set(pruned) & set(expected):
        assert pruned[entry_id] == pytest.approx(expected[entry_id], abs=1e-9), (text, entry_id)


@pytest.mark.parametrize("match_settings", SETTINGS, ids=["shipped", "sweep"])
def test_the_pruned_ranking_is_the_plain_one(
    knowledge: KnowledgeBase, match_settings: MatchSettings
) -> None:
    assistant = Assistant(knowledge, match_settings)
    texts = [q.text for path in (DEFAULT_QUESTIONS, HELDOUT) for q in load_questions(path)]
    for text in texts + EDGE_CASES:
        assert_same_as_reference(assistant, text)


WORDS = (
    "hvor mange timer er der tilbage brugt i 2014 2010-2012 hvad koster snitfladerne hvem "
    "kontakt klippekortet kmd tak hej hjælp how many hours left used cost who report rapport "
    "og and det bot mest forbrug klippe kortet pool puljen status afsluttet"
).split()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.sampled_from([*WORDS, ".", ",", "?", " – "]), min_size=1, max_size=14),
    which=st.sampled_from(range(len(SETTINGS))),
)
def test_the_pruned_ranking_is_the_plain_one_for_made_up_questions(
    knowledge: KnowledgeBase, words: list[str], which: int
) -> None:
    text = " ".join(words)
    if normalize(text).words:
        assert_same_as_reference(Assistant(knowledge, SETTINGS[which]), text)


def test_scoring_only_some_entries_gives_their_full_scores(assistant: Assistant) -> None:
    # A long message's support may need the score of an entry a ranking for the outcome left
    # out; only that entry is worked out, at the score the full ranking gives it.
    text = "Hej, vi leverer et ESDH-system og skal integrere med KMD. Hvad koster snitfladerne?"
    question = assistant._read(text)
    full = assistant.matcher.rank(question.ranked, "da", False, False, question.asking)
    assert len(full) > 1
    for scored in full:
        (alone,) = assistant.matcher.rank(
            question.ranked, "da", False, False, question.asking, only={scored.entry_id}
        )
        assert alone == scored
