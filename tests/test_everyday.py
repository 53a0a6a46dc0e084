"""Words common in everyday language weigh less in a question (bot/everyday.py)."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.everyday import COMMON, EVERYDAY, FLOOR, factor, stem_factors
from bot.matcher import Outcome
from bot.normalize import MIXED, stem_words


def test_the_factor_falls_from_full_weight_to_the_floor() -> None:
    assert factor(EVERYDAY - 1) == factor(EVERYDAY) == 1.0
    middle = factor((EVERYDAY + COMMON) / 2)
    assert FLOOR < middle < 1.0
    assert factor(COMMON) == pytest.approx(FLOOR)
    assert factor(COMMON + 2) == FLOOR


@pytest.mark.parametrize(
    ("language", "common", "rare"),
    [("da", "kun", "sygedagpenge"), ("en", "big", "reimbursement")],
)
def test_common_words_have_a_factor_and_rare_ones_none(
    language: str, common: str, rare: str
) -> None:
    factors = stem_factors(language)
    (common_stem,) = stem_words([common], language)
    (rare_stem,) = stem_words([rare], language)
    assert factors[common_stem] < 1.0
    assert rare_stem not in factors
    # The index of mixed messages knows both languages' everyday words, stemmed as it stems
    # them: as their own language's, or with both stemmers in turn.
    assert stem_factors(MIXED)[common_stem] <= factors[common_stem]
    (both_stems,) = stem_words([common], MIXED)
    assert stem_factors(MIXED)[both_stems] < 1.0


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("did the hours go to small digitalisation tasks or to big projects?", "purpose"),
        ("er snitfladerne kun for kommunerne eller også deres leverandører", "interface_access"),
    ],
)
def test_everyday_words_around_the_topic_do_not_sink_a_question(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    reply = assistant.reply(text)
    assert reply.outcome is Outcome.ANSWERED
    assert reply.entry_id == entry_id


@pytest.mark.parametrize(
    "text",
    [
        "hvor mange timer tog det at udvikle snitfladen til sygedagpenge",
        "hvad koster en licens til Netcompanys sagssystem",
        "how many hours are there in a year",
    ],
)
def test_a_rare_word_the_knowledge_base_never_uses_still_counts_in_full(
    assistant: Assistant, text: str
) -> None:
    assert assistant.reply(text).outcome is not Outcome.ANSWERED
