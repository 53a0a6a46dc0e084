"""Any text at all gets a reply and never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.assistant import Assistant
from bot.matcher import Outcome
from bot.normalize import normalize


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=4096), language=st.sampled_from([None, "da", "en", "xx", ""]))
def test_any_unicode_gets_a_reply(assistant: Assistant, text: str, language: str | None) -> None:
    reply = assistant.reply(text, language)
    assert reply.outcome in set(Outcome)
    assert reply.language in ("da", "en")
    assert reply.text.strip()
    assert 0 <= reply.score <= 100


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "timer",
                "tilbage",
                "2014",
                "koster",
                "hvem",
                "kontakt",
                "47.746",
                "2010-2012",
                "år",
                "hours",
                "left",
                "–",
                "fra",
                "til",
                "between",
                "and",
                "🙂",
                "\u0000",
                "<b>",
            ]
        ),
        max_size=30,
    )
)
def test_domain_words_in_any_order(assistant: Assistant, words: list[str]) -> None:
    reply = assistant.reply(" ".join(words))
    assert reply.text.strip()
    # Plain text only: markup is the adapters' business, never the core's.
    assert all("<b>" not in (section.title or "") for section in reply.sections)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=300)
    | st.lists(
        st.sampled_from(["Hej.", "timer", "2010 - 2012", "–", "47.746", "tak!", "é", "_", "\n"]),
        max_size=30,
    ).map(" ".join)
)
def test_the_pieces_of_a_question_are_its_words_in_order(text: str) -> None:
    # The matcher mends and stems the pieces and scores their sum as the whole question.
    normalized = normalize(text, pieces=True)
    assert tuple(word for piece in normalized.pieces for word in piece) == normalized.words
    assert all(normalized.pieces)
