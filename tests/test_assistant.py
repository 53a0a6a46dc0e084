"""The three outcomes of a question, and the traps of fuzzy matching."""

from __future__ import annotations

import pytest

from bot import render
from bot.assistant import Assistant
from bot.matcher import Matcher, MatchSettings, Outcome, Scored, decide
from bot.normalize import Period


def test_answers_a_plain_question(assistant: Assistant) -> None:
    reply = assistant.reply("Hvor mange timer blev brugt i 2014?")
    assert reply.outcome is Outcome.ANSWERED
    assert reply.entry_id == "usage"
    assert reply.language == "da"
    assert reply.periods == (Period(2014, 2014),)
    assert "16.880" in reply.text
    assert [section.body for section in reply.sections] == [reply.text]
    assert reply.related


def test_english_question_gets_english_numbers(assistant: Assistant) -> None:
    reply = assistant.reply("How many hours were used in 2014?")
    assert (reply.entry_id, reply.language) == ("usage", "en")
    assert "16,880" in reply.text


def test_remaining_hours(assistant: Assistant) -> None:
    reply = assistant.reply("hvor mange timer er der tilbage")
    assert reply.entry_id == "remaining_hours"
    assert "0 timer tilbage" in reply.text
    assert "-" not in reply.text.split("timer")[0]


@pytest.mark.parametrize(
    "question",
    [
        "Hvor mange timer er der i et døgn?",
        "Hvad koster et klippekort til bussen?",
        "Hvem vandt VM i 2014?",
        "Hvad skete der i 2014?",
        "asdf qwerty",
        "🚀🚀🚀",
    ],
)
def test_near_topic_and_nonsense_are_not_answered(assistant: Assistant, question: str) -> None:
    reply = assistant.reply(question)
    assert reply.outcome is not Outcome.ANSWERED, (reply.entry_id, reply.score)


def test_dont_know_points_to_the_contact_and_topics(assistant: Assistant) -> None:
    reply = assistant.reply("Hvad er vejret i morgen?")
    assert reply.outcome is Outcome.UNKNOWN
    assert reply.entry_id is None
    assert "3334 9432" in reply.text
    assert "timer tilbage" in reply.text
    assert [c.entry_id for c in reply.related] == [
        "remaining_hours",
        "usage",
        "interface_costs",
        "contact",
    ]


def test_tak_is_thanks_not_contact(assistant: Assistant) -> None:
    assert assistant.reply("tak").entry_id == "thanks"
    assert assistant.reply("kontaktperson").entry_id == "contact"


def test_greeting_before_a_question_does_not_win(assistant: Assistant) -> None:
    assert assistant.reply("Hej, hvad koster snitfladerne?").entry_id == "interface_costs"
    assert assistant.reply("Hej").entry_id == "greeting"


def test_year_in_unrelated_question_is_not_a_usage_question(assistant: Assistant) -> None:
    reply = assistant.reply("Hvem er kontaktperson i 2015?")
    assert reply.entry_id == "contact"
    assert reply.periods == ()


def test_typo_and_missing_letters(assistant: Assistant) -> None:
    assert assistant.reply("hvor mage timmer er der tilbge").entry_id == "remaining_hours"
    assert assistant.reply("hvornaar sluttede klippekortet").entry_id == "status"


def test_grey_zone_offers_choices() -> None:
    settings = MatchSettings(answer_at=70, suggest_at=40, margin=5)
    close = [Scored("usage", 75, "da"), Scored("busiest_year", 73, "da")]
    assert decide(close, settings) is Outcome.SUGGESTED
    grey = [Scored("usage", 60, "da")]
    assert decide(grey, settings) is Outcome.SUGGESTED
    assert decide([Scored("usage", 30, "da")], settings) is Outcome.UNKNOWN
    assert decide([Scored("usage", 80, "da"), Scored("x", 60, "da")], settings) is Outcome.ANSWERED
    assert decide([], settings) is Outcome.UNKNOWN


def test_suggestions_are_entries_with_titles(assistant: Assistant) -> None:
    strict = Assistant(assistant.knowledge, MatchSettings(answer_at=101, suggest_at=10))
    reply = strict.reply("timer")
    assert reply.outcome is Outcome.SUGGESTED
    assert reply.entry_id is None
    assert 1 <= len(reply.suggestions) <= 3
    for choice in reply.suggestions:
        assert choice.title in reply.text


