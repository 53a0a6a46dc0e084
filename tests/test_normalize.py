"""Normalisation, year and period extraction, language detection."""

from __future__ import annotations

import pytest

from bot.language import detect_language, requested_language
from bot.normalize import (
    MAX_YEAR,
    MIN_YEAR,
    YEAR_TOKEN,
    Period,
    fold,
    normalize,
    without_salutation,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hvornår", "hvornaar"),
        ("BLÅ ØL ÆBLE", "blaa oel aeble"),
        ("Projektchéf", "projektchef"),
        ("ＫＭＤ", "kmd"),
    ],
)
def test_fold_treats_danish_letters_and_their_ascii_spelling_alike(a: str, b: str) -> None:
    assert fold(a) == fold(b)


@pytest.mark.parametrize("written", ["47.746", "47,746", "47 746", "47\u00a0746"])
def test_number_formats_become_one(written: str) -> None:
    assert normalize(f"{written} timer").words == ("47746", "timer")


def test_list_of_years_is_not_one_number() -> None:
    assert normalize("2013, 2014").periods == (Period(2013, 2013), Period(2014, 2014))


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Hvor mange timer i 2014?", Period(2014, 2014)),
        ("år 2014", Period(2014, 2014)),
        ("forbrug 2010-2012", Period(2010, 2012)),
        ("forbrug 2010–2012", Period(2010, 2012)),
        ("fra 2010 til 2012", Period(2010, 2012)),
        ("from 2010 to 2012", Period(2010, 2012)),
        ("between 2010 and 2012", Period(2010, 2012)),
        ("mellem 2010 og 2012", Period(2010, 2012)),
        ("2012-2010", Period(2010, 2012)),
        ("fra 2010 og frem til 2016", Period(2010, 2016)),
        ("from 2013 up to 2015", Period(2013, 2015)),
    ],
)
def test_years_and_periods(text: str, period: Period) -> None:
    normalized = normalize(text)
    assert normalized.periods == (period,)
    assert normalized.words.count(YEAR_TOKEN) == 1


def test_two_years_joined_by_and_are_two_years() -> None:
    assert normalize("i 2013 og 2014").periods == (Period(2013, 2013), Period(2014, 2014))


@pytest.mark.parametrize("text", ["100.000 timer", "tlf. 3334 9432", "1850", "20145", "12:30"])
def test_other_numbers_are_not_years(text: str) -> None:
    assert normalize(text).periods == ()


def test_possessive_is_dropped() -> None:
    assert normalize("KMD’s løsninger").words == ("kmd", "loesninger")


def test_an_ending_after_an_apostrophe_is_still_the_word() -> None:
    # Danish inflects abbreviations and loanwords after an apostrophe.
    assert normalize("API'erne og CPR'en").words == ("api", "og", "cpr")
    assert normalize("don't").words == ("don", "t")


def test_a_relative_clause_of_use_is_a_piece_that_does_not_ask() -> None:
    text = "Are there any hours left that could cover a small integration?"
    question = normalize(text, pieces=True)
    assert question.pieces == (
        ("are", "there", "any", "hours", "left"),
        ("that", "could", "cover", "a", "small", "integration"),
    )
    assert question.asking == (True, False)
    tapped = normalize("Any hours left that we could tap into?", pieces=True)
    assert tapped.pieces[-1][:3] == ("that", "we", "could")
    # The clause before it keeps two words at least.
    assert len(normalize("Er der kan vi bruge?", pieces=True).pieces) == 1


def test_a_phrase_of_use_ending_a_question_is_a_piece_of_its_own() -> None:
    question = normalize("kan vi stadig trække på klippekortet til en ny snitflade?", pieces=True)
    assert question.pieces[-1] == ("til", "en", "ny", "snitflade")
    assert question.asking == (True, False)
    # Not in a sentence that tells, nor far from its end.
    told = normalize("vi vil gerne have lavet en integration til en kommune.", pieces=True)
    assert len(told.pieces) == 1


