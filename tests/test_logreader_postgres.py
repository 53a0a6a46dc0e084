"""Reading the question log from PostgreSQL (DATABASE_URL) as from SQLite: the same rows give
the same report and the same suggestions; `report` and `suggest` follow DATABASE_URL (and
`--log PATH` still reads an SQLite file); /stats and /ubesvarede read what every replica wrote;
a database that cannot be read is one polite line, without the password."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.assistant import Assistant
from bot.logreader import LogReader, LogReadError, open_reader, reader_from_environment
from bot.questionlog import LoggedQuestion, QuestionLog
from bot.report import build_report, render_report
from bot.teaching import Group, suggestions
from tests.postgres import free_port
from tests.telegram_helpers import offline_bot, ui

NOW = 1_800_000_000.0
BIN = Path(sys.executable).parent / "klippekort-bot"
ADMIN_ID = 5_550_001
PASSWORD = "s3cret-pw"

asyncio_test = pytest.mark.asyncio(loop_scope="function")


def rows(now: float = NOW) -> list[tuple[LoggedQuestion, list[tuple[str, object]]]]:
    """Questions with what happened to them later: many in one second, so that only a fixed
    order, not the order of storage, makes two databases agree."""
    made: list[tuple[LoggedQuestion, list[tuple[str, object]]]] = []

    def ask(
        text: str,
        outcome: str = "unknown",
        entry: str | None = None,
        *,
        days_ago: float = 0,
        language: str = "da",
        chat: str = "private",
        then: Iterable[tuple[str, object]] = (),
    ) -> None:
        number = len(made)
        question = LoggedQuestion(
            f"q{number:03d}", now - days_ago * 86400, language, chat, text, outcome, entry, 31.25
        )
        made.append((question, list(then)))

    for text in ("Hvad koster en ESDH snitflade?", "hvad koster ESDH snitfladen", "ESDH pris"):
        ask(text)
    for _ in range(2):
        ask("Hvem vandt VM i fodbold?", chat="group")
    ask("Who won the world cup?", language="en")
    ask("gammelt spørgsmål om ESDH", days_ago=40)
    ask("Hvornår blev klippekortet lukket?", "answered", "status", then=[("feedback", -1)])
    ask("When did it close?", "answered", "status", language="en", then=[("feedback", -1)])
    ask("Hvor mange timer er der tilbage?", "answered", "remaining_hours", then=[("feedback", 1)])
    ask("Hvem er projektchef?", "answered", "contact", chat="inline", then=[("feedback", 1)])
    ask("timer", "suggested", then=[("none", True)])
    ask("timerne", "suggested", then=[("none", True)])
    ask("Hvem kan jeg ringe til om snitfladerne?", "suggested", then=[("chosen", "contact")])
    ask("Hvad med snitfladerne?", "suggested", days_ago=2, then=[("chosen", "interface_costs")])
    return made


def write(log: QuestionLog, made: list[tuple[LoggedQuestion, list[tuple[str, object]]]]) -> None:
    for question, _ in made:
        log.record(question)
    for question, later in made:
        for kind, value in later:
            if kind == "feedback":
                log.feedback(question.id, int(str(value)))
            elif kind == "none":
                log.none_of_these(question.id)
            else:
                log.suggestion_chosen(question.id, str(value))
    assert log.flush(timeout=30)
    log.close()


def fill_sqlite(path: Path) -> None:
    write(QuestionLog(path, clock=lambda: NOW), rows())


def fill_postgres(url: str, now: float = NOW) -> None:
    # Stored in the opposite order, so that the database's own order cannot be what agrees.
    write(QuestionLog(None, clock=lambda: now, database_url=url), rows(now)[::-1])


def groups(reader: LogReader, assistant: Assistant) -> list[dict[str, Any]]:
    found: list[Group] = suggestions(reader, assistant, days=30, now=NOW)
    return [{**group.as_dict(), "asked": group.asked} for group in found]


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, in a folder without a .env, with only these settings."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "LANG": "C.UTF-8",
        "TEACHING_DB": str(cwd / "teaching.sqlite3"),
        "KLIPPEKORT_CACHE": "off",
        **env,
    }
    return subprocess.run(
        [str(BIN), *args], cwd=cwd, env=environment,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def assert_polite(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("klippekort-bot: ")
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stderr
    for part in expected:
        assert part in lines[0], lines[0]


# -- one reading path, two databases ------------------------------------------------------------


def test_the_same_rows_give_the_same_report_and_suggestions(
    tmp_path: Path, postgres_url: str, assistant: Assistant
) -> None:
    path = tmp_path / "q.sqlite3"
    fill_sqlite(path)
    fill_postgres(postgres_url)
    with open_reader(path) as lite, open_reader(path, postgres_url) as pg:
        assert pg.where.startswith("PostgreSQL 127.0.0.1:")
        from_sqlite, from_postgres = build_report(lite, 30, NOW), build_report(pg, 30, NOW)
        assert from_postgres.as_dict() == from_sqlite.as_dict()
        assert render_report(from_postgres) == render_report(from_sqlite)
        # The orders too, not only the figures: JSON keeps them.
        assert json.dumps(from_postgres.as_dict()) == json.dumps(from_sqlite.as_dict())
        suggested = groups(lite, assistant)
        assert groups(pg, assistant) == suggested
    # Not two empty reports: the figures are the rows'.
    assert from_sqlite.total == 14  # the question 40 days old is left out
    assert from_sqlite.by_outcome == {"unknown": 6, "answered": 4, "suggested": 4}
    assert from_sqlite.by_language == {"da": 12, "en": 2}
    assert from_sqlite.by_chat_type == {"private": 11, "group": 2, "inline": 1}
    assert [(g.count, len(g.examples)) for g in from_sqlite.unanswered][:2] == [(3, 3), (2, 1)]
    assert [(f.entry_id, f.thumbs_up, f.thumbs_down) for f in from_sqlite.feedback] == [
        ("status", 0, 2),
        ("contact", 1, 0),
        ("remaining_hours", 1, 0),
    ]
    assert sum(g.count for g in from_sqlite.none_of_these) == 2
    assert len(suggested) >= 4
    chosen = {c["entry"]: c["chosen"] for g in suggested for c in g["candidates"] if c["chosen"]}
    assert chosen == {"contact": 1, "interface_costs": 1}


def test_a_database_the_bot_never_logged_to_says_so(postgres_url: str) -> None:
    with pytest.raises(LogReadError, match=r"^no question log in PostgreSQL 127\.0\.0\.1:\d+/"):
        open_reader(None, postgres_url)


def test_the_settings_pick_the_log_as_the_bot_writes_it(tmp_path: Path) -> None:
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{free_port()}/klippekort"
    sqlite_log = tmp_path / "q.sqlite3"
    fill_sqlite(sqlite_log)
    # --log PATH is an SQLite file, whatever DATABASE_URL says.
    with reader_from_environment({"DATABASE_URL": url}, sqlite_log) as reader:
        assert reader.where == str(sqlite_log)
    with reader_from_environment({"QUESTION_LOG": str(sqlite_log)}) as reader:
        assert reader.where == str(sqlite_log)
    with pytest.raises(LogReadError, match="cannot reach the question log in PostgreSQL") as why:
        reader_from_environment({"QUESTION_LOG": str(sqlite_log), "DATABASE_URL": url})
    assert PASSWORD not in str(why.value)
    with pytest.raises(LogReadError, match="the question log is off"):
        reader_from_environment({"QUESTION_LOG": "off", "DATABASE_URL": url})


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://bot:{PASSWORD}@127.0.0.1:{free_port()}/klippekort",
        f"postgresql://bot:{PASSWORD}@[::1",  # psycopg's own message would quote the URL
        f"host=127.0.0.1 port={free_port()} user=bot password={PASSWORD} dbname=klippekort",
    ],
)
def test_an_unreachable_database_is_one_line_without_the_password(url: str) -> None:
    with pytest.raises(LogReadError) as why:
        open_reader(None, url)
    message = str(why.value)
    assert message.startswith("cannot reach the question log in PostgreSQL")
    assert "\n" not in message
    assert PASSWORD not in message
    assert why.value.__cause__ is None
    assert why.value.__suppress_context__  # no chained error to print a URL


# -- the commands -------------------------------------------------------------------------------


def test_report_and_suggest_follow_database_url(
    tmp_path: Path, postgres_url: str, assistant: Assistant
) -> None:
    sqlite_log = tmp_path / "q.sqlite3"
    fill_sqlite(sqlite_log)
    fill_postgres(postgres_url)
    # The SQLite file QUESTION_LOG names is not what the bot writes with DATABASE_URL: it holds
    # other rows, and must not be read.
    decoy = tmp_path / "decoy.sqlite3"
    write(QuestionLog(decoy, clock=lambda: NOW), rows()[:1])
    settings = {"DATABASE_URL": postgres_url, "QUESTION_LOG": str(decoy)}

    report = run("report", "--json", "--days", "100000", cwd=tmp_path, **settings)
    assert report.returncode == 0, report.stderr
    from_postgres = json.loads(report.stdout)
    assert from_postgres["total"] == 15
    by_log = run("report", "--json", "--days", "100000", "--log", str(sqlite_log), cwd=tmp_path)
    assert by_log.returncode == 0, by_log.stderr
    assert json.loads(by_log.stdout) == from_postgres
    decoy_report = run("report", "--json", "--days", "100000", "--log", str(decoy), cwd=tmp_path)
    assert json.loads(decoy_report.stdout)["total"] == 1

    suggest = run("suggest", "--json", "--days", "100000", cwd=tmp_path, **settings)
    assert suggest.returncode == 0, suggest.stderr
    from_pg = [json.loads(line) for line in suggest.stdout.splitlines()]
    assert len(from_pg) >= 4
    suggest_log = run(
        "suggest", "--json", "--days", "100000", "--log", str(sqlite_log), cwd=tmp_path, **settings
    )
    assert suggest_log.returncode == 0, suggest_log.stderr
    assert [json.loads(line) for line in suggest_log.stdout.splitlines()] == from_pg


def test_the_commands_say_in_one_line_that_the_database_cannot_be_reached(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{port}/klippekort"
    for command in ("report", "suggest"):
        result = run(command, cwd=tmp_path, DATABASE_URL=url)
        assert_polite(result, f"PostgreSQL 127.0.0.1:{port}/klippekort", "question log")


def test_a_database_without_the_log_is_named_by_the_commands(
    tmp_path: Path, postgres_url: str
) -> None:
    for command in ("report", "suggest"):
        result = run(command, cwd=tmp_path, DATABASE_URL=postgres_url)
        assert_polite(result, "no question log in PostgreSQL 127.0.0.1:")


# -- Telegram: /stats and /ubesvarede -----------------------------------------------------------


def sent_texts(calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [str(parameters["text"]) for name, parameters in calls if name == "sendMessage"]


@asyncio_test
async def test_stats_and_unanswered_read_what_every_replica_logged(
    tmp_path: Path, postgres_url: str
) -> None:
    # Another replica logged these; this one logs its own questions into the same table.
    fill_postgres(postgres_url, time.time())
    sqlite_path = tmp_path / "never-written.sqlite3"
    async with offline_bot(
        question_log=sqlite_path,
        database_url=postgres_url,
        admin_user_ids=frozenset({ADMIN_ID}),
    ) as bot:
        await bot.say("hvem vandt vm i fodbold")
        [stats] = sent_texts(await bot.say("/stats", user_id=ADMIN_ID))
        unanswered = sent_texts(await bot.say("/ubesvarede", user_id=ADMIN_ID))
    assert not sqlite_path.exists()
    # Every row of the last 7 days, of both replicas: not the one 40 days old.
    assert stats.startswith("<pre>")
    assert "Spørgsmål de sidste 7 dage: 15" in stats
    assert "unknown: 7, answered: 4, suggested: 4" in stats
    assert "chat: private: 12, group: 2, inline: 1" in stats
    assert "status: 2 👎, 0 👍" in stats
    # The question asked here joined the group the other replica's two had begun.
    assert "3 × Hvem vandt VM i fodbold?" in stats
    # A heading, then one message per group, most asked first, each with its buttons.
    assert unanswered[0] == ui("unanswered_heading", "da", days=30)
    assert unanswered[1].startswith("3 × Hvem vandt VM i fodbold?")
    assert not any("gammelt" in text for text in unanswered)


@asyncio_test
async def test_stats_say_politely_that_the_database_cannot_be_read(tmp_path: Path) -> None:
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{free_port()}/klippekort"
    async with offline_bot(
        question_log=tmp_path / "q.sqlite3", database_url=url, admin_user_ids=frozenset({ADMIN_ID})
    ) as bot:
        for command, language in (("/stats", "da"), ("/unanswered", "en")):
            calls = await bot.say(command, user_id=ADMIN_ID, language_code=language)
            [text] = sent_texts(calls)
            assert text.startswith(ui("log_unreadable", language, error="").rstrip())
            assert "cannot reach the question log in PostgreSQL 127.0.0.1:" in text
            assert PASSWORD not in text
            assert "\n" not in text