def test_empty_input(assistant: Assistant) -> None:
    for text in ("", "   ", "?!", "…"):
        reply = assistant.reply(text)
        assert reply.outcome is Outcome.UNKNOWN
        assert "Klippekortet" in reply.text


def test_language_hint_breaks_ties(assistant: Assistant) -> None:
    assert assistant.reply("KMD", "en").language == "en"
    assert assistant.reply("Hvad koster snitfladerne?", "en").language == "da"


def test_deterministic(assistant: Assistant) -> None:
    question = "hvad koster det"
    first = assistant.reply(question)
    assert all(assistant.reply(question) == first for _ in range(5))


def test_very_long_input_is_bounded(assistant: Assistant) -> None:
    reply = assistant.reply("Hvad koster snitfladerne? " + "bla " * 5000)
    assert reply.entry_id == "interface_costs"


def test_typo_correction_keeps_words_of_the_other_language(assistant: Assistant) -> None:
    matcher: Matcher = assistant.matcher
    english = next(index for index in matcher.indexes if index.language == "en")
    assert matcher.correct(english, ["tak"]) == ["tak"]  # Danish, not a typo of "talk"
    danish = next(index for index in matcher.indexes if index.language == "da")
    assert matcher.correct(danish, ["klippe", "kortet"]) == ["klippekortet"]
    assert matcher.correct(danish, ["klippekortstimer"]) == ["klippekort", "timer"]


def test_another_ending_of_a_known_long_stem_is_that_word(assistant: Assistant) -> None:
    danish = assistant.matcher.index_of["da"]
    # The source says "implementeringsbistand"; a user says "implementere".
    (mended,) = assistant.matcher.correct(danish, ["implementere"])
    assert mended.startswith("implementering")
    # A compound with another head is not the same word: "projekt" is not "opgaver".
    assert assistant.matcher.correct(danish, ["digitaliseringsprojekt"]) != [
        "digitaliseringsopgaver"
    ]
    reply = assistant.reply("koster det noget at implementere en snitflade")
    assert reply.outcome is Outcome.ANSWERED
    assert reply.entry_id == "interface_costs"


def test_a_known_stem_is_never_ended_as_a_word_of_what_no_entry_is_about(
    assistant: Assistant,
) -> None:
    # "tilfreds" (satisfied) shares its first letters with the survey concept's
    # "tilfredshedsundersøgelse"; read as it, it would make the question off-topic.
    danish = assistant.matcher.index_of["da"]
    assert "tilfredshedsundersoegelse" in assistant.matcher.foreign_words
    assert assistant.matcher.correct(danish, ["tilfreds"]) == ["tilfreds"]
    assert assistant.matcher.correct(danish, ["implementere"])[0].startswith("implementering")


def test_an_answer_is_rendered_for_its_own_years_and_score(assistant: Assistant) -> None:
    # Rendered answers are kept and reused: each must still carry its own years and score.
    for _ in range(2):
        first = assistant.answer("usage", "da", (Period(2014, 2014),), 55.0)
        second = assistant.answer("usage", "da", (Period(2015, 2015),), 66.0)
        english = assistant.answer("usage", "en", (Period(2014, 2014),), 77.0)
        assert (first.score, second.score, english.score) == (55.0, 66.0, 77.0)
        assert "16.880" in first.text
        assert "16.060" in second.text
        assert "16,880" in english.text
        assert first.periods == (Period(2014, 2014),)
    assert assistant.answer("contact", "da", (Period(2014, 2014),)).periods == ()


@pytest.mark.parametrize(
    ("question", "language", "says"),
    [
        ("hvor mange timer var der tilbage efter 2013?", "da", "Kilden opgør ikke"),
        ("how many hours were left at the end of 2014?", "en", "does not give the hours left"),
    ],
)
def test_hours_left_at_a_past_time_are_not_todays_balance(
    assistant: Assistant, question: str, language: str, says: str
) -> None:
    # The source gives no balance for a year; the reply says so and shows the use per year.
    reply = assistant.reply(question)
    assert (reply.entry_id, reply.language) == ("remaining_hours", language)
    assert says in reply.text
    assert ("17.011" if language == "da" else "17,011") in reply.text
    assert assistant.reply("hvor mange timer er der tilbage?").text.startswith("Der er 0 timer")