def test_a_message_written_in_one_breath_is_split_where_a_question_starts() -> None:
    text = (
        "godmorgen jeg er ny i teamet hos en leverandør og min chef bad mig tjekke "
        "hvad forbruget på klippekortet var i 2015 kan nogen hjælpe"
    )
    question = normalize(text, pieces=True)
    assert question.pieces[-1][0] == "hvad"
    assert question.asking[-1]
    # "when" is as often a conjunction: "a deal made when KMD was sold" is one clause.
    deal = normalize("a colleague said there might be hours from a deal made when KMD was sold")
    assert len(normalize(" ".join(deal.words), pieces=True).pieces) == 1


def test_whether_after_and_joins_a_second_question() -> None:
    question = normalize("could you explain what it was and whether it's still running", True)
    assert question.pieces[-1][:2] == ("whether", "it")
    assert len(question.pieces) == 2
    dansk = normalize("hvad var klippekortet og om det stadig kører", pieces=True)
    assert dansk.pieces == (("hvad", "var", "klippekortet"), ("om", "det", "stadig", "koerer"))


def test_a_message_written_in_one_breath_is_split_where_a_subject_starts_a_clause() -> None:
    text = (
        "hvor mange timer blev der brugt paa klippekortet det sidste aar jeg skal bruge tallet "
        "til en opgave"
    )
    question = normalize(text, pieces=True)
    assert question.pieces[0][-1] == "aar"
    assert question.pieces[1][:2] == ("jeg", "skal")
    # After its verb, or after a conjunction, a subject goes on the clause it is in.
    for text in (
        "hvor mange timer har vi tilbage paa klippekortet til den opgave i vores kommune",
        "kan du sige om vi har timer tilbage paa klippekortet til vores opgave i kommunen",
    ):
        assert [p[0] for p in normalize(text, pieces=True).pieces] == [text.split()[0]]


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("brugt inden 2016", MIN_YEAR, 2015),
        ("used before 2013", MIN_YEAR, 2012),
        ("brugt ved udgangen af 2013", MIN_YEAR, 2013),
        ("brugt efter 2013", 2014, MAX_YEAR),
        ("used since 2014", 2014, MAX_YEAR),
    ],
)
def test_a_period_open_at_one_end(text: str, first: int, last: int) -> None:
    assert normalize(text).periods == (Period(first, last),)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("the year before 2016", 2015, 2015),
        ("året efter 2013", 2014, 2014),
        ("fra 2012 til og med 2014", 2012, 2014),
        ("from 2013 until the end of 2015", 2013, 2015),
        ("efter 2013 og før 2016", 2014, 2015),
    ],
)
def test_a_year_next_to_another_and_spans_said_in_words(text: str, first: int, last: int) -> None:
    assert normalize(text).periods == (Period(first, last),)


def test_no_period_holds_no_year() -> None:
    assert normalize("før 1900").periods == ()
    assert normalize("after 2099").periods == ()
    assert normalize("forbrug '99").periods == ()


def test_there_after_om_is_no_relative_clause() -> None:
    text = "Ved nogen om der kan bruges timer fra klippekortet?"
    assert normalize(text, pieces=True).asking == (True,)


def test_an_open_end_closes_at_the_years_with_figures() -> None:
    assert Period(MIN_YEAR, 2015).within(2010, 2016) == Period(2010, 2015)
    assert Period(2014, MAX_YEAR).within(2010, 2016) == Period(2014, 2016)
    # Nothing before the first year: the year before it, which has no figures.
    assert Period(MIN_YEAR, 2009).within(2010, 2016) == Period(2009, 2009)
    assert Period(2017, MAX_YEAR).within(2010, 2016) == Period(2017, 2017)
    assert Period(2013, 2014).within(2010, 2016) == Period(2013, 2014)


