"""Follow-up questions: a conversation's last answer, used only for an elliptical message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.assistant import Assistant, left_out_periods
from bot.followup import Conversations, cue_of
from bot.matcher import Outcome
from bot.normalize import normalize
from tests.conftest import RunningBot
from tests.test_telegram_bot import ask, asyncio_test

BIN = Path(sys.executable).parent / "klippekort-bot"


def conversation(assistant: Assistant, *messages: str) -> list[tuple[str | None, str]]:
    """(answered entry or None, text) for each message of one conversation."""
    conversations = Conversations()
    replies = [assistant.converse(m, conversations, "test") for m in messages]
    return [(r.entry_id if r.outcome is Outcome.ANSWERED else None, r.text) for r in replies]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("Hvor mange timer blev brugt i 2014?", "og hvad med 2015?"), "16.060"),
        (("Hvor mange timer blev brugt i 2014?", "og året før?"), "17.011"),
        (("How many hours were used in 2014?", "and the year after?"), "16,060"),
        (("How many hours were used in 2010-2012?", "and the year after?"), "17,011"),
        (("Hvor mange timer blev brugt i 2014?", "og i alt?"), "100.000"),
        (("Hvad blev brugt i 2010-2012?", "hvor meget af det blev rapporteret?"), "47.018"),
        (("hvad er forbruget i 2013", "ok og 2016?"), "3.031"),
        (("hvad blev brugt i 2015?", "hvad med 2011 alene?"), "47.746"),
        (("How many hours were used in 2015?", "and in the first period?"), "47,746"),
        (("forbruget i 2013?", "og det sidste år?"), "3.031"),
        (("hvor mange timer blev brugt i alt?", "og aaret foer?"), "16.060"),
        (("hvor mange timer i 2013", "hvad med året efter det igen"), "16.880"),
        (("hvor mange timer i 2014", "og i 15"), "16.060"),
        (("timer 2013?", "og aaret efter", "og det næste"), "16.060"),
    ],
    ids=[
        "years",
        "year-before",
        "year-after-en",
        "after-a-span",
        "total",
        "reported",
        "filler",
        "only-a-year",
        "first-period",
        "last-period",
        "year-before-the-whole-table",
        "again",
        "two-digit-year",
        "the-next-one",
    ],
)
def test_a_follow_up_is_answered_from_the_context(
    assistant: Assistant, messages: tuple[str, ...], expected: str
) -> None:
    *_, (entry, text) = conversation(assistant, *messages)
    assert entry == "usage"
    assert expected in text


def test_a_year_checked_against_an_answer_without_years_stays_on_it(
    assistant: Assistant,
) -> None:
    replies = conversation(assistant, "hvornår lukkede klippekortet?", "var det 2015?")
    assert [entry for entry, _ in replies] == ["status", "status"]
    # After an answer about years it is that year's use.
    *_, (entry, text) = conversation(assistant, "forbruget i 2014?", "var det 2015?")
    assert entry == "usage"
    assert "16.060" in text


def test_question_words_alone_give_the_last_answer_again(assistant: Assistant) -> None:
    replies = conversation(assistant, "hvem kan jeg kontakte?", "og hvem er det?")
    assert [entry for entry, _ in replies] == ["contact", "contact"]
    # Never without a conversation.
    assert assistant.reply("og hvem er det?").outcome is not Outcome.ANSWERED


def test_a_comparison_shows_both_years(assistant: Assistant) -> None:
    *_, (entry, text) = conversation(
        assistant, "hvor mange timer blev brugt i 2013?", "var det mere eller mindre end 2014?"
    )
    assert entry == "usage"
    assert "17.011" in text
    assert "16.880" in text


def test_a_word_or_two_going_on_from_the_last_answer_stays_on_its_topic(
    assistant: Assistant,
) -> None:
    # "leverandører" alone would be the question of who is behind the card.
    replies = conversation(assistant, "hvad koster snitfladerne?", "og for leverandører?")
    assert [entry for entry, _ in replies] == ["interface_costs", "interface_costs"]
    # An organisation's name alone goes on from the last answer in a conversation.
    replies = conversation(assistant, "hvad var KOMBITs rolle i klippekortet?", "og KMD's?")
    assert [entry for entry, _ in replies] == ["who", "who"]
    # One more word of its own is a question of its own.
    replies = conversation(assistant, "hvem står bag klippekortet?", "og hvad kostede det?")
    assert replies[-1][0] == "interface_costs"


def test_without_a_context_a_follow_up_is_not_answered_as_one(assistant: Assistant) -> None:
    for message in ("og året før?", "and the year after?", "og i alt?"):
        reply = assistant.reply(message)
        assert not (reply.outcome is Outcome.ANSWERED and reply.entry_id == "usage"), message


def test_a_complete_question_replaces_the_context(assistant: Assistant) -> None:
    replies = conversation(
        assistant,
        "Hvor mange timer blev brugt i 2014?",
        "Hvad koster snitfladerne?",
        "og året før?",
    )
    assert replies[1][0] == "interface_costs"
    assert replies[2][0] is None  # the interface costs have no year to step back from


@pytest.mark.parametrize(
    "messages",
    [
        ("hvad koster snitfladerne", "og hvem må bruge dem"),
        ("what do the interfaces cost?", "and who may use them?"),
    ],
)
def test_a_pointer_to_the_last_answer_s_subject_reads_as_the_subject(
    assistant: Assistant, messages: tuple[str, str]
) -> None:
    # "dem" are the interfaces, not the hours: who may use them is the interfaces' access.
    replies = conversation(assistant, *messages)
    assert [entry for entry, _ in replies] == ["interface_costs", "interface_access"]


@pytest.mark.parametrize(
    ("messages", "entries"),
    [
        (("hvad blev timerne brugt til", "hvem leverede dem?"), ["purpose", "who"]),
        (("hvem havde timerne", "hvad lavede de med dem"), ["who", "purpose"]),
        (("who had the hours?", "and who got them?"), ["who", "who"]),
    ],
)
def test_the_hours_are_what_an_answer_about_who_had_them_or_their_use_is_about(
    assistant: Assistant, messages: tuple[str, str], entries: list[str]
) -> None:
    # "dem" after who had the hours, or what they were for, are the hours.
    assert [entry for entry, _ in conversation(assistant, *messages)] == entries


@pytest.mark.parametrize(
    "messages",
    [
        ("hvem er projektchef for klippekortet", "kan jeg ringe til vedkommende"),
        ("who is the project manager?", "can I call him?"),
        ("hvem kan jeg kontakte om klippekortet", "hvem kan jeg ellers spørge"),
    ],
)
def test_a_person_pointed_back_at_is_the_contact(
    assistant: Assistant, messages: tuple[str, str]
) -> None:
    assert [entry for entry, _ in conversation(assistant, *messages)] == ["contact", "contact"]


@pytest.mark.parametrize(
    ("messages", "line"),
    [
        (("hvor mange timer blev brugt i 2014", "hvad er det i procent"), "2014: 16,9 %"),
        (
            ("how many hours in 2014 and 2015", "what is the difference?"),
            "Difference between 2014 and 2015: 820 hours (reported)",
        ),
    ],
)
def test_a_share_or_a_difference_asked_after_years_is_theirs(
    assistant: Assistant, messages: tuple[str, str], line: str
) -> None:
    *_, (entry, text) = conversation(assistant, *messages)
    assert entry == "usage"
    assert line in text


def test_two_digits_are_a_year_only_after_an_answer_about_years(assistant: Assistant) -> None:
    (_, _), (entry, _) = conversation(assistant, "hvad koster snitfladerne", "og 14")
    assert entry is None
    # A year just past the table is told it had no use, not given the last answer again.
    *_, (entry, text) = conversation(assistant, "hvor mange timer i 2016", "og 17?")
    assert entry == "usage"
    assert "2017" in text
    assert "3.031" not in text


def test_a_message_with_no_topic_of_its_own_is_not_read_with_the_subject(
    assistant: Assistant,
) -> None:
    *_, (entry, _) = conversation(assistant, "Hvad koster snitfladerne?", "I dont get it")
    assert entry is None


def test_a_month_after_a_year_is_told_the_source_has_years_only(assistant: Assistant) -> None:
    *_, (entry, text) = conversation(assistant, "hvor mange timer blev brugt i 2015", "og i marts?")
    assert entry == "usage"
    assert text.startswith(assistant.knowledge.ui["usage_yearly_only"]["da"])
    assert "16.060" in text


def test_a_question_complete_in_itself_is_not_bent_to_the_last_topic(
    assistant: Assistant,
) -> None:
    # "der" may point back, but "er der hours left" says a phrasing whole: it is its own question.
    replies = conversation(assistant, "hvad er status på klippekortet", "er der hours left")
    assert [entry for entry, _ in replies] == ["status", "remaining_hours"]


def test_context_never_answers_an_off_topic_question(assistant: Assistant) -> None:
    for off_topic in ("og hvad med vejret i 2015?", "hvem vandt det?", "and what time is it?"):
        replies = conversation(assistant, "Hvor mange timer blev brugt i 2014?", off_topic)
        assert replies[1][0] is None, off_topic


def test_a_message_pointing_back_is_read_with_the_last_topic(assistant: Assistant) -> None:
    replies = conversation(assistant, "hvad er transitionsaftalen", "hvem indgik den med KMD?")
    assert replies[1][0] == "transition_agreement"


def test_chit_chat_keeps_the_context(assistant: Assistant) -> None:
    replies = conversation(assistant, "Hvor mange timer blev brugt i 2014?", "tak", "og 2015?")
    assert replies[1][0] == "thanks"
    assert "16.060" in replies[2][1]


def test_contexts_expire_and_are_kept_per_key() -> None:
    now = [0.0]
    conversations = Conversations(timeout=900, clock=lambda: now[0], limit=2)
    conversations.remember("a", "usage", (), "da")
    conversations.remember("b", "contact", (), "en")
    assert conversations.get("a") is not None
    assert conversations.get("b") is not None
    now[0] = 901
    assert conversations.get("a") is None
    conversations.remember("c", "usage", (), "da")
    conversations.remember("d", "usage", (), "da")
    conversations.remember("e", "usage", (), "da")
    assert len(conversations) == 2  # bounded: the oldest go first
    conversations.forget("e")
    assert conversations.get("e") is None


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("og 2015?", "years"),
        ("and what about 2013", "years"),
        ("hvad med året før?", "before"),
        ("the following year?", "after"),
        ("og i alt?", "total"),
        ("hvor meget af det blev rapporteret?", "reported"),
        ("hvad med 2011 alene?", "years"),
        ("og i første periode?", "first"),
        ("hvor stor en del gik til 2010-2012?", "years"),
        ("var det 2015?", "checked"),
        ("and 2015?", "years"),
        ("the one before that?", "before"),
        ("hvor mange timer blev brugt i alt", None),
        ("and the final year?", "last"),
        ("sammenlignet med 2014?", "compared"),
        ("was it more or less than 2014?", "compared"),
        ("mere eller mindre?", None),
        ("og hvad med vejret i 2015?", None),
        ("hvem kan jeg ringe til om det?", None),
        ("hvor mange var det?", "amount"),
        ("kun 2010 altså", "years"),
        ("men hvad så med 2014 egentlig", "years"),
        ("how many hours was that", "amount"),
        ("hvor mange timer er der tilbage?", None),
        ("faldt det?", "trend"),
        ("so it dropped?", "trend"),
        ("og 2014 ca det samme?", "compared"),
        ("og den første?", "first"),
        ("and the last one?", "last"),
    ],
)
def test_cues(text: str, cue: str | None) -> None:
    assert cue_of(normalize(text).words) == cue


def test_ask_conversation_reads_standard_input_as_one_conversation() -> None:
    lines = "Hvor mange timer blev brugt i 2014?\nog hvad med 2015?\nog i alt?\n"
    result = subprocess.run(
        [str(BIN), "ask", "--conversation", "--json"],
        input=lines, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["entry"] for r in replies] == ["usage", "usage", "usage"]
    assert "16.060" in replies[1]["answer"]
    alone = subprocess.run(
        [str(BIN), "ask", "--json"],
        input=lines, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert "16.060" not in [json.loads(x) for x in alone.stdout.splitlines()][2]["answer"]


@asyncio_test
async def test_in_a_group_two_people_do_not_share_a_context(running_bot: RunningBot) -> None:
    group = {"chat_type": "group", "chat_id": -4000000123}
    await ask(
        running_bot, "@klippekort_bot Hvor mange timer blev brugt i 2014?", user_id=1, **group
    )
    await ask(running_bot, "@klippekort_bot Hvad koster snitfladerne?", user_id=2, **group)
    first = await ask(running_bot, "@klippekort_bot og året før?", user_id=1, **group)
    second = await ask(running_bot, "@klippekort_bot og året før?", user_id=2, **group)
    assert "17.011" in first[0]["plain_text"]
    assert "17.011" not in second[0]["plain_text"]


def test_a_context_never_answers_what_no_entry_is_about(assistant: Assistant) -> None:
    replies = conversation(
        assistant, "Hvor mange timer blev brugt i 2014?", "og hvor mange timer er der i et år?"
    )
    assert replies[1][0] is None


def test_question_words_alone_ask_about_the_last_topic(assistant: Assistant) -> None:
    replies = conversation(assistant, "er klippekortet lukket?", "hvorfor det?")
    assert replies[1][0] == "status"
    replies = conversation(assistant, "is the klippekort still running?", "why not?")
    assert replies[1][0] == "status"


def test_a_message_pointing_back_stays_on_the_topic_it_points_at(assistant: Assistant) -> None:
    # Alone, "hvem lavede den?" asks who is behind the card; here "den" is the agreement.
    replies = conversation(assistant, "hvad er transitionsaftalen?", "hvem lavede den?")
    assert replies[1][0] == "transition_agreement"
    # Thanks stay thanks, whatever they point at.
    replies = conversation(assistant, "Hvor mange timer blev brugt i 2014?", "tak for det")
    assert replies[1][0] == "thanks"


@pytest.mark.parametrize(
    "total", ["og over hele perioden?", "og i alt for hele klippekortet?", "fra start til slut?"]
)
def test_the_whole_period_is_the_total(assistant: Assistant, total: str) -> None:
    # The card's name says no more than the total does.
    replies = conversation(assistant, "timer i 2015?", total)
    assert replies[1][0] == "usage"
    assert "100.000" in replies[1][1]


def test_the_cards_name_alone_after_a_year_is_no_total(assistant: Assistant) -> None:
    assert conversation(assistant, "forbrug 2014", "klippekortet?")[-1][0] == "what_is"


@pytest.mark.parametrize("whole_year", ["hele 2016?", "og for hele 2016?"])
def test_a_whole_year_is_that_year(assistant: Assistant, whole_year: str) -> None:
    replies = conversation(assistant, "timer i 2015?", whole_year)
    assert replies[-1][1].startswith("I 2016 blev der brugt 3.031 timer")


@pytest.mark.parametrize(
    "whole",
    ["og hele klippekortet?", "hvad med hele klippekortet?", "and over the whole lifetime?"],
)
def test_the_whole_card_after_a_year_is_the_total(assistant: Assistant, whole: str) -> None:
    replies = conversation(assistant, "forbrug 2014", whole)
    assert replies[-1][0] == "usage"
    assert "47" in replies[-1][1]  # the table, not 2014 again


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (
            ("hvilket år gik der færrest timer?", "hvor mange var det?"),
            "I 2016 blev der brugt 3.031",
        ),
        (("which year had the most hours used", "how many hours was that"), "In 2013, 17,011"),
        (("which year had the most hours used", "and the year after?"), "In 2014, 16,880"),
        (("hvornår blev der brugt mest?", "og året før?"), "2010–2012"),
    ],
)
def test_an_answer_about_the_busiest_year_is_gone_on_from(
    assistant: Assistant, messages: tuple[str, ...], expected: str
) -> None:
    # The busiest year's answer names the years of most and least use; the one asked for is
    # what a follow-up asks about.
    replies = conversation(assistant, *messages)
    assert replies[0][0] == "busiest_year"
    assert replies[-1][0] == "usage"
    assert expected in replies[-1][1]


def test_asking_how_many_goes_on_only_from_an_answer_about_years(assistant: Assistant) -> None:
    # After the contact there are no years: "hvor mange var det?" is read alone.
    replies = conversation(assistant, "hvem skal jeg ringe til?", "hvor mange var det?")
    assert replies[-1][0] != "usage"
    # Asked neither the most nor the least, both years are what the answer is about.
    both = assistant.answer("busiest_year", "da")
    assert [p.first for p in both.periods] == [2013, 2016]


@pytest.mark.parametrize(
    "messages",
    [
        ("hours used 2016?", "why so few"),
        ("hvilket år blev der brugt færrest timer?", "hvorfor?"),
        ("hvor mange timer gik der i 2016", "hvorfor så få"),
    ],
)
def test_why_after_the_closing_year_is_told_the_card_ended(
    assistant: Assistant, messages: tuple[str, str]
) -> None:
    replies = conversation(assistant, *messages, "og i alt?")
    assert replies[1][0] == "status"
    # The conversation is still about the use: "og i alt?" next gets the whole table.
    assert replies[2][0] == "usage"


@pytest.mark.parametrize(
    "messages",
    [
        ("hvad var forbruget i 2015", "og 2016?", "hvorfor så få det år"),
        ("how many hours were used in 2016", "why so few that year?"),
    ],
)
def test_why_so_few_that_year_after_the_closing_year_is_about_the_end(
    assistant: Assistant, messages: tuple[str, ...]
) -> None:
    assert conversation(assistant, *messages)[-1][0] == "status"


def test_why_after_another_year_is_not_about_the_end(assistant: Assistant) -> None:
    replies = conversation(assistant, "hvor mange timer blev brugt i 2014", "hvorfor?")
    assert replies[1][0] != "status"


@pytest.mark.parametrize(
    "messages",
    [
        ("hvor mange hours er der left på klippekortet", "what was the total"),
        ("who had the hours?", "how many in total?"),
        ("så alle timerne er brugt?", "hvor mange var der"),
        ("hvad blev timerne brugt til", "hvor mange var der?"),
    ],
)
def test_the_total_after_an_answer_not_about_years_is_the_pool(
    assistant: Assistant, messages: tuple[str, str]
) -> None:
    assert conversation(assistant, *messages)[-1][0] == "pool_size"


def test_how_many_after_an_answer_about_something_else_is_not_the_pool(
    assistant: Assistant,
) -> None:
    # After the interfaces' costs, "how many were there" asks how many interfaces.
    replies = conversation(assistant, "hvad koster snitfladerne?", "hvor mange var der?")
    assert replies[-1][0] != "pool_size"


@pytest.mark.parametrize("follow_up", ["og KOMBIT?", "hvad med KL's?"])
def test_one_holder_after_an_answer_with_hours_gets_it_again_with_the_note(
    assistant: Assistant, follow_up: str
) -> None:
    replies = conversation(assistant, "hvor mange timer blev brugt i 2014", follow_up)
    entry, text = replies[-1]
    assert entry == "usage"
    assert "16.880" in text
    assert "KOMBIT" in text.splitlines()[0]


def test_how_many_after_a_year_is_that_years_use(assistant: Assistant) -> None:
    # The pool only when the answer before was not about years.
    replies = conversation(
        assistant, "hvilket år blev der brugt færrest timer", "hvor mange var det?"
    )
    assert replies[-1][0] == "usage"


def test_a_pointer_read_with_the_subject_must_say_more_than_the_message_alone(
    assistant: Assistant,
) -> None:
    # "where do I find the hours" scores below "where do I find it" alone, which is the report.
    replies = conversation(assistant, "hvad blev timerne brugt til", "hvor finder jeg den")
    assert replies[-1][0] == "final_report"
    # Read with the subject, "who may use them" after the costs is still the access.
    replies = conversation(assistant, "hvad koster snitfladerne?", "og hvem må bruge dem?")
    assert replies[-1][0] == "interface_access"


@pytest.mark.parametrize(
    "follow_up", ["does it show hours per year?", "does it say how the hours were used?"]
)
def test_what_the_report_shows_is_asked_of_the_report(assistant: Assistant, follow_up: str) -> None:
    # The report covers how the hours were used: "it" is the report, not a new usage question.
    replies = conversation(assistant, "is there a final report?", follow_up)
    assert replies[-1][0] == "final_report"
    # Asked on its own, the use per year is still the table.
    assert conversation(assistant, "how many hours were used per year")[-1][0] == "usage"


def test_asked_for_the_other_language_the_last_answer_comes_again_in_it(
    assistant: Assistant,
) -> None:
    replies = conversation(
        assistant, "hvor mange timer blev brugt i 2014?", "in english please", "and 2015?"
    )
    assert replies[1] == ("usage", "In 2014, 16,880 hours of Klippekortet were used.")
    assert "16,060" in replies[2][1]
    replies = conversation(assistant, "how many hours are left?", "kan du svare på dansk?")
    assert replies[1][0] == "remaining_hours"
    assert replies[1][1].startswith("Der er 0 timer tilbage")


def test_a_question_with_a_language_asked_is_answered_in_it(assistant: Assistant) -> None:
    reply = assistant.reply("hvor mange timer blev brugt i 2015? svar på engelsk")
    assert reply.text == "In 2015, 16,060 hours of Klippekortet were used."
    # With nothing before it, the request gets what the bot can do, in that language.
    alone = assistant.reply("in english please")
    assert (alone.entry_id, alone.language) == ("help", "en")
    # A language named in a question is no request.
    assert assistant.reply("hvad er dansk for klippekort").entry_id != "help"


@pytest.mark.parametrize(
    "check",
    [
        "Er du helt sikker? Min kontakt hos KMD sagde noget andet",
        "kan du tjekke igen",
        "can you check again?",
        "det tror jeg ikke på",
        "none at all?",
        "virkelig? intet?",
        "er der virkelig intet tilbage?",
    ],
)
def test_pushback_on_an_answer_gets_it_again(assistant: Assistant, check: str) -> None:
    replies = conversation(assistant, "hvor mange timer er der tilbage", check)
    assert replies[-1][0] == "remaining_hours"


@pytest.mark.parametrize(
    ("first", "pushback", "expected"),
    [
        (
            "hvor mange timer er der tilbage",
            "det passer ikke, der er 5000 tilbage",
            "remaining_hours",
        ),
        ("when did it close", "that's not right, it closed in 2017", "status"),
        (
            "hvad koster snitfladerne",
            "det passer ikke, det koster driftsvederlag",
            "interface_costs",
        ),
    ],
)
def test_a_claim_against_the_answer_gets_the_answer_that_corrects_it(
    assistant: Assistant, first: str, pushback: str, expected: str
) -> None:
    # Not "that was probably not an answer": the claim is corrected.
    assert conversation(assistant, first, pushback)[-1][0] == expected


@pytest.mark.parametrize("amount", ["mange timer?", "much?"])
def test_how_many_without_hvor_after_a_year_is_that_years_use(
    assistant: Assistant, amount: str
) -> None:
    assert conversation(assistant, "forbrug i 2014", amount)[-1][0] == "usage"


def test_a_sum_checked_gets_the_answer_that_explains_it(assistant: Assistant) -> None:
    # The used 47.746 do not add up to the pool; the answer says the reported 47.018 do.
    replies = conversation(
        assistant,
        "hvor mange timer blev brugt i alt",
        "men 47.746+17.011+16.880+16.060+3.031 giver jo 100.728?",
    )
    assert replies[-1][0] == "usage"
    assert "47.018" in replies[-1][1]


def test_done_now_after_the_last_years_use_asks_whether_it_ended(assistant: Assistant) -> None:
    replies = conversation(assistant, "hvor mange timer blev brugt i 2016?", "so it's done now?")
    assert replies[-1][0] == "status"


@pytest.mark.parametrize("thanks", ["mange tak", "thank you so much", "tak så meget"])
def test_thanks_with_many_or_much_after_a_year_is_thanks(assistant: Assistant, thanks: str) -> None:
    # "mange" and "much" ask how many only with "hvor" or "how".
    replies = conversation(assistant, "hvor mange blev brugt i 2015", thanks)
    assert replies[-1][0] == "thanks"


def test_the_total_alone_is_only_offered(assistant: Assistant) -> None:
    # With nothing before it, "og i alt?" has nothing to add up.
    reply = assistant.reply("what was the total")
    assert reply.outcome is not Outcome.ANSWERED


@pytest.mark.parametrize(
    "messages",
    [
        ("kan vi stadig bestille udvikling paa klippekortet?", "hvorfor ikke?"),
        ("Can we still use klippekort hours for a new interface project?", "why not?"),
    ],
)
def test_why_alone_asks_why_the_last_answer_is_so(
    assistant: Assistant, messages: tuple[str, str]
) -> None:
    # The last answer says why (the pool is used up); "why" is not another topic's word.
    replies = conversation(assistant, *messages)
    assert replies[0][0] == replies[1][0] == "remaining_hours"


def test_asking_what_the_last_answer_means_is_that_answer(assistant: Assistant) -> None:
    replies = conversation(
        assistant,
        "do we have to pay for the interfaces built under the klippekort",
        "what does that mean in practice",
    )
    assert [entry for entry, _ in replies] == ["interface_costs", "interface_costs"]


def test_there_is_no_pointer_to_the_subject(assistant: Assistant) -> None:
    # "der" in "hvor mange var der?" is "there": read with "timerne" in its place it asked for
    # the hours left, and got 0.
    replies = conversation(assistant, "hvem fik timerne?", "og hvor mange var der?")
    assert replies[1][0] != "remaining_hours"


def test_a_reaction_is_in_the_conversations_language(assistant: Assistant) -> None:
    replies = conversation(assistant, "how many hours are left?", "cool")
    assert replies[1] == ("reaction", assistant.answer("reaction", "en").text)


@pytest.mark.parametrize(
    "check", ["er det korrekt?", "passer det?", "is that right?", "er du sikker"]
)
def test_asking_whether_the_last_answer_is_right_gets_it_again(
    assistant: Assistant, check: str
) -> None:
    replies = conversation(assistant, "hvor mange timer blev brugt i 2014", check)
    assert replies[1][0] == "usage"
    # In the message's language where its words lean to one ("is that right?" is English).
    assert "16.880" in replies[1][1] or "16,880" in replies[1][1]


@pytest.mark.parametrize("check", ["juni 2016 siger du?", "so june 2016?", "juni 2016, right?"])
def test_a_date_checked_after_the_end_is_the_end_again(assistant: Assistant, check: str) -> None:
    replies = conversation(assistant, "hvornår blev klippekortet lukket?", check)
    assert replies[1][0] == "status"
    # After a year's use, a month asks finer than the source counts: not the end.
    replies = conversation(assistant, "hvor mange timer blev brugt i 2016?", "juni 2016?")
    assert replies[1][0] == "usage"
    # A date the last answer does not name is no check of it: not today's balance in 2014.
    replies = conversation(assistant, "hvor mange timer er der tilbage?", "og i marts 2014?")
    assert replies[1][0] != "remaining_hours"


@pytest.mark.parametrize(
    "then", ["hvor mange var der så tilbage?", "were there any hours left then?"]
)
def test_hours_left_asked_in_the_past_after_a_year_are_not_todays(
    assistant: Assistant, then: str
) -> None:
    replies = conversation(assistant, "hvor mange timer blev brugt i 2013?", then)
    assert replies[1][0] == "remaining_hours"
    # The source gives no balance at a time: the years' use, and today's balance as today's.
    assert "17.011" in replies[1][1] or "17,011" in replies[1][1]
    now = conversation(
        assistant, "hvor mange timer blev brugt i 2013?", "hvor mange er der tilbage nu?"
    )
    assert now[1][1] == assistant.answer("remaining_hours", "da").text


@pytest.mark.parametrize(
    ("first", "then", "entry_id"),
    [
        ("hvad var formålet med klippekortet?", "hvilke løsninger", "purpose"),
        ("hvad var meningen med klippekortet", "hvad betyder digital sammenhæng", "purpose"),
    ],
)
def test_a_follow_up_about_words_of_the_last_answer_gets_it_again(
    assistant: Assistant, first: str, then: str, entry_id: str
) -> None:
    replies = conversation(assistant, first, then)
    assert replies[1] == (entry_id, replies[0][1])
    # Words the last answer does not have are no follow-up to it.
    other = conversation(assistant, first, "hvor mange kommuner er der")
    assert other[1][0] is None


def test_a_share_asked_with_how_many_after_the_busiest_year_is_that_years(
    assistant: Assistant,
) -> None:
    replies = conversation(
        assistant, "hvilket år blev der brugt flest timer?", "hvor mange procent var det?"
    )
    assert "2013: 17,0 % af puljen" in replies[1][1]


def test_why_after_a_span_ending_in_the_closing_year_is_not_about_the_end(
    assistant: Assistant,
) -> None:
    replies = conversation(assistant, "brugt i 2010-2016?", "hvorfor?")
    assert replies[1][0] != "status"


def test_whether_the_use_went_down_is_told_with_the_year_before(assistant: Assistant) -> None:
    replies = conversation(assistant, "hvor mange timer blev brugt i 2014", "faldt det?")
    assert replies[1][0] == "usage"
    assert "Forskellen mellem 2013 og 2014: 131 timer (rapporteret)" in replies[1][1]


@pytest.mark.parametrize("check", ["wasn't it around 3,000?", "var det ikke ca. 3000"])
def test_a_figure_checked_against_the_last_answer_gets_it_again(
    assistant: Assistant, check: str
) -> None:
    replies = conversation(assistant, "how many hours in 2016", check)
    assert replies[1][0] == "usage"
    assert "3" in replies[1][1]
    assert "031" in replies[1][1]
    # Two digits are still a year.
    assert "16.060" in conversation(assistant, "brugt i 2016", "og 15?")[1][1]


@pytest.mark.parametrize("ask", ["står det et sted", "hvad er kilden?", "where does it say that?"])
def test_asking_where_the_last_answer_is_written_gets_it_with_its_source(
    assistant: Assistant, ask: str
) -> None:
    replies = conversation(assistant, "koster snitfladerne noget?", ask)
    assert replies[1][0] == "interface_costs"
    # Who wrote something is another question.
    after_report = conversation(
        assistant, "hvad står der i afslutningsrapporten?", "hvem skrev den"
    )
    assert after_report[1][0] != "final_report"


def test_the_contacts_title_is_the_contact(assistant: Assistant) -> None:
    replies = conversation(
        assistant, "hvem ringer jeg til om klippekortet", "hvilken stilling har vedkommende"
    )
    assert replies[1][0] == "contact"
    assert "projektchefen" in replies[1][1]


@pytest.mark.parametrize("filler", ["ok", "k", "hmm", "ahh ok", "sounds good", "great"])
def test_a_filler_turn_keeps_the_conversation_and_its_language(
    assistant: Assistant, filler: str
) -> None:
    replies = conversation(
        assistant, "How many hours were used in 2014?", filler, "and the year after?"
    )
    assert replies[1][0] in ("reaction", "thanks")
    assert replies[1][1] in (
        assistant.answer("reaction", "en").text,
        assistant.answer("thanks", "en").text,
    )
    assert replies[2][0] == "usage"
    assert "16,060" in replies[2][1]


def test_ok_before_a_question_is_no_reaction(assistant: Assistant) -> None:
    assert assistant.reply("ok forbrug 2015").entry_id == "usage"


@pytest.mark.parametrize(
    ("last", "line"),
    [
        ("and the difference?", "Difference between 2015 and 2014: 820 hours (reported)"),
        ("og tilsammen?", "I alt 2014 + 2015 (rapporteret): 32.940 timer"),
    ],
)
def test_years_named_turn_by_turn_are_taken_together(
    assistant: Assistant, last: str, line: str
) -> None:
    replies = conversation(assistant, "how many hours were used in 2015", "og 2014?", last)
    assert line in replies[2][1].splitlines()


def test_the_year_before_goes_from_the_last_year_named(assistant: Assistant) -> None:
    replies = conversation(assistant, "brugt i 2015", "og 2014?", "og året før?")
    assert replies[2][1] == "I 2013 blev der brugt 17.011 timer af Klippekortet."


@pytest.mark.parametrize(
    ("reply_to", "language"), [("tak", "da"), ("and 2015?", "en"), ("ok", "en")]
)
def test_a_follow_up_is_in_its_own_language_where_its_words_lean_to_one(
    assistant: Assistant, reply_to: str, language: str
) -> None:
    conversations = Conversations()
    assistant.converse("how many hours were used in 2013", conversations, "k")
    assert assistant.converse(reply_to, conversations, "k").language == language


def test_asking_for_the_answer_again_or_for_the_sum(assistant: Assistant) -> None:
    replies = conversation(assistant, "brugt i 2014", "og 2015?", "add them up", "kan du gentage")
    assert "I alt 2014 + 2015 (rapporteret): 32.940 timer" in replies[2][1].splitlines()
    assert replies[3][0] == "usage"
    assert "16.880" in replies[3][1]
    assert "16.060" in replies[3][1]


def test_a_period_set_aside_in_a_clause_of_its_own_narrows_the_question(
    assistant: Assistant,
) -> None:
    # The clause after the comma sets 2010-2012 aside; it does not ask its use.
    replies = conversation(
        assistant,
        "hvilket år blev der brugt færrest timer",
        "og flest, hvis man ser bort fra 2010-2012?",
        "er du sikker?",
    )
    assert [entry for entry, _ in replies] == ["busiest_year"] * 3
    assert "17.011" in replies[1][1]
    # Setting the period aside alone, after the busiest year, is that answer again.
    aside = conversation(assistant, "which year used the most hours?", "and excluding 2010-2012?")
    assert aside[-1][0] == "busiest_year"
    alone = assistant.reply("Which year had the most hours, apart from 2010-2012?")
    assert (alone.entry_id, alone.also) == ("busiest_year", ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("was 2016 the last year?", "status"),
        ("var 2015 det sidste år for klippekortet?", "status"),
        # Whether it ended in the years named.
        ("blev klippekortet lukket i 2016 eller 2017?", "status"),
        ("closed 2017?", "status"),
        ("hvor mange timer blev brugt før det lukkede i 2016", "usage"),
        # With hours, the last year asks its use; so does the year named as the last.
        ("hvor mange timer blev brugt det sidste år, 2016?", "usage"),
        ("og det sidste år, 2016?", "usage"),
    ],
)
def test_whether_a_year_was_the_last_is_when_the_card_ended(
    assistant: Assistant, text: str, expected: str
) -> None:
    assert conversation(assistant, text)[-1][0] == expected
    # After a year's use too, where "the last year" alone asks the last year's use.
    after = conversation(assistant, "how many hours did KMD deliver in 2015", text)
    assert after[-1][0] == expected


@pytest.mark.parametrize(
    ("first", "doubt_and_more", "expected", "starts"),
    [
        ("timer i 2015?", "virkelig? i alt?", "usage", "Sådan er Klippekortets timer brugt"),
        ("how many hours are left", "really? when did it end?", "status", ""),
        ("hvor mange timer er der tilbage", "haha virkelig", "reaction", ""),
    ],
)
def test_doubt_with_a_question_or_a_laugh_is_not_doubt_alone(
    assistant: Assistant, first: str, doubt_and_more: str, expected: str, starts: str
) -> None:
    replies = conversation(assistant, first, doubt_and_more)
    assert replies[-1][0] == expected
    assert replies[-1][1].startswith(starts)


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("står der også hvordan timerne blev fordelt?", "final_report"),
        ("does it mention the projects?", "final_report"),
        ("er processen beskrevet", "final_report"),
        # A year asks its figure, and a new question is itself.
        ("står der noget om forbruget i 2014?", "usage"),
        ("who can I call about it?", "contact"),
    ],
)
def test_what_the_report_says_is_asked_of_the_report(
    assistant: Assistant, asked: str, expected: str
) -> None:
    assert conversation(assistant, "er der en rapport om klippekortet", asked)[-1][0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hvor mange timer blev brugt i 2013, og bortset fra det hvem skal jeg kontakte?",
            "contact",
        ),
        ("what was the purpose, and apart from that is there a report?", "final_report"),
    ],
)
def test_besides_that_a_second_question_is_its_own(
    assistant: Assistant, text: str, expected: str
) -> None:
    assert expected in assistant.reply(text).also


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("hvem står bag?", "who"),
        ("show me the hours left", "remaining_hours"),
        ("what does the project manager say?", "contact"),
    ],
)
def test_after_the_report_a_question_of_its_own_is_itself(
    assistant: Assistant, asked: str, expected: str
) -> None:
    assert conversation(assistant, "is there a final report?", asked)[-1][0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i alt uden 2016", ((2016, 2016),)),
        ("total excluding 2010-2012 and 2016", ((2010, 2012), (2016, 2016))),
        ("hvor mange timer blev brugt bortset fra 2016?", ((2016, 2016),)),
        ("uden at medregne 2016", ((2016, 2016),)),
        # Only the years right after: 2015 here is asked, not left out.
        ("uden 2016, hvor mange blev brugt i 2015", ((2016, 2016),)),
        ("excluding 2016 how many in 2015", ((2016, 2016),)),
        ("i alt 2013 og 2014", ()),
        ("hvor mange timer uden driftsvederlag blev brugt i 2016", ()),
    ],
)
def test_the_years_a_message_leaves_out(text: str, expected: tuple[tuple[int, int], ...]) -> None:
    read = normalize(text)
    left_out = left_out_periods(read.words, read.periods)
    assert [(p.first, p.last) for p in left_out] == list(expected)


@pytest.mark.parametrize(
    ("question", "left_out", "total"),
    [
        ("how many hours were used in total excluding 2016", "3,031", "(reported): 96,969"),
        ("hvor mange timer blev brugt i alt uden 2010-2012?", "47.746", "(rapporteret): 52.982"),
        # A year in the middle: the others one by one, and their sum.
        ("hvor mange timer blev brugt bortset fra 2014?", "16.880", "(rapporteret): 83.120"),
    ],
)  # fmt: skip
def test_the_use_without_the_years_left_out_is_the_others_added_up(
    assistant: Assistant, question: str, left_out: str, total: str
) -> None:
    reply = assistant.reply(question)
    assert reply.entry_id == "usage"
    assert total in reply.text
    assert left_out not in reply.text


def test_part_of_a_period_counted_whole_is_not_left_out(assistant: Assistant) -> None:
    # The source has no figure for 2011 alone, so nothing can be taken out of 2010-2012.
    reply = assistant.reply("hvor mange timer blev brugt i alt uden 2011?")
    assert "2011" in reply.text
    assert "83.120" not in reply.text
    assert "96.969" not in reply.text


def test_years_left_out_after_the_use_are_taken_from_it(assistant: Assistant) -> None:
    replies = conversation(assistant, "hvor mange timer er brugt i alt?", "og uden 2016?")
    assert replies[-1][0] == "usage"
    assert "96.969" in replies[-1][1]
    english = conversation(assistant, "how many hours were used in total", "and excluding 2016?")
    assert "96,969" in english[-1][1]
    # Of the years the conversation is about, when it names some.
    some = conversation(assistant, "forbrug fra 2013 til 2015", "og uden 2014?")
    assert "I alt 2013 + 2015 (rapporteret): 33.071 timer" in some[-1][1]
    # After an answer not about the use, leaving a year out asks nothing of it.
    assert conversation(assistant, "hvad er klippekortet", "og uden 2016?")[-1][0] is None


@pytest.mark.parametrize("asked", ["why none", "hvorfor intet?", "hvorfor ingen"])
def test_why_with_doubt_gets_the_last_answer_which_says_why(
    assistant: Assistant, asked: str
) -> None:
    replies = conversation(assistant, "hvor mange timer er der tilbage", asked)
    assert replies[-1][0] == "remaining_hours"
    # A reaction stays one.
    assert conversation(assistant, "hvor mange timer er der tilbage", "haha virkelig")[-1][0] == (
        "reaction"
    )


def test_one_year_against_another_is_compared_and_by_how_much(assistant: Assistant) -> None:
    reply = assistant.reply("blev der brugt flere timer i 2014 end i 2013?")
    assert "Flest timer af de nævnte år: 2013 (17.011 timer)" in reply.text
    assert "Forskellen mellem 2014 og 2013: 131 timer" in reply.text
    english = assistant.reply("was more used in 2015 than in 2016?")
    assert "Most hours of the years asked about: 2015" in english.text
    # One year alone is compared with nothing ("flere timer end forventet?").
    assert "Forskellen" not in assistant.reply("blev der brugt flere timer i 2014?").text


def test_the_busiest_year_asked_after_one_year_is_the_busiest_of_all(assistant: Assistant) -> None:
    # One year is nothing to compare: the busiest of the table.
    replies = conversation(assistant, "forbrug 2014", "hvilket år var størst?")
    assert replies[-1][0] == "busiest_year"
    assert "17.011" in replies[-1][1]


def test_a_single_year_set_aside_after_the_busiest_year_ranks_the_others(
    assistant: Assistant,
) -> None:
    # The answer names 2013 as the busiest: without it, 2014 is.
    replies = conversation(assistant, "which year had the most hours?", "excluding 2013?")
    assert replies[-1][0] == "busiest_year"
    assert "Most hours of the years asked about: 2014" in replies[-1][1]
    danish = conversation(assistant, "hvornår blev der brugt flest timer?", "og uden 2013?")
    assert "Flest timer af de nævnte år: 2014" in danish[-1][1]


@pytest.mark.parametrize(
    ("messages", "said", "not_said"),
    [
        # "without" or "uden" in another sense leaves no year out.
        (("how many hours were spent without billing in 2014?",), "16,880", "83,120"),
        (("hvor mange timer brugte KOMBIT uden KL i 2015?",), "16.060", "83.940"),
        # A year with no use is said to have none, not left out of the total.
        (("i alt uden 2017",), "2017", "100.000"),
        # Left out in a message that asks two things.
        (("hvor mange timer i alt uden 2016, og hvem kan jeg kontakte?",), "96.969", "3.031"),
        (("hvor mange timer i alt, hvis man ser bort fra 2016?",), "96.969", "3.031"),
        # A comparison beside another question leaves the other answered.
        (("flere timer i 2014 end i 2013? og hvem kan jeg kontakte?",), "3334 9432", ""),
        # Two organisations compared are not two years compared.
        (("brugte KOMBIT flere timer end KL i 2014 og 2015?",), "", "Flest timer af de nævnte"),
        # Years compared with no word of an entry.
        (("was 2013 higher than 2014?",), "Difference between 2013 and 2014: 131", ""),
        # Asking for more is not asking which was more.
        (("forbrug 2014 og 2015", "har du mere?"), "", "Flest timer af de nævnte"),
        # Why, with doubt, after the closing year: the card ended that year.
        (("hvor mange timer blev brugt i 2016", "hvorfor virkelig så få?"), "juni 2016", ""),
        # Years left out, then ranked; a ranking with a year left out.
        (("hvor mange timer i alt uden 2016?", "hvilket af dem var lavest?"), "Færrest: 2015", ""),
        (("hvilket år var det mindste uden 2016?",), "Færrest: 2015", ""),
        (("which year was busiest?", "and apart from 2016?"), "Fewest: 2015", ""),
        (
            ("hvilket år blev der brugt flest timer?", "bortset fra 2013 og 2014?"),
            "Flest",
            "17.011",
        ),
        (("hvor mange timer er brugt i alt minus 2016?",), "96.969", ""),
        # Other things than the card's hours compared are not its years compared.
        (("var der flere elever i 2014 end i 2013?",), "", "Forskellen"),
        (("brugte Netcompany flere timer i 2014 end i 2013?",), "", "Forskellen"),
        # Single years asked after the busiest period: the answer ranks them already.
        (("hvilken periode brugte flest timer?", "og hvis man kun ser på enkelte år?"), "2013", ""),
        (("which year was busiest?", "and for a single year?"), "17,011", ""),
        # The conversation's years compared when asked which was more.
        (
            ("hvor mange timer blev brugt i 2014?", "og 2015?", "hvilket af dem var størst?"),
            "Flest timer af de nævnte år: 2014 (16.880 timer)",
            "17.011",
        ),
        (("how many hours in 2013 and 2014", "which was higher?"), "asked about: 2013", "3,031"),
        (
            ("how many hours in 2013 and 2014", "which of the two years had fewer hours"),
            "Fewest: 2014 (16,880 hours)",
            "3,031",
        ),
        # The years compared, then how far apart.
        (("brugte de flere timer i 2014 end i 2015", "hvor stor var forskellen"), "820 timer", ""),
        # A year the conversation is not about is left out of the whole table.
        (("hvor mange timer blev brugt i 2014?", "og uden 2016?"), "96.969", ""),
        # A year with no figure of its own is answered as a year.
        (("hvor mange timer er brugt i alt?", "uden 2011?"), "2011 alene", ""),
        # "lavere?" after two years compares them; "har du flere?" does not.
        (("hvor mange timer blev brugt i 2013 og 2014?", "lavere?"), "Færrest: 2014", ""),
        (("which year had more hours, 2013 or 2014?",), "Most hours of the years asked", ""),
        (("how many hours were used, except in 2014?",), "(reported): 83,120", ""),
    ],
)
def test_years_left_out_and_compared_where_asked(
    assistant: Assistant, messages: tuple[str, ...], said: str, not_said: str
) -> None:
    text = conversation(assistant, *messages)[-1][1]
    assert said in text
    assert not not_said or not_said not in text