def test_use_before_a_year_is_the_sum_of_the_years_before_it(assistant: Assistant) -> None:
    reply = assistant.reply("hvor mange timer var brugt i alt inden 2016?")
    assert reply.entry_id == "usage"
    assert "2010–2015" in reply.text
    assert "96.969" in reply.text  # 47.018 reported + 17.011 + 16.880 + 16.060
    assert "3.031" not in reply.text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hvad er KMD's telefonnummer", "da"),
        ("hvad er KOMBITs telefonnummer", "da"),
        ("ring til KL", "da"),
        ("what is KMD's phone number", "en"),
    ],
)
def test_another_organisation_s_number_is_not_passed_off_as_the_card_s(
    assistant: Assistant, text: str, language: str
) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "contact"
    named = assistant.knowledge.entries["contact"].named_answer
    assert named is not None
    assert reply.text == render.fill(named[language], assistant._facts[language])
    assert "3334 9432" in reply.text


def test_the_card_s_own_contact_gets_the_plain_answer(assistant: Assistant) -> None:
    for text in (
        "hvem kan jeg ringe til om klippekortet",
        "who do I call at KOMBIT about the card",
        "Kan jeg ringe til projektchefen kl 10?",  # a time of day, not KL
        "Who should our municipality call?",  # a municipality is no organisation of the source
    ):
        reply = assistant.reply(text)
        assert reply.entry_id == "contact"
        assert "KMD, KL" not in reply.text, text


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("hvor mange timer blev brugt i marts 2015", "16.060"),
        ("hvor mange timer blev brugt pr. uge i 2014", "16.880"),
        ("hvor mange timer brugte vi på vores projekt i 2014?", "16.880"),
        ("how many hours were used in the first quarter of 2013", "17,011"),
        # One municipality's hours: the card's figure would read as that municipality's.
        ("hvor mange timer brugte Odense i 2014", "16.880"),
        ("hvor mange timer brugte Københavns Kommune af klippekortet i 2015?", "16.060"),
        ("how many hours did Aarhus use in 2013?", "17,011"),
    ],
)
def test_a_finer_split_than_the_year_is_said_not_to_exist(
    assistant: Assistant, text: str, figure: str
) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "usage"
    note = assistant.knowledge.ui["usage_yearly_only"][reply.language]
    assert reply.text.startswith(note)
    assert figure in reply.text


def test_a_question_per_year_gets_no_note_of_finer_splits(assistant: Assistant) -> None:
    reply = assistant.reply("hvor mange timer blev brugt i 2015")
    assert reply.entry_id == "usage"
    assert assistant.knowledge.ui["usage_yearly_only"]["da"] not in reply.text


@pytest.mark.parametrize(
    ("text", "total"),
    [
        (
            "hvor mange timer blev brugt i 2015 og 2016 tilsammen?",
            "I alt 2015 + 2016 (rapporteret): 19.091 timer",
        ),
        ("how many hours in 2014 and 2015 combined", "Total 2014 + 2015 (reported): 32,940 hours"),
        ("forbrug 2010-2012 og 2013 i alt", "I alt 2010–2012 + 2013 (rapporteret): 64.029 timer"),
    ],
)
def test_years_asked_together_are_summed(assistant: Assistant, text: str, total: str) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "usage"
    assert reply.text.splitlines()[-1] == total


@pytest.mark.parametrize(
    "text",
    [
        "hvor mange timer blev brugt i 2014 og 2015",  # not asked for a total
        "forbrug 2011 og 2013 i alt",  # 2011 has no figure of its own to add
    ],
)
def test_years_are_summed_only_when_asked_and_whole(assistant: Assistant, text: str) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "usage"
    assert "I alt" not in reply.text


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("hvor mange procent blev brugt i 2013", "2013: 17,0 % af puljen på 100.000 timer"),
        ("hvor mange % blev brugt i 2016", "2016: 3,0 % af puljen på 100.000 timer"),
        ("what percentage of the pool was used in 2010-2012", "2010–2012: 47.0% of the pool"),
    ],
)
def test_a_share_of_the_pool_is_given_as_a_percentage(
    assistant: Assistant, text: str, share: str
) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "usage"
    assert share in reply.text