@pytest.mark.parametrize(
    "text", ["timeforbrug 2k15", "forbrug '15", "forbrug ’15", "forbrug 2o15", "brugt 2O15", "2ol5"]
)
def test_a_year_written_short_is_the_year(text: str) -> None:
    assert normalize(text).periods == (Period(2015, 2015),)


@pytest.mark.parametrize("text", ["100k timer", "100K hours", "100 tusind timer", "100 thousand"])
def test_thousands_written_short_are_the_number(text: str) -> None:
    assert normalize(text).words[0] == normalize("100.000").words[0] == "100000"
    assert normalize(text).periods == ()


def test_a_longer_spelling_of_a_word_is_its_usual_one() -> None:
    assert normalize("kan vi stadigvæk bruge timer").words[2] == "stadig"


def test_chat_shorthand_is_spelled_out() -> None:
    assert normalize("hvor mg timer, spm til kortet").words[:4] == (
        "hvor",
        "mange",
        "timer",
        "spoergsmaal",
    )
    assert normalize("hvem ska jeg ringe til, ka du sige det").words[1:2] == ("skal",)
    assert "kan" in normalize("ka du sige det").words


def test_sentences_and_clauses() -> None:
    text = (
        "Hej. Vi er leverandør, og vi undrer os. Hvor mange timer (47.746) er brugt i 2010 - 2012?"
        " Og i 2014 – tak"
    )
    normalized = normalize(text, pieces=True)
    assert normalized.pieces == (
        ("hej",),
        ("vi", "er", "leverandoer"),
        ("og", "vi", "undrer", "os"),
        ("hvor", "mange", "timer", "47746", "er", "brugt", "i", YEAR_TOKEN),
        ("og", "i", YEAR_TOKEN),
        ("tak",),
    )
    assert normalized.periods == (Period(2010, 2012), Period(2014, 2014))
    assert normalize(text).pieces == ()


def test_a_year_makes_no_sentence_break_of_its_own() -> None:
    # "-2013" and ",2014" are no clauses; ", " after a year still is.
    pieces = normalize("Grand Prix -2013, ellers,2014", pieces=True).pieces
    assert pieces == (("grand", "prix", YEAR_TOKEN), ("ellers", YEAR_TOKEN))


def test_ascii_and_other_text_split_into_the_same_words() -> None:
    words = ("hvad", "koster", "snitfladerne", "ok", "3334", "9432")
    assert normalize("hvad_koster (snitfladerne)? ok! 3334-9432").words == words
    assert normalize("hvad_koster (snitfladerne)? ok! 3334-9432 東京").words == (*words, "東京")


@pytest.mark.parametrize(
    ("text", "hint", "language"),
    [
        ("Hvor mange timer er der tilbage?", None, "da"),
        ("hvad koster snitfladerne", "en", "da"),
        ("How many hours are left?", None, "en"),
        ("What do the interfaces cost?", "da", "en"),
        ("KMD", "en", "en"),
        ("KMD", None, "da"),
        ("2014", "en-GB", "en"),
    ],
)
def test_language_detection(text: str, hint: str | None, language: str) -> None:
    assert detect_language(text, hint) == language


@pytest.mark.parametrize(
    ("text", "asking"),
    [
        ("en kunde spoerger om der stadig er klip tilbage", True),
        ("I would like to know whether the card is closed", True),
        ("ved nogen om der er timer tilbage", True),
        ("jeg beder om en bekraeftelse af hvorvidt klippekortet er afsluttet", True),
        ("vi er leverandoer til tre kommuner", False),
        ("vi har brugt timer om aaret", False),
    ],
)
def test_a_question_asked_indirectly_asks(text: str, asking: bool) -> None:
    assert normalize(text, pieces=True).asking == (asking,)


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("forbrug pr ultimo 2015", (Period(MIN_YEAR, 2015),)),
        ("brugt 2014 og fremefter", (Period(2014, MAX_YEAR),)),
        ("from 2013 onwards", (Period(2013, MAX_YEAR),)),
        ("fra 2013 og frem til 2015", (Period(2013, 2015),)),
        ("forskellen mellem 2013 og 2014", (Period(2013, 2013), Period(2014, 2014))),
        ("forbrug mellem 2013 og 2015", (Period(2013, 2015),)),
        ("hours spent 2010-12?", (Period(2010, 2012),)),
        ("forbrug 2013–15", (Period(2013, 2015),)),
        ("møde 2010-12-01", (Period(2010, 2010),)),
    ],
)
def test_more_ways_of_naming_periods(text: str, periods: tuple[Period, ...]) -> None:
    assert normalize(text).periods == periods


