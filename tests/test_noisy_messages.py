"""Noise that should not sink an easy question: other digits, invisible characters, stray
letters, list markers, and Danish and English in one message."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.matcher import Outcome
from bot.normalize import Period, normalize


@pytest.mark.parametrize(
    "text", ["forbrug i ٢٠١٤", "forbrug i ۲۰۱۴", "forbrug i 20\u200b14", "forbrug i 2\u200d014"]
)
def test_other_digits_and_invisible_characters_still_make_the_year(text: str) -> None:
    assert normalize(text).periods == (Period(2014, 2014),)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("x y hvor mange timer er der tilbage", "remaining_hours"),
        ("1) hvad er klippekortet", "what_is"),
        ("b) hvem kan jeg ringe til", "contact"),
        ("hvor mange timer i ٢٠١٦", "usage"),
        ("er der any timer tilbage?", "remaining_hours"),
        ("who do I ringe til om klippekortet?", "contact"),
        ("nå men hvem kan bruge klippekort snitfladerne", "interface_access"),
        ("well, is there any budget left on the klippekort?", "remaining_hours"),
        ("var det ikke noget med 20.000 timer i 2016?", "usage"),
        ("explain the klippekort in one or two sentences", "what_is"),
        ("busiest year hvornår var det?", "busiest_year"),
    ],
)
def test_noisy_questions_are_answered(assistant: Assistant, text: str, entry: str) -> None:
    reply = assistant.reply(text)
    assert (reply.outcome, reply.entry_id) == (Outcome.ANSWERED, entry), text


def test_a_year_in_other_digits_gives_its_figure(assistant: Assistant) -> None:
    assert "16.880" in assistant.reply("forbrug i ٢٠١٤").text


def test_a_message_asking_two_topics_gets_both_answers(assistant: Assistant) -> None:
    reply = assistant.reply("Hej, hvor mange timer er der tilbage, og hvem skal jeg ringe til?")
    assert reply.outcome is Outcome.ANSWERED
    assert (reply.entry_id, reply.also) == ("remaining_hours", ("contact",))
    assert "0 timer tilbage" in reply.text
    assert "3334 9432" in reply.text
    assert reply.text.index("0 timer tilbage") < reply.text.index("3334 9432")


def test_a_greeting_and_a_signature_are_no_second_topic(assistant: Assistant) -> None:
    reply = assistant.reply("Hej! Hvad koster snitfladerne? Tak, mvh Karen")
    assert (reply.entry_id, reply.also) == ("interface_costs", ())


@pytest.mark.parametrize("text", ["hvad er 2+2", "What is 2+2?"])
def test_small_numbers_are_not_quoted_figures(assistant: Assistant, text: str) -> None:
    assert assistant.reply(text).outcome is not Outcome.ANSWERED


def test_hedges_do_not_water_down_a_question_of_question_words(assistant: Assistant) -> None:
    plain = assistant.rank("hvad er det?")[0]
    hedged = assistant.rank("hvad er det helt præcist?")[0]
    assert (hedged.entry_id, hedged.score) == (plain.entry_id, plain.score)
