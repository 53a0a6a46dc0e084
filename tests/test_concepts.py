"""Concepts: synonyms listed once in the knowledge base, used on both sides of matching."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.matcher import Concepts, Outcome
from tests.conftest import line_of

CONCEPTS_HEADER = "concepts:\n"


def with_concepts(kb_text: str, block: str) -> str:
    """The knowledge base with its concepts section replaced by `block`."""
    start = kb_text.index(CONCEPTS_HEADER)
    end = kb_text.index("\n# Sections of the source text")
    return kb_text[:start] + CONCEPTS_HEADER + block + kb_text[end:]


@pytest.mark.parametrize(
    ("block", "fragment", "reason"),
    [
        (
            "  cost:\n    da: [pris, regning]\n    en: [fee, fee]\n",
            "en: [fee, fee]",
            "concept 'cost', en: 'fee' is listed twice",
        ),
        (
            "  cost:\n    da: [pris, regning]\n  bill:\n    en: [invoice, regning]\n",
            "en: [invoice, regning]",
            "concept 'bill', en: 'regning' is also in concept 'cost'",
        ),
        ("  cost:\n    da: []\n", "da: []", "concept 'cost' lists no words"),
        ("  Cost:\n    da: [pris]\n", "da: [pris]", "concept 'Cost' must be lower-case"),
        ("  cost:\n    da: [pris, '...']\n", "da: [pris, '...']", "'...' has no words"),
    ],
    ids=["duplicate", "two-concepts", "empty", "bad-name", "no-words"],
)
def test_check_refuses_a_broken_concept_with_file_and_line(
    kb_text: str, write_kb: Callable[[str], Path], block: str, fragment: str, reason: str
) -> None:
    text = with_concepts(kb_text, block)
    path = write_kb(text)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert problems[0].file == str(path)
    assert problems[0].line == line_of(text, fragment)
    assert reason in problems[0].reason


def test_a_word_may_stand_in_both_languages_of_one_concept(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    block = "  interface:\n    da: [integration]\n    en: [integration]\n"
    knowledge = load_knowledge(write_kb(with_concepts(kb_text, block)))
    assert knowledge.concepts == {"interface": {"da": ("integration",), "en": ("integration",)}}


def test_expressions_and_inflections_read_as_the_concept() -> None:
    concepts = Concepts({"contact": {"da": ["fat i", "kontakt"], "en": ["get hold of"]}})
    assert concepts.fold("hvordan faar jeg fat i jer".split()) == [
        "hvordan", "faar", "jeg", "~contact", "jer",
    ]  # fmt: skip
    assert concepts.fold("who can i get hold of".split()) == ["who", "can", "i", "~contact"]
    assert concepts.fold("fat".split()) == ["fat"]  # the expression's first word alone is not it
    stem = next(s for s, token in concepts.by_stem["da"].items() if token == "~contact")
    assert Concepts({}).fold(["kontakten"]) == ["kontakten"]
    assert "kontakten".startswith(stem)  # so "kontakten" meets the concept through its stem


def test_an_inflected_form_meets_its_concept_but_a_word_sharing_only_the_stem_does_not() -> None:
    concepts = Concepts({"remaining": {"da": ["ledige"]}, "size": {"da": ["størrelse"]}})
    assert concepts.named("ledig", "led", "da") == "~remaining"
    assert concepts.named("led", "led", "da") == "~remaining"
    # "leder" (a manager) has the stem of "ledige" but is another word.
    assert concepts.named("leder", "led", "da") == "led"
    # A longer stem is the word's own: "charging" is a charge, whatever letter follows.
    assert concepts.named("storrelsen", "stor", "da") == "~size"
    charge = Concepts({"cost": {"en": ["charge"]}})
    assert charge.named("charging", "charg", "en") == "~cost"
    assert concepts.named("hvad", "hvad", "da") == "hvad"


def test_a_manager_named_in_a_message_is_no_balance(assistant: Assistant) -> None:
    index = assistant.matcher.index_of["da"]
    assert assistant.matcher.prepare(index, ["min", "leder"]) == ["led"]
    assert assistant.matcher.prepare(index, ["ledige", "timer"]) == ["~remaining", "~hours"]


def test_a_preposition_at_the_end_reads_with_its_verb() -> None:
    concepts = Concepts({"purpose": {"da": ["brugte … til"], "en": ["spent ... on"]}})
    # "til" ends the question one to four words after its verb: "what for".
    assert concepts.fold("hvad brugte de de mange timer til".split()) == [
        "hvad", "~purpose", "de", "de", "mange", "timer",
    ]  # fmt: skip
    assert concepts.fold("what did they spent the hours on".split()) == [
        "what", "did", "they", "~purpose", "the", "hours",
    ]  # fmt: skip
    # With nothing between, the phrasings say it whole ("what are the interfaces used for?").
    assert concepts.fold("hvad blev de brugte til".split())[-1] == "til"
    # Written without a gap, an expression is found only as it stands.
    assert "~purpose" not in Concepts({"p": {"da": ["brugt til"]}}).fold("brugt de til".split())
    # A particle goes with the preposition: "hvad gik klippekortet ud på?".
    about = Concepts({"about": {"da": ["gik … ud på"]}})
    assert about.fold("hvad gik klippekortet ud paa".split()) == ["hvad", "~about", "klippekortet"]
    # Not inside a question, nor further from its verb.
    assert "~purpose" not in concepts.fold("brugt af kommunen til snitflader".split())
    assert "~purpose" not in concepts.fold("brugt af de fem store kommuner i alt til".split())


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("og hvad brugte de dem til", "purpose"),
        ("what did they spend the hours on", "purpose"),
    ],
)
def test_a_question_ending_in_its_preposition_asks_what_for(
    assistant: Assistant, text: str, entry: str
) -> None:
    assert assistant.reply(text).entry_id == entry
    # Not a preposition inside the question: how many hours went to something.
    assert assistant.reply("hvor mange timer gik til snitflader i 2014").entry_id != "purpose"


def test_a_synonym_no_phrasing_uses_is_answered_through_its_concept(
    knowledge: KnowledgeBase,
) -> None:
    question = "er der en afgift for webservices?"
    words = {
        w.strip("?.,").lower()
        for e in knowledge.entries.values()
        for texts in e.phrasings.values()
        for p in texts
        for w in p.split()
    }
    assert not {"afgift", "webservices"} & words  # only the concepts know these words
    with_concepts_ = Assistant(knowledge).reply(question, "da")
    without = Assistant(dataclasses.replace(knowledge, concepts={})).reply(question, "da")
    assert with_concepts_.outcome is Outcome.ANSWERED
    assert with_concepts_.entry_id == "interface_costs"
    assert without.entry_id != "interface_costs" or without.outcome is not Outcome.ANSWERED


def test_a_plain_spelling_inside_an_expression_is_still_mended(assistant: Assistant) -> None:
    # "hvornår blev KMD solgt" is also found typed "hvornar blev kmd solgt", but "hvornar"
    # alone stays a slip to mend, so "hvornar blev klipekortet afsluttet" is still understood.
    matcher = assistant.matcher
    assert "hvornar" not in matcher.concepts.words
    assert matcher.correct(matcher.index_of["da"], ["hvornar"]) == ["hvornaar"]
    assert assistant.reply("hvornar blev klipekortet afsluttet").entry_id == "status"
    assert assistant.reply("hvornar blev kmd solgt").entry_id is None


def test_a_concept_met_only_through_a_filler_inside_an_expression_is_found() -> None:
    # Were "single" a filler word, "most hours in a single year?" would hold "in a year", and
    # the concept of time in general would no longer name something the card is not about.
    from bot.matcher import concepts_met_only_indirectly

    knowledge = load_knowledge()
    plain = Concepts(knowledge.concepts, frozenset({"a"}))
    assert concepts_met_only_indirectly(plain, knowledge.entries) == {}
    loose = Concepts(knowledge.concepts, frozenset({"a", "single"}))
    met = concepts_met_only_indirectly(loose, knowledge.entries)
    assert ("busiest_year", "most hours in a single year?") in met["time_in_general"]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("hvem underskrev transitionsaftalen", "transition_agreement"),
        ("who entered into the transition agreement", "transition_agreement"),
        ("er der budget tilbage på klippekortet", "remaining_hours"),
        ("må alle leverandører bruge APIerne", "interface_access"),
        ("do we have to pay for the APIs developed under klippekortet", "interface_costs"),
        ("hvem skal underskrive vores kontrakt med kommunen", None),
        ("I can't sign in", None),
        ("hvor mange timer har vi tilbage på vores eget klippekort hos KMD", None),
        ("how many hours do we have left on our own klippekort", None),
        ("hvor mange timer er der tilbage af året", None),
        ("hvem betalte for klippekortet", None),
        ("hvad kostede en time på klippekortet", None),
        ("hvad koster basismodulet", None),
        ("when did KMD get sold", None),
        ("what else does KOMBIT do?", None),
        ("who else works at KOMBIT?", None),
        ("hvorfor blev KMD solgt", None),
        ("hvad kostede kmd", None),
        ("how many more hours are left?", "remaining_hours"),
        ("what's the project manager's name", "contact"),
        ("kan vi stadig bestille en ny snitflade over klippekortet?", "remaining_hours"),
        ("blev der lavet andet end snitflader", "purpose"),
        ("faldt forbruget over årene", "usage"),
        ("yo hvor mange timer er der tilbage lol", "remaining_hours"),
        ("kom klippekortet ud af en aftale dengang KMD blev privatiseret?", "transition_agreement"),
        ("var 2014 eller 2015 året hvor klippekortet blev brugt hårdest?", "busiest_year"),
        ("what was the sale price of KMD", None),
        ("er snitfladerne en del af basismodulet", "interface_costs"),
        ("er snitfladerne stadig i drift", "interface_access"),
        ("what did they spend the hours on", "purpose"),
        ("how many hours are left in the sprint", None),
        ("how many hours left until the deadline", None),
        ("hvor mange timer har vi tilbage på konsulentaftalen", None),
        ("jeg har et klippekort til færgen, hvor mange klip er der tilbage", None),
        ("hvem er formand for KL nu", None),
        ("vi vil gerne have en rammeaftale med KL, hvem skal vi skrive til?", None),
        ("vi har købt et klippekort på 50 timer hos et softwarehus, hvor mange er brugt?", None),
        ("hvad tjener en projektchef", None),
        ("what did the 2015 satisfaction survey among IT managers find?", None),
        ("hvad siger udbudsreglerne om kontrakter under 500.000 kr", None),
    ],
)
def test_concepts_of_everyday_words(assistant: Assistant, text: str, entry: str | None) -> None:
    reply = assistant.reply(text)
    assert (reply.entry_id if reply.outcome is Outcome.ANSWERED else None) == entry
