"""Rendering: number formats, the 2010–2012 period, no negative balance, data-driven answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.knowledge import Facts, KnowledgeBase, UsageRow, load_knowledge
from bot.normalize import Period
from bot.render import format_number


@pytest.mark.parametrize(
    ("value", "da", "en"),
    [
        (47746, "47.746", "47,746"),
        (100000, "100.000", "100,000"),
        (0, "0", "0"),
        (728, "728", "728"),
    ],
)
def test_number_format_per_language(value: int, da: str, en: str) -> None:
    assert format_number(value, "da") == da
    assert format_number(value, "en") == en


def test_usage_table_in_both_languages(assistant: Assistant) -> None:
    da = assistant.answer("usage", "da").text
    en = assistant.answer("usage", "en").text
    for figure in ("47.746", "47.018", "17.011", "16.880", "16.060", "3.031", "100.000"):
        assert figure in da
    for figure in ("47,746", "47,018", "17,011", "16,880", "16,060", "3,031", "100,000"):
        assert figure in en
    assert "2010–2012" in da
    assert "2013–2016" in da  # the reported 47.018 plus the later years make the pool


def test_period_2010_2012_gives_both_figures_and_why(assistant: Assistant) -> None:
    text = assistant.answer("usage", "da", (Period(2010, 2012),)).text
    assert "47.746" in text
    assert "47.018" in text
    assert "100.000" in text
    assert "100.728" in text


@pytest.mark.parametrize("year", [2010, 2011, 2012])
def test_single_year_inside_the_period_says_there_is_no_figure(
    assistant: Assistant, year: int
) -> None:
    text = assistant.answer("usage", "da", (Period(year, year),)).text
    assert f"ikke et tal for {year} alene" in text
    assert "47.746" in text
    en = assistant.answer("usage", "en", (Period(year, year),)).text
    assert f"no figure for {year} alone" in en
    assert "47,746" in en


@pytest.mark.parametrize("year", [2009, 2017, 2030])
def test_year_outside_the_card_is_explained(assistant: Assistant, year: int) -> None:
    text = assistant.answer("usage", "en", (Period(year, year),)).text
    assert f"no usage for {year}" in text
    assert "2010–2016" in text
    assert "June 2016" in text


def test_range_lists_rows_and_reported_total(assistant: Assistant) -> None:
    text = assistant.answer("usage", "da", (Period(2013, 2015),)).text
    assert "17.011" in text
    assert "16.880" in text
    assert "16.060" in text
    assert "49.951" in text  # 17.011 + 16.880 + 16.060
    assert "3.031" not in text


def test_remaining_hours_is_zero_and_never_negative(knowledge: KnowledgeBase) -> None:
    assert (
        Assistant(knowledge)
        .answer("remaining_hours", "da")
        .text.startswith("Der er 0 timer tilbage")
    )
    over = dataclasses.replace(knowledge.facts, usage=(UsageRow(2010, 2016, 120_000, 120_000),))
    assert over.remaining_hours == 0
    assert isinstance(over, Facts)


def test_answers_are_rendered_from_the_facts(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    # Move 1,000 hours from 2013 to 2014: every answer follows the data.
    text = kb_text.replace("used: 17011", "used: 16011").replace("used: 16880", "used: 17880")
    assistant = Assistant(load_knowledge(write_kb(text)))
    assert "16.011" in assistant.answer("usage", "da", (Period(2013, 2013),)).text
    busiest = assistant.answer("busiest_year", "en").text
    assert "2014: 17,880" in busiest
    assert "2016: 3,031" in busiest


def test_busiest_year_from_the_real_data(assistant: Assistant) -> None:
    text = assistant.answer("busiest_year", "da").text
    assert "2013: 17.011" in text
    assert "2016: 3.031" in text
    assert "47.746" in text  # the period is named, not compared as one year


def test_every_answer_names_its_source(assistant: Assistant) -> None:
    for entry_id, entry in assistant.knowledge.entries.items():
        reply = assistant.answer(entry_id, "da")
        if entry.chitchat:
            continue
        assert reply.source is not None
        assert reply.source.startswith("Kilde:")
        assert reply.sections[-1].source == reply.source
