"""Every fact the bot can say comes from the source text, and nothing is invented."""

from __future__ import annotations

import itertools
import re

import pytest

from bot.assistant import Asks, Assistant
from bot.normalize import Period
from tests.conftest import SEED

pytestmark = pytest.mark.skipif(not SEED.exists(), reason=f"source text not found at {SEED}")


def all_answers(assistant: Assistant) -> list[str]:
    texts = []
    periods = [(Period(y, y),) for y in range(2008, 2019)] + [(Period(2010, 2012),)]
    for language in assistant.knowledge.languages:
        for entry_id in assistant.knowledge.entries:
            texts.append(assistant.answer(entry_id, language).text)
        texts.extend(assistant.answer("usage", language, p).text for p in periods)
        texts.append(assistant.reply("xyzzy plugh", language).text)
    return texts


def test_every_hour_figure_is_in_the_source(assistant: Assistant) -> None:
    source = SEED.read_text(encoding="utf-8")
    source_numbers = {n.replace(".", "") for n in re.findall(r"\d[\d.]*\d|\d", source)}
    # What the bot derives from the source's own figures: sums over runs of periods, the sum
    # with the used figure, the difference between used and reported, and the 0 left.
    usage = assistant.knowledge.facts.usage
    reported = [row.reported for row in usage]
    runs = {
        sum(reported[i:j]) for i in range(len(reported)) for j in range(i + 1, len(reported) + 1)
    }
    derived = {str(n) for n in runs} | {"0", str(assistant.knowledge.facts.used_total)}
    derived |= {str(row.used - row.reported) for row in usage}
    for text in all_answers(assistant):
        for number in re.findall(r"\d{1,3}(?:[.,]\d{3})+|\d+", text):
            plain = re.sub(r"[.,]", "", number)
            if len(plain) == 4 and plain.startswith(("19", "20")):
                continue  # a year
            assert plain in source_numbers or plain in derived, (number, text)


def test_contact_is_exactly_the_source(assistant: Assistant) -> None:
    source = SEED.read_text(encoding="utf-8")
    assert "3334 9432" in source
    assert "Projektchef" in source
    assert "3334 9432" in assistant.answer("contact", "da").text


def test_no_links_or_names_invented(assistant: Assistant) -> None:
    for text in all_answers(assistant):
        assert "http" not in text
        assert "www" not in text
        assert "@" not in text


def test_every_figure_an_asked_for_sum_share_or_difference_shows_follows_from_the_source(
    assistant: Assistant,
) -> None:
    """Sums of years named one by one, shares of the pool and differences (`Asks`) are plain
    arithmetic on the source's reported figures; nothing else may appear."""
    source = SEED.read_text(encoding="utf-8")
    source_numbers = {n.replace(".", "") for n in re.findall(r"\d[\d.]*\d|\d", source)}
    facts = assistant.knowledge.facts
    reported = [row.reported for row in facts.usage]
    sums = {
        sum(c) for k in range(1, len(reported) + 1) for c in itertools.combinations(reported, k)
    }
    derived = {str(n) for n in sums | {abs(a - b) for a in sums for b in sums}}
    derived |= {"0", str(facts.used_total)} | {str(r.used - r.reported) for r in facts.usage}
    derived |= {f"{100 * n / facts.pool_hours:.1f}".replace(".", "") for n in sums}
    periods = [Period(y, y) for y in range(2009, 2018)] + [Period(2010, 2012), Period(2013, 2016)]
    every = Asks(named=True, finer=True, summed=True, shared=True, compared=True)
    for language in assistant.knowledge.languages:
        for entry_id in assistant.knowledge.entries:
            for asked in [(), *((p,) for p in periods), *itertools.combinations(periods, 2)]:
                text = assistant.answer(entry_id, language, asked, asks=every).text
                for number in re.findall(r"\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d)?", text):
                    plain = re.sub(r"[.,]", "", number)
                    if len(plain) == 4 and plain.startswith(("19", "20")):
                        continue  # a year
                    assert plain in source_numbers or plain in derived, (number, text)


def test_who_may_use_the_interfaces_names_the_municipalities_too(assistant: Assistant) -> None:
    # The source makes them available to the municipalities and their suppliers alike.
    reply = assistant.reply("har kommunerne adgang til grænsefladerne?")
    assert reply.entry_id == "interface_access"
    assert "kommunerne og deres leverandører" in reply.text
