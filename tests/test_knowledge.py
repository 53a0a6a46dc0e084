"""The loader accepts the real knowledge base and refuses broken ones with file, line and reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase, KnowledgeError, Problem, load_knowledge
from bot.matcher import CONCEPT_MARK
from tests.conftest import line_of


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path)
    return caught.value.problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    assert problems[0].file == str(path)
    return problems[0]


def test_real_knowledge_base_loads(knowledge: KnowledgeBase) -> None:
    assert knowledge.languages == ("da", "en")
    assert {"remaining_hours", "usage", "interface_costs", "contact"} <= set(knowledge.entries)
    facts = knowledge.facts
    assert facts.pool_hours == 100_000
    assert facts.reported_total == 100_000
    assert facts.used_total == 100_728
    assert facts.remaining_hours == 0
    assert (facts.closed_year, facts.closed_month) == (2016, 6)
    period = facts.usage[0]
    assert (period.first_year, period.last_year, period.used, period.reported) == (
        2010,
        2012,
        47_746,
        47_018,
    )
    assert [row.used for row in facts.usage[1:]] == [17_011, 16_880, 16_060, 3_031]


def test_core_topics_have_at_least_ten_phrasings_per_language(knowledge: KnowledgeBase) -> None:
    for entry_id in ("remaining_hours", "usage", "interface_costs", "contact"):
        for language in ("da", "en"):
            assert len(knowledge.entries[entry_id].phrasings[language]) >= 10, (entry_id, language)


def test_yaml_syntax_error_names_its_line(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    target = line_of(kb_text, "pool_hours: 100000")
    lines = kb_text.splitlines()
    lines[target - 1] = "  pool_hours: [100000"
    problem = problems_of(write_kb("\n".join(lines)))[0]
    assert "YAML syntax error" in problem.reason
    assert target <= problem.line <= target + 2


def test_missing_field(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace('    phone: "3334 9432"\n', "")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "    role: {da: projektchefen")
    assert "facts.contact: missing field 'phone'" in problem.reason


def test_unknown_field(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("    slot: period\n", "    slot: period\n    colour: blue\n")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "colour: blue")
    assert "unknown field 'colour'" in problem.reason


def test_a_holder_must_be_one_of_the_organisations(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    text = kb_text.replace("holders: [kl, kombit]", "holders: [kl, kommunen]", 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "holders: [kl, kommunen]")
    assert "holders: 'kommunen' is not one of the organisations" in problem.reason


def test_an_unknown_slot_is_refused(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("    slot: extremes\n", "    slot: busiest\n", 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "slot: busiest")
    assert (
        "unknown slot 'busiest' (only 'period' or 'extremes' or 'end' or 'pool' or 'document')"
        in problem.reason
    )


def test_wrong_type(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("pool_hours: 100000", "pool_hours: many")
    problems = problems_of(write_kb(text))
    assert problems[0].line == line_of(text, "pool_hours: many")
    assert "must be a whole number" in problems[0].reason


def test_duplicate_id(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("  - id: pool_size", "  - id: contact")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "  - id: contact", occurrence=2)
    assert "duplicate entry id 'contact'" in problem.reason


def test_an_entry_id_too_long_for_a_button_is_refused(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    # An entry's id travels in Telegram button data (64 bytes with the action, the language
    # and a group's id), so 40 characters is the most.
    long_id = "greeting_" + "x" * 32
    assert len(long_id) == 41
    assert kb_text.count("  - id: greeting\n") == 1
    text = kb_text.replace("  - id: greeting\n", f"  - id: {long_id}\n")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, f"  - id: {long_id}")
    assert "is longer than 40 characters" in problem.reason
    assert load_knowledge(write_kb(text.replace(long_id, long_id[:40]), "ok.yaml"))


def test_duplicate_key(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("schema: 1\n", "schema: 1\nschema: 1\n")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "schema: 1", occurrence=2)
    assert "duplicate key 'schema'" in problem.reason


def test_unknown_related_entry(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("related: [usage, status]", "related: [usage, nowhere]")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "nowhere")
    assert "unknown entry 'nowhere'" in problem.reason


def test_unknown_source(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("    source: costs\n", "    source: invoices\n")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "source: invoices")
    assert "unknown source 'invoices'" in problem.reason


def test_unresolved_placeholder(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("Kontakt {contact_role} på tlf.", "Kontakt {contact_name} på tlf.")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "{contact_name}")
    assert "'{contact_name}' does not resolve" in problem.reason


def test_missing_language(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("    title: {da: Kontakt, en: Contact}", "    title: {da: Kontakt}")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "title: {da: Kontakt}")
    assert "missing field 'en'" in problem.reason


def test_reported_usage_must_add_up_to_the_pool(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    text = kb_text.replace("used: 47746, reported: 47018", "used: 47746")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, '{period: "2010-2012"')
    assert "adds up to 100728 hours, not the pool of 100000" in problem.reason


def test_chitchat_may_not_state_a_figure(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace('"Selv tak! Spørg', '"Selv tak! Der er 0 timer. Spørg')
    problem = only_problem(write_kb(text))
    assert "chit-chat answer (da) states a figure" in problem.reason


def test_required_entry_missing(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    start = kb_text.index("  - id: contact")
    end = kb_text.index("  - id: what_is")
    text = kb_text[:start] + kb_text[end:]
    text = text.replace("contact]", "pool_size]").replace("contact,", "pool_size,")
    text = text.replace(", contact]", "]")
    problems = problems_of(write_kb(text))
    assert any("required entry 'contact' is missing" in p.reason for p in problems), problems


def test_every_problem_is_reported_in_one_run(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    text = kb_text.replace("related: [usage, status]", "related: [usage, nowhere]")
    text = text.replace("    source: costs\n", "    source: invoices\n")
    problems = problems_of(write_kb(text))
    assert len(problems) == 2
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert str(problems[0]).startswith(f"{problems[0].file}:{problems[0].line}: ")


def test_missing_and_empty_files(tmp_path: Path, write_kb: Callable[[str], Path]) -> None:
    assert "file not found" in only_problem(tmp_path / "nope.yaml").reason
    assert "empty" in only_problem(write_kb("")).reason
    assert "must be a mapping" in only_problem(write_kb("- just\n- a list\n")).reason


@pytest.mark.parametrize(
    ("fact", "written_out", "template_line"),
    [
        # The README's own example: a figure in an answer goes stale when the facts change.
        ("Der er {remaining_hours} timer", "Der er 5 timer", "      da: >-"),
        ("derfor afsluttet i {closed}.", "derfor afsluttet i juni 2016.", "      da: >-"),
        ("I {period} blev der brugt {used} timer", "I 2014 blev der brugt 16880 timer", None),
    ],
)
def test_answers_name_facts_only_as_placeholders(
    kb_text: str,
    write_kb: Callable[[str], Path],
    fact: str,
    written_out: str,
    template_line: str | None,
) -> None:
    assert kb_text.count(fact) == 1
    text = kb_text.replace(fact, written_out)
    problem = only_problem(write_kb(text))
    line = line_of(text, written_out)
    # A folded text is reported at its first line, like any other problem of the template.
    if template_line is not None:
        line = max(n for n, t in enumerate(text.splitlines()[:line], 1) if t == template_line)
    assert problem.line == line
    assert "(da) states a figure" in problem.reason
    assert "{placeholders}" in problem.reason


def test_a_variant_may_not_write_out_a_figure(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    text = kb_text.replace(
        '"In {period}, {used} hours of Klippekortet were used."',
        '"In {period}, 100 hours of Klippekortet were used."',
    )
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "100 hours of Klippekortet")
    assert "variants.single_year (en) states a figure ('100')" in problem.reason


def test_a_dated_answer_is_for_an_entry_that_takes_no_period(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    dated = "    dated_answer: {da: Ingen saldo pr. år., en: No balance per year.}\n"
    text = kb_text.replace("    slot: period\n", "    slot: period\n" + dated, 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "dated_answer:", 2)
    assert "dated_answer is for an entry that takes no period" in problem.reason


def test_only_chit_chat_is_a_reaction(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("    slot: period\n", "    slot: period\n    reaction: true\n", 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "reaction: true")
    assert "reaction is for a chit-chat entry" in problem.reason


def test_chit_chat_has_no_named_answer(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    named = "    named_answer: {da: Ikke KMD's., en: Not KMD's.}\n"
    text = kb_text.replace("    chitchat: true\n", "    chitchat: true\n" + named, 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "named_answer: {da: Ikke")
    assert "chit-chat has no named_answer" in problem.reason


def test_a_named_answer_states_no_figure(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace(
        "Det eneste nummer i den er til {contact_role} for Klippekortet: tlf. {contact_phone}.",
        "Det eneste nummer i den er 3334 9432.",
        1,
    )
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "Det eneste nummer i den er 3334 9432.")
    assert "named_answer" in problem.reason


def test_yearly_only_words_are_lists_per_language(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    text = kb_text.replace("  en: [january,", "  fr: [janvier,", 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "  fr: [janvier,")
    assert "yearly_only" in problem.reason


def test_a_subject_is_given_in_every_language(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    text = kb_text.replace(
        "subject: {da: snitfladerne, en: the interfaces}", "subject: {da: snitfladerne}", 1
    )
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "subject: {da: snitfladerne}")
    assert "subject" in problem.reason


def test_a_phrasing_that_says_an_off_topic_concept_is_refused(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    phrasing = "        - did they do anything besides the interfaces?\n"
    anchor = "        - What do the interfaces cost?\n"
    text = kb_text.replace(anchor, anchor + phrasing, 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "- did they do anything besides the interfaces?")
    assert "says the off-topic concept 'other_matters'" in problem.reason


def test_an_off_topic_concept_typed_without_aeoeaa_is_refused_too(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    phrasing = "        - hvad er prisen pa timerne\n"
    anchor = "        - What do the interfaces cost?\n"
    text = kb_text.replace(anchor, anchor + phrasing, 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "- hvad er prisen pa timerne")
    assert "off-topic concept 'hourly_rate'" in problem.reason


def test_organisations_are_neutral_words(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("organisations: [kmd,", "organisations: [netcompany, kmd,", 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "organisations: [netcompany,")
    assert "organisations: 'netcompany' is not one of the neutral_words" in problem.reason


def test_off_topic_names_concepts(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("off_topic: [time_in_general,", "off_topic: [weather, time_in_general,")
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "off_topic: [weather,")
    assert "off_topic: 'weather' is not one of the concepts" in problem.reason


def test_the_off_topic_concepts_are_those_no_phrasing_uses(assistant: Assistant) -> None:
    listed = {CONCEPT_MARK + name for name in assistant.knowledge.off_topic}
    assert listed == assistant.matcher.foreign_concepts


def test_a_card_name_must_be_a_neutral_word(kb_text: str, write_kb: Callable[[str], Path]) -> None:
    text = kb_text.replace("card_names: [klippekort,", "card_names: [klipkort,", 1)
    problem = only_problem(write_kb(text))
    assert problem.line == line_of(text, "card_names: [klipkort")
    assert "'klipkort' is not one of the neutral_words" in problem.reason


def test_chitchat_may_give_a_sample_year(knowledge: KnowledgeBase) -> None:
    assert "2014" in knowledge.entries["help"].answer["da"]


def test_nul_character_is_reported_by_line_and_column(
    kb_text: str, write_kb: Callable[[str], Path]
) -> None:
    target = line_of(kb_text, "pool_hours: 100000")
    lines = kb_text.splitlines()
    column = lines[target - 1].index("100000") + 1
    lines[target - 1] = lines[target - 1].replace("100000", "\0" + "100000")
    path = write_kb("\n".join(lines) + "\n")
    problem = only_problem(path)
    assert (problem.line, problem.column) == (target, column)
    assert "U+0000" in problem.reason
    assert str(problem).startswith(f"{path}:{target}:{column}: ")


def test_non_utf8_bytes_are_reported_by_line_and_column(kb_text: str, tmp_path: Path) -> None:
    target = line_of(kb_text, "Hvem står bag?")
    lines = kb_text.splitlines()
    # Characters, not bytes, before the bad one: an editor's column.
    column = lines[target - 1].index("står") + 3
    path = tmp_path / "latin1.yaml"
    data = kb_text.encode("utf-8")
    good = "Hvem står bag?".encode()
    path.write_bytes(data.replace(good, "Hvem står bag?".encode("latin-1")))
    problem = only_problem(path)
    assert (problem.line, problem.column) == (target, column)
    assert "not UTF-8" in problem.reason
    assert "e5" in problem.reason  # the byte latin-1 writes for å
    assert str(problem).startswith(f"{path}:{target}:{column}: ")