def test_a_year_inside_the_period_has_no_share_of_its_own(assistant: Assistant) -> None:
    reply = assistant.reply("hvor mange procent blev brugt i 2011")
    assert reply.entry_id == "usage"
    assert "%" not in reply.text


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("totalt forbrug pr ultimo 2015?", "I alt 2010–2015 (rapporteret): 96.969 timer"),
        (
            "hvor mange timer blev brugt 2014 og fremefter",
            "I alt 2014–2016 (rapporteret): 35.971 timer",
        ),
        ("hours used from 2013 onwards", "Total 2013–2016 (reported): 52,982 hours"),
        (
            "hvad er forskellen mellem 2013 og 2014",
            "Forskellen mellem 2013 og 2014: 131 timer (rapporteret)",
        ),
        (
            "what is the difference between 2014 and 2015",
            "Difference between 2014 and 2015: 820 hours (reported)",
        ),
    ],
)
def test_ranges_open_at_one_end_and_differences(assistant: Assistant, text: str, line: str) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "usage"
    assert line in reply.text.splitlines()


def test_a_difference_between_two_years_is_not_their_span(assistant: Assistant) -> None:
    reply = assistant.reply("hvad er forskellen mellem 2013 og 2014")
    assert "I alt" not in reply.text


def test_a_short_english_question_about_a_share_is_answered_in_english(
    assistant: Assistant,
) -> None:
    reply = assistant.reply("percentage 2013?")
    assert reply.language == "en"
    assert "17.0%" in reply.text


def test_two_years_inside_the_first_period_are_answered_once(assistant: Assistant) -> None:
    reply = assistant.reply("Er der forskel på forbruget mellem 2010 og 2012?")
    assert reply.entry_id == "usage"
    assert reply.periods == (Period(2010, 2012),)
    assert "alene" not in reply.text  # not "no figure for 2010 alone" and again for 2012


@pytest.mark.parametrize(
    ("text", "line", "period"),
    [
        (
            "Blev der brugt mest i 2014 eller 2015?",
            "Flest timer af de nævnte år: 2014 (16.880 timer). Færrest: 2015 (16.060 timer).",
            Period(2014, 2014),
        ),
        (
            "hvilket år blev der brugt mest, 2014 eller 2015?",
            "Flest timer af de nævnte år: 2014 (16.880 timer). Færrest: 2015 (16.060 timer).",
            Period(2014, 2014),
        ),
        (
            "of 2013, 2014 and 2016, which was the quietest year?",
            "Most hours of the years asked about: 2013 (17,011 hours). Fewest: 2016 (3,031 hours).",
            Period(2016, 2016),
        ),
    ],
)
def test_years_compared_for_the_most_or_least_use_are_answered_among_themselves(
    assistant: Assistant, text: str, line: str, period: Period
) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "busiest_year"
    assert line in reply.text.splitlines()
    # The one asked about is what a follow-up goes on from.
    assert reply.periods == (period,)


def test_a_period_counted_as_a_whole_is_not_compared_with_a_year(assistant: Assistant) -> None:
    # 2010-2012 has no single year to set against 2013: both figures, no "most".
    reply = assistant.reply("brugte 2010-2012 eller 2013 flest timer")
    assert reply.entry_id == "usage"
    assert "Flest timer af de nævnte år" not in reply.text


@pytest.mark.parametrize(
    "text", ["hvad var det højeste forbrug på et år", "nice 2014?", "lol what"]
)
def test_an_offer_of_choices_is_never_empty_nor_chit_chat(assistant: Assistant, text: str) -> None:
    # An answer made a suggestion (a year in general) may have no entry left to offer; and
    # "Reaktion" or "Tak" is never a choice.
    reply = assistant.reply(text)
    if reply.outcome is Outcome.SUGGESTED:
        assert reply.suggestions
    assert all(not assistant.knowledge.entries[c.entry_id].chitchat for c in reply.suggestions)


@pytest.mark.parametrize(
    "text",
    ["blev der brugt mest i 2012 eller 2013 eller 2014?", "blev der brugt mest i 2013 eller 2017"],
)
def test_years_without_a_figure_of_their_own_are_not_compared_silently(
    assistant: Assistant, text: str
) -> None:
    # 2012 has no figure alone, 2017 none at all: each year is answered as it is.
    reply = assistant.reply(text)
    assert reply.entry_id == "usage"
    assert "Flest timer af de nævnte år" not in reply.text


def test_two_alternatives_are_each_read_with_what_comes_before_them() -> None:
    from bot.assistant import _alternatives

    words = tuple("var timerne til nye fagsystemer eller til snitflader".split())
    assert _alternatives(words) == [
        tuple("var timerne til nye fagsystemer".split()),
        tuple("var timerne til snitflader".split()),
    ]
    # Without a word said again, the first alternative is as long as the second.
    words = tuple("er det afsluttet eller sat paa pause".split())
    assert _alternatives(words)[1] == tuple("sat paa pause".split())