def test_a_word_that_is_no_year_keeps_its_letters() -> None:
    assert normalize("hello 2old").words == ("hello", "2old")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("min chef siger at der er 5000 timer", ("der", "er", "5000", "timer")),
        ("my manager says it closed", ("it", "closed")),
        ("vores direktør mener der er timer", ("der", "er", "timer")),
        ("our CFO asked me to confirm the total", ("asked", "me", "to", "confirm", "the", "total")),
        ("hvem er chefen", ("hvem", "er", "chefen")),
        ("puljen var 100.000. hvem har ret?", ("puljen", "var", "100000")),
        # Alone, it keeps its words: there is nothing else to read.
        ("hvem har ret?", ("hvem", "har", "ret")),
    ],
)
def test_whose_claim_is_checked_is_no_words_of_the_question(
    text: str, words: tuple[str, ...]
) -> None:
    assert normalize(text).words == words


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("in english please", "en"),
        ("på dansk tak", "da"),
        ("can you answer in danish?", "da"),
        ("hvad er dansk for klippekort", None),
        ("danish or english", None),
    ],
)
def test_a_request_for_a_language_is_read(text: str, language: str | None) -> None:
    assert requested_language(normalize(text).words) == language


def test_a_plus_between_words_parts_sentences_not_a_sum() -> None:
    pieces = normalize("timer brugt i 2015 + hvor er rapporten", pieces=True).pieces
    assert pieces == (("timer", "brugt", "i", YEAR_TOKEN), ("hvor", "er", "rapporten"))
    assert len(normalize("47.746+17.011 giver jo 64.757", pieces=True).pieces) == 1


def test_an_opening_that_says_what_it_is_in_connection_with_is_left_out() -> None:
    found = normalize("I forbindelse med et møde med KMD vil jeg gerne have forbruget", pieces=True)
    # The opening tells why: what it names is no topic.
    assert found.pieces == (("vil", "jeg", "gerne", "have", "forbruget"),)
    assert found.asking == (True,)
    # Without a verb and subject after it, the sentence stays whole.
    whole = normalize("i forbindelse med klippekortet", pieces=True)
    assert whole.pieces == (("i", "forbindelse", "med", "klippekortet"),)


def test_on_whose_behalf_someone_asks_is_a_sentence_of_its_own() -> None:
    found = normalize(
        "hvor mange timer blev brugt i 2013 spoerger for en kollega der laver en rapport",
        pieces=True,
    )
    assert found.pieces[0] == ("hvor", "mange", "timer", "blev", "brugt", "i", YEAR_TOKEN)
    assert found.asking[0]
    assert not any(found.asking[1:])


def test_whom_a_greeting_of_its_own_addresses_is_no_topic() -> None:
    organisations = frozenset({"kombit", "kl", "kmd"})
    pieces = (("dear", "kombit"), ("was", "the", "heaviest", "use", "at", "the", "start"))
    assert without_salutation(pieces, frozenset(), organisations) == pieces[1:]
    # Alone, "Hej KMD" is a greeting whole (the names say no topic).
    alone = (("hej", "kmd"),)
    assert without_salutation(alone, organisations, organisations) == alone
