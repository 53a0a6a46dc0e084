"""The command line, run as a user runs it: a subprocess of the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.knowledge import DEFAULT_KNOWLEDGE_PATH
from tests.conftest import line_of

BIN = Path(sys.executable).parent / "klippekort-bot"


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = BIN.parent
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment.pop("KLIPPEKORT_KNOWLEDGE", None)
    environment.update(env or {})
    return subprocess.run(
        [str(BIN), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
        cwd=cwd,  # by default away from any .env with a token in the working copy
    )


def test_ask_json_from_stdin() -> None:
    result = run("ask", "--json", stdin="Hvor mange timer blev brugt i 2014?\n")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["entry"] == "usage"
    assert "16.880" in answer["answer"]
    assert answer["language"] == "da"
    assert 0 <= answer["score"] <= 100
    assert answer["suggestions"] == []
    assert set(answer) >= {"question", "entry", "score", "language", "answer", "suggestions"}
    assert "<" not in answer["answer"]


def test_ask_answers_each_line_in_order() -> None:
    questions = ["Hvad koster snitfladerne?", "", "Who can I contact?", "Hvem vandt VM i 2014?"]
    result = run("ask", "--json", stdin="\n".join(questions) + "\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == [q for q in questions if q]
    assert [a["entry"] for a in answers] == ["interface_costs", "contact", None]
    assert answers[1]["language"] == "en"


def test_ask_question_as_arguments_plain_text() -> None:
    result = run("ask", "--lang", "en", "hvor", "mange", "timer", "er", "der", "tilbage")
    assert result.returncode == 0
    assert result.stdout.startswith("Der er 0 timer tilbage")
    assert "Kilde:" in result.stdout


def test_check_valid_file() -> None:
    result = run("check")
    assert result.returncode == 0
    assert "OK" in result.stdout
    assert "adding up to 100,000 of 100,000 hours" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_check_warns_of_a_concept_phrasings_meet_only_through_a_stem(tmp_path: Path) -> None:
    # Danish "programmering" stems as English "programm", as "programme" does in phrasings.
    copy = tmp_path / "knowledge.yaml"
    text = DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8")
    listed = 'da: [kildekode, "skrive'
    copy.write_text(text.replace(listed, 'da: [kildekode, programmering, "skrive'))
    result = run("check", str(copy))
    assert result.returncode == 0
    line = line_of(copy.read_text(), "  programming:")
    assert f"{copy}:{line}: warning: concept 'programming' is in no phrasing" in result.stderr
    assert "programme (" in result.stderr
    assert run("check").stderr == ""


def test_ask_stops_quietly_when_the_reader_goes_away() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    process = subprocess.Popen(
        [str(BIN), "ask"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        cwd=BIN.parent,
    )
    assert process.stdin
    assert process.stdout
    assert process.stderr
    process.stdin.write(b"Hvad er klippekortet?\n" * 2000)
    process.stdin.close()
    process.stdout.readline()  # like `| head -1`: read one line, then close the pipe
    process.stdout.close()
    assert process.wait(timeout=60) == 141
    assert process.stderr.read().decode() == ""
    process.stderr.close()


def test_check_broken_copy_names_file_line_and_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace("related: [usage, status]", "related: [usage, nowhere]"))
    line = line_of(broken.read_text(), "nowhere")
    result = run("check", str(broken))
    assert result.returncode == 2
    assert f"{broken}:{line}: entry 'remaining_hours' relates to unknown entry 'nowhere'" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_knowledge_option_and_environment_pick_another_file(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    text = DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8")
    other.write_text(text.replace('phone: "3334 9432"', 'phone: "1234 5678"'))
    by_option = run("ask", "--knowledge", str(other), "Hvem kan jeg kontakte?")
    assert "1234 5678" in by_option.stdout
    by_env = run("ask", "Hvem kan jeg kontakte?", env={"KLIPPEKORT_KNOWLEDGE": str(other)})
    assert "1234 5678" in by_env.stdout


def test_broken_knowledge_base_refuses_to_answer(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema: [1\n")
    result = run("ask", "--knowledge", str(broken), "hej")
    assert result.returncode == 2
    assert f"{broken}:" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_command_without_terminal_is_a_clear_error() -> None:
    result = run(stdin="")
    assert result.returncode == 2
    assert "ask" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_turns_suggestions_into_numbered_choices() -> None:
    result = run("chat", stdin="Hvad koster snitfladerne?\n1\nafslut\n")
    assert result.returncode == 0, result.stderr
    assert "uden yderligere driftsvederlag" in result.stdout
    assert "Se også:" in result.stdout
    assert "1. Leverandørers adgang til snitflader" in result.stdout
    # Choosing 1 answers the first related entry.
    assert "Leverandørerne har nu adgang" in result.stdout


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "hej"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert json.loads(result.stdout)["entry"] == "greeting"


def test_check_keeps_the_build_of_the_knowledge_base_in_use(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    copy = tmp_path / "copy.yaml"
    copy.write_text(DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert run("check", str(copy), env={"KLIPPEKORT_CACHE": str(cache)}).returncode == 0
    assert not cache.exists()  # another file, checked on its own: nothing kept
    result = run("check", env={"KLIPPEKORT_CACHE": str(cache), "KLIPPEKORT_KNOWLEDGE": str(copy)})
    assert result.returncode == 0, result.stderr
    (stored,) = cache.glob("*.pickle")
    stored.unlink()
    # The same file named relative to where the command runs is the one in use too.
    env = {"KLIPPEKORT_CACHE": str(cache), "KLIPPEKORT_KNOWLEDGE": str(copy)}
    assert run("check", "copy.yaml", env=env, cwd=tmp_path).returncode == 0
    assert len(list(cache.glob("*.pickle"))) == 1
