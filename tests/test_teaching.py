"""Learning from what people ask: suggest, learn and dismiss, on temporary copies only."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.cli import main
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, load_knowledge
from bot.matcher import Outcome as Answered
from bot.questionlog import LoggedQuestion, QuestionLog, new_question_id, open_for_reading
from bot.report import build_report
from bot.teaching import (
    Group,
    Phrasing,
    Skip,
    TeachingError,
    TeachingLog,
    dismiss,
    find_group,
    insert_phrasings,
    learn,
    learn_group,
    suggestions,
)

NOW = 1_800_000_000.0
BIN = Path(sys.executable).parent / "klippekort-bot"
ESDH = ("Hvad koster en ESDH snitflade?", "hvad koster ESDH snitfladen", "ESDH snitflade pris")


@pytest.fixture
def env(tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The settings the commands read: a question log, an audit and the copy, all temporary."""
    values = {
        "QUESTION_LOG": str(tmp_path / "data" / "questions.sqlite3"),
        "TEACHING_DB": str(tmp_path / "data" / "teaching.sqlite3"),
        "KLIPPEKORT_KNOWLEDGE": str(kb),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def fill_log(path: Path, extra: tuple[str, ...] = ()) -> None:
    log = QuestionLog(path, clock=lambda: NOW)

    def ask(
        text: str, outcome: str, entry: str | None = None, days_ago: float = 0, lang: str = "da"
    ) -> str:
        question_id = new_question_id()
        log.record(
            LoggedQuestion(
                question_id, NOW - days_ago * 86400, lang, "private", text, outcome, entry, 30
            )
        )
        return question_id

    for text in ESDH:
        ask(text, "unknown")
    ask("Hvem vandt VM i fodbold?", "unknown")
    ask("gammelt spørgsmål om ESDH", "unknown", days_ago=40)
    log.feedback(ask("Hvornår blev klippekortet lukket?", "answered", "status"), -1)
    log.feedback(ask("Hvor mange timer er der tilbage?", "answered", "remaining_hours"), +1)
    ask("Hvem er projektchef?", "answered", "contact")
    log.none_of_these(ask("timer", "suggested"))
    picked = ask("Hvem kan jeg ringe til om snitfladerne?", "suggested")
    log.suggestion_chosen(picked, "contact")
    for text in extra:
        ask(text, "unknown")
    assert log.flush()
    log.close()


def groups_of(log: Path, audit: TeachingLog | None = None, days: int = 30) -> list[Group]:
    assistant = Assistant(load_knowledge(DEFAULT_KNOWLEDGE_PATH))
    with open_for_reading(log) as db:
        return suggestions(db, assistant, audit, days, now=NOW)


def added_lines(before: str, after: str) -> list[str]:
    """The diff of two texts: the added lines; fails if any line was removed or changed."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert not [line for line in diff if line.startswith("- ")], "a line was removed or changed"
    return [line[2:] for line in diff if line.startswith("+ ")]


# -- suggestions ----------------------------------------------------------------------------------


def test_suggestions_group_the_questions_not_answered_well(tmp_path: Path) -> None:
    log = tmp_path / "q.sqlite3"
    fill_log(log)
    groups = groups_of(log)
    by_first = {group.questions[0]: group for group in groups}
    top = groups[0]
    assert top.count == 3
    assert set(top.questions) == set(ESDH)
    assert top.reasons == {"unanswered": 3}
    assert top.candidates[0].entry_id == "interface_costs"
    assert "interface" in top.candidates[0].concepts
    assert 1 <= len(top.candidates) <= 3
    scores = [candidate.score for candidate in top.candidates]
    assert scores == sorted(scores, reverse=True)
    # A 👎, "none of these" and a suggestion someone chose from all count; a good answer does not.
    assert by_first["Hvornår blev klippekortet lukket?"].reasons == {"thumbs_down": 1}
    assert by_first["timer"].reasons == {"suggested": 1, "none_of_these": 1}
    chosen = by_first["Hvem kan jeg ringe til om snitfladerne?"].candidates[0]
    assert (chosen.entry_id, chosen.chosen) == ("contact", 1)
    shown = {question for group in groups for question in group.questions}
    assert "Hvor mange timer er der tilbage?" not in shown
    assert "Hvem er projektchef?" not in shown
    assert "gammelt spørgsmål om ESDH" not in shown  # older than the 30 days


def test_group_ids_are_stable_and_shared_with_the_report(tmp_path: Path) -> None:
    first, second = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    fill_log(first)
    # More questions, asked later, some joining the group: its id stays.
    fill_log(second, extra=("Hvor meget koster ESDH snitfladen?", "Hvad er vejret i morgen?"))
    ids = {question: g.id for g in groups_of(first) for question in g.questions}
    later = {g.id: g for g in groups_of(second)}
    esdh = later[ids["Hvad koster en ESDH snitflade?"]]
    assert esdh.count == 4
    assert "Hvor meget koster ESDH snitfladen?" in esdh.questions
    assert ids["Hvem vandt VM i fodbold?"] in later
    with open_for_reading(first) as db:
        report = build_report(db, 30, now=NOW)
    assert report.unanswered[0].id == ids["Hvad koster en ESDH snitflade?"]


def test_suggest_json_prints_one_object_per_group(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fill_log(Path(env["QUESTION_LOG"]))
    assert main(["suggest", "--json", "--days", "100000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    objects = [json.loads(line) for line in lines]
    assert len(objects) >= 5
    for group in objects:
        assert {"id", "questions", "count", "candidates"} <= set(group)
        assert group["count"] >= len(group["questions"]) >= 1
        for candidate in group["candidates"]:
            assert isinstance(candidate["entry"], str)
            assert isinstance(candidate["score"], float | int)
    # The question 40 days old is in with --days 100000.
    assert any("gammelt spørgsmål om ESDH" in g["questions"] for g in objects)


def test_suggest_as_text_names_ids_and_likely_entries(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fill_log(Path(env["QUESTION_LOG"]))
    assert main(["suggest", "--days", "100000"]) == 0
    out = capsys.readouterr().out
    assert "3 × " in out
    assert "likely: interface_costs" in out
    assert "learn --group ID ENTRY" in out


def test_suggest_without_a_question_log_is_a_clear_error(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["suggest"]) == 2
    error = capsys.readouterr().err
    assert "cannot read the question log" in error
    assert "Traceback" not in error


# -- learning -------------------------------------------------------------------------------------


def test_learn_adds_exactly_one_line_to_the_entrys_list(kb: Path) -> None:
    before = kb.read_text(encoding="utf-8")
    outcome = learn(kb, "Hvad koster en ESDH snitflade?", "interface_costs", None)
    assert outcome.changed
    assert [(p.entry_id, p.language) for p in outcome.added] == [("interface_costs", "da")]
    after = kb.read_text(encoding="utf-8")
    assert added_lines(before, after) == ['        - "Hvad koster en ESDH snitflade?"']
    knowledge = load_knowledge(kb)
    assert knowledge.entries["interface_costs"].phrasings["da"][-1] == (
        "Hvad koster en ESDH snitflade?"
    )
    reply = Assistant(knowledge).reply("Hvad koster en ESDH snitflade?")
    assert (reply.outcome, reply.entry_id) == (Answered.ANSWERED, "interface_costs")


def test_learn_quotes_what_yaml_would_read_otherwise(kb: Path) -> None:
    before = kb.read_text(encoding="utf-8")
    tricky = 'ESDH: hvad er "prisen" # pr. år - [50%] & *ref?'
    assert learn(kb, tricky, "interface_costs", "da", force=True).changed
    assert len(added_lines(before, kb.read_text(encoding="utf-8"))) == 1
    # load_knowledge also checks that libyaml and the pure parser read the file the same.
    assert load_knowledge(kb).entries["interface_costs"].phrasings["da"][-1] == tricky


def test_learn_in_english_goes_to_the_english_list(kb: Path) -> None:
    outcome = learn(kb, "What does an ESDH interface cost?", "interface_costs", "en")
    assert outcome.added[0].language == "en"
    phrasings = load_knowledge(kb).entries["interface_costs"].phrasings
    assert phrasings["en"][-1] == "What does an ESDH interface cost?"


def test_learn_keeps_windows_line_ends(tmp_path: Path, kb: Path) -> None:
    crlf = tmp_path / "kb" / "crlf.yaml"
    crlf.write_bytes(kb.read_bytes().replace(b"\n", b"\r\n"))
    before = crlf.read_bytes()
    assert learn(crlf, "Hvad koster en ESDH snitflade?", "interface_costs", "da").changed
    after = crlf.read_bytes()
    assert after.count(b"\n") == before.count(b"\n") + 1
    assert b"\n" not in after.replace(b"\r\n", b"")


def test_a_phrasing_already_there_changes_nothing(
    kb: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = kb.read_bytes()
    outcome = learn(kb, "  hvor mange TIMER er der tilbage  ", "remaining_hours", "da")
    assert not outcome.changed
    assert outcome.skipped[0].reason is Skip.DUPLICATE
    assert main(["learn", "Hvor mange timer er der tilbage", "remaining_hours"]) == 1
    assert "already a phrasing of remaining_hours" in capsys.readouterr().out
    assert kb.read_bytes() == before


def test_a_phrasing_closer_to_another_entry_needs_force(
    kb: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = kb.read_bytes()
    outcome = learn(kb, "Hvad koster snitfladerne?", "contact", "da")
    skipped = outcome.skipped[0]
    assert skipped.reason is Skip.CLOSER
    assert skipped.other_entry == "interface_costs"
    assert skipped.other_score > skipped.own_score
    assert main(["learn", "Hvad koster snitfladerne?", "contact"]) == 1
    assert "sits closer to interface_costs" in capsys.readouterr().out
    assert kb.read_bytes() == before
    assert main(["learn", "Hvad koster snitfladerne?", "contact", "--force"]) == 0
    assert "Hvad koster snitfladerne?" in load_knowledge(kb).entries["contact"].phrasings["da"]


def test_unknown_entry_and_bad_phrasings_are_refused_clearly(
    kb: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = kb.read_bytes()
    assert main(["learn", "Hvad koster ESDH?", "interface_cost"]) == 2
    error = capsys.readouterr().err
    assert "no entry 'interface_cost'" in error
    assert "did you mean interface_costs" in error
    # A placeholder the loader does not know: the result would fail `check`, so nothing is written.
    with pytest.raises(TeachingError, match="would not pass check"):
        learn(kb, "Hvad koster ESDH i {month}?", "interface_costs", "da")
    outcome = learn(kb, "hej\x00der", "greeting", "da")
    assert outcome.skipped[0].reason is Skip.UNUSABLE
    # A phrasing naming what the card is not about would make such messages answered.
    outcome = learn(kb, "hvad laver KOMBIT ellers?", "purpose", "da", force=True)
    assert outcome.skipped[0].reason is Skip.UNUSABLE
    assert "other_matters" in outcome.skipped[0].detail
    assert main(["learn", "only one word"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert kb.read_bytes() == before


def test_concurrent_learners_both_keep_their_phrasing(kb: Path, env: dict[str, str]) -> None:
    phrasings = [
        ("Hvad koster en ESDH snitflade?", "interface_costs"),
        ("Hvad skal vi betale for ESDH integrationen?", "interface_costs"),
        ("What does the ESDH interface cost?", "interface_costs"),
        ("Hvem er den rette at ringe til om klippekortet?", "contact"),
    ]
    learners = [
        subprocess.Popen(
            [str(BIN), "learn", text, entry, "--force"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for text, entry in phrasings
    ]
    for learner in learners:
        out, err = learner.communicate(timeout=120)
        assert learner.returncode == 0, out + err
    entries = load_knowledge(kb).entries
    for text, entry in phrasings:
        assert text in [p for texts in entries[entry].phrasings.values() for p in texts]
    assert len(TeachingLog(Path(env["TEACHING_DB"])).history()) == len(phrasings)
    leftovers = [p.name for p in kb.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_file_that_cannot_be_written_is_a_clear_error(
    kb: Path,
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = kb.read_bytes()

    def refuse(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["learn", "Hvad koster en ESDH snitflade?", "interface_costs"]) == 2
    error = capsys.readouterr().err
    assert "cannot write the knowledge base" in error
    assert "Permission denied" in error
    assert "--knowledge" in error  # says what to do
    assert "Traceback" not in error
    assert kb.read_bytes() == before
    assert [p.name for p in kb.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert TeachingLog(Path(env["TEACHING_DB"])).history() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_a_read_only_file_is_a_clear_error(kb: Path, env: dict[str, str]) -> None:
    kb.chmod(0o444)
    kb.parent.chmod(0o555)
    try:
        result = subprocess.run(
            [str(BIN), "learn", "Hvad koster en ESDH snitflade?", "interface_costs"],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        kb.parent.chmod(0o755)
    assert result.returncode == 2
    assert "cannot write the knowledge base" in result.stderr
    assert "Traceback" not in result.stderr


def test_insert_into_a_flow_list_adds_the_item_only(kb: Path) -> None:
    text = kb.read_text(encoding="utf-8")
    entry = next(e for e in load_knowledge(kb).entries.values() if e.id == "thanks")
    new = insert_phrasings(text, [Phrasing("thanks", "da", "Tak for det, bot")])
    changed = [
        line for line in difflib.ndiff(text.splitlines(), new.splitlines()) if line[:1] in "+-"
    ]
    assert len(changed) == 2  # the one line of the flow list, before and after
    kb.write_text(new, encoding="utf-8")
    assert load_knowledge(kb).entries["thanks"].phrasings["da"] == (
        *entry.phrasings["da"],
        "Tak for det, bot",
    )


# -- groups, dismissing and the audit -------------------------------------------------------------


def test_learn_a_group_adds_its_wordings_and_hides_it(
    kb: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    log = Path(env["QUESTION_LOG"])
    fill_log(log)
    audit = TeachingLog(Path(env["TEACHING_DB"]))
    group = groups_of(log, audit, days=100000)[0]
    before = kb.read_text(encoding="utf-8")
    assert main(["learn", "--group", group.id, "interface_costs", "--days", "100000"]) == 0
    added = added_lines(before, kb.read_text(encoding="utf-8"))
    assert sorted(added) == sorted(f'        - "{q}"' for q in ESDH)  # a line for each wording
    assert group.id not in {g.id for g in groups_of(log, audit, days=100000)}
    history = audit.history()
    assert {r.group_id for r in history} == {group.id}
    assert {(r.who, r.action, r.entry_id) for r in history} == {("cli", "learn", "interface_costs")}
    capsys.readouterr()
    assert main(["suggest", "--history"]) == 0
    out = capsys.readouterr().out
    assert "cli  learn interface_costs (da)" in out
    assert f"[group {group.id}]" in out


def test_dismiss_drops_a_group_for_good(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    log = Path(env["QUESTION_LOG"])
    fill_log(log)
    audit = TeachingLog(Path(env["TEACHING_DB"]))
    football = next(g for g in groups_of(log, audit) if "fodbold" in g.questions[0])
    assert main(["dismiss", football.id]) == 0
    assert "dismissed group" in capsys.readouterr().out
    assert football.id not in {g.id for g in groups_of(log, audit)}
    # A new wording of the same question, asked later, does not bring the topic back.
    again = Path(env["QUESTION_LOG"]).with_name("again.sqlite3")
    fill_log(again, extra=("hvem vandt vm i fodbold",))
    assert not [g for g in groups_of(again, audit) if "fodbold" in " ".join(g.questions)]
    assert main(["dismiss", football.id]) == 2  # no longer listed
    assert "run `klippekort-bot suggest`" in capsys.readouterr().err
    assert main(["suggest", "--history", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["action"], r["group_id"], r["who"]) for r in records] == [
        ("dismiss", football.id, "cli")
    ]


def test_the_audit_names_an_admin_and_a_taught_question_is_no_longer_suggested(
    tmp_path: Path, kb: Path
) -> None:
    log = tmp_path / "q.sqlite3"
    fill_log(log)
    audit = TeachingLog(tmp_path / "teaching.sqlite3", clock=lambda: NOW)
    outcome = learn(kb, "Hvem vandt VM i fodbold?", "who", "da", True, audit=audit, who="4242")
    assert outcome.changed
    assert "Hvem vandt VM i fodbold?" not in {q for g in groups_of(log, audit) for q in g.questions}
    group = find_group(groups_of(log, audit), groups_of(log, audit)[0].id)
    dismiss(audit, group, who="4242")
    history = audit.history()
    assert [(r.who, r.action) for r in history] == [("4242", "dismiss"), ("4242", "learn")]
    assert history[1].phrasing == "Hvem vandt VM i fodbold?"
    # The audit names people, so it expires.
    later = TeachingLog(audit.path, retention_days=1, clock=lambda: NOW + 2 * 86400)
    assert later.history() == []


def test_learn_group_skips_what_is_known_and_what_belongs_elsewhere(
    tmp_path: Path, kb: Path
) -> None:
    log = tmp_path / "q.sqlite3"
    fill_log(log, extra=("Hvor mange timer er der tilbage", "hvor mange timer er der tilbage?"))
    audit = TeachingLog(tmp_path / "teaching.sqlite3")
    known = next(g for g in groups_of(log, audit) if "tilbage" in g.questions[0])
    before = kb.read_bytes()
    outcome = learn_group(kb, known, "remaining_hours", audit=audit)
    assert not outcome.changed
    assert {s.reason for s in outcome.skipped} == {Skip.DUPLICATE}
    assert kb.read_bytes() == before
    # All of it known already: the group is done with.
    assert known.id not in {g.id for g in groups_of(log, audit)}


# -- the learning curve ---------------------------------------------------------------------------


def test_learning_curve_teaches_a_copy_and_prints_aggregates_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.evaluation import DEV_SETS, learning_curve, load_sets, print_learning_curve

    # The dev set stands in for the held-out one here; `make eval` runs it on the held-out set.
    # The last 240: the hardest sets, so that the first half has misses to teach.
    questions = [q for q in load_sets(DEV_SETS) if not q.before][-240:]
    shipped = DEFAULT_KNOWLEDGE_PATH.read_bytes()
    curve = learning_curve(None, questions)
    assert DEFAULT_KNOWLEDGE_PATH.read_bytes() == shipped  # only a temporary copy was taught
    assert curve.first_half == 120
    assert curve.misses > 0
    assert curve.taught + sum(curve.refused.values()) == curve.misses
    assert curve.before.in_domain.total == curve.after.in_domain.total > 0
    # What was taught is then answered (a refused miss or two may still be missed).
    first_before = curve.first_after.in_domain.total - curve.misses
    assert curve.first_after.in_domain.right >= first_before + curve.taught - 5
    print_learning_curve(curve)
    out = capsys.readouterr().out
    assert "second half before" in out
    assert "second half after" in out
    assert not [q.text for q in questions if len(q.text) > 12 and q.text in out]


def test_suggestions_can_be_limited_to_the_most_asked(tmp_path: Path) -> None:
    log = tmp_path / "q.sqlite3"
    fill_log(log)
    assistant = Assistant(load_knowledge(DEFAULT_KNOWLEDGE_PATH))
    with open_for_reading(log) as db:
        every = suggestions(db, assistant, days=30, now=NOW)
        two = suggestions(db, assistant, days=30, now=NOW, limit=2)
    assert len(every) > 2
    assert two == every[:2]


def test_the_audit_lives_beside_the_question_log_unless_told() -> None:
    from bot.teaching import teaching_db_path

    assert teaching_db_path({}) == Path("data") / "teaching.sqlite3"
    assert teaching_db_path({"QUESTION_LOG": "/srv/bot/q.sqlite3"}) == Path(
        "/srv/bot/teaching.sqlite3"
    )
    assert teaching_db_path({"QUESTION_LOG": "off"}) == Path("data") / "teaching.sqlite3"
    assert teaching_db_path({"TEACHING_DB": "/x/audit.db", "QUESTION_LOG": "/srv/q.db"}) == Path(
        "/x/audit.db"
    )
