"""The question log on PostgreSQL: the same rows as in SQLite, no identity, a purge that runs
once among replicas, and a server that goes away costing a wait, not a row."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from bot.questionlog import PURGE_EVERY_SECONDS, PURGE_JOB, QuestionLog
from tests.postgres import free_port
from tests.test_questionlog import NOW, entry


def rows(url: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as db:
        return db.execute("SELECT * FROM questions ORDER BY asked_at, question").fetchall()


def test_rows_are_written_with_feedback_and_no_identity(postgres_url: str) -> None:
    log = QuestionLog(None, clock=lambda: NOW, database_url=postgres_url)
    first = entry()
    log.record(first)
    log.record(entry("hvad koster det", outcome="suggested", entry_id=None, score=45))
    log.record(first)  # a second write of the same id changes nothing
    log.feedback(first.id, -1)
    log.feedback(first.id, +1)  # a second press changes nothing
    log.suggestion_chosen(first.id, "usage")
    log.suggestion_chosen(first.id, "other")
    log.none_of_these(first.id)
    assert log.flush()
    log.close()
    stored = rows(postgres_url)
    assert len(stored) == 2
    assert set(stored[0]) == {
        "id", "asked_at", "language", "chat_type", "question", "outcome", "entry_id", "score",
        "feedback", "none_of_these", "chosen_entry",
    }  # fmt: skip
    by_question = {row["question"]: row for row in stored}
    mine = by_question[first.question]
    assert (mine["feedback"], mine["chosen_entry"], mine["none_of_these"]) == (-1, "usage", 1)
    assert mine["score"] == 97.1
    assert mine["asked_at"] == int(NOW)
    assert by_question["hvad koster det"]["outcome"] == "suggested"
    with psycopg.connect(postgres_url) as db:
        version = db.execute(
            "SELECT version FROM schema_version WHERE component = 'questions'"
        ).fetchone()
    assert version == (1,)


def test_long_questions_are_cut_and_nul_is_kept_visible(postgres_url: str) -> None:
    log = QuestionLog(None, database_url=postgres_url)
    log.record(entry("x" * 5000))
    log.record(entry("a\x00b"))  # PostgreSQL's text cannot hold NUL
    assert log.flush()
    log.close()
    questions = sorted(row["question"] for row in rows(postgres_url))
    assert questions == ["a\u2400b", "x" * 1000]


def test_the_purge_runs_once_among_replicas(postgres_url: str) -> None:
    now = [NOW]
    first = QuestionLog(None, retention_days=1, clock=lambda: now[0], database_url=postgres_url)
    assert first.flush()  # opened, and took the purge's turn at start
    second = QuestionLog(None, retention_days=1, clock=lambda: now[0], database_url=postgres_url)
    assert second.flush()
    first.record(entry("two days old", asked_at=NOW - 2 * 86400))
    first.record(entry("today", asked_at=NOW))
    first.purge()
    second.purge()
    assert first.flush()
    assert second.flush()
    # Both asked within the hour the first took at start: neither deleted anything.
    assert len(rows(postgres_url)) == 2
    now[0] += PURGE_EVERY_SECONDS
    second.purge()
    assert second.flush()
    assert [row["question"] for row in rows(postgres_url)] == ["today"]
    first.record(entry("also old", asked_at=NOW - 2 * 86400))
    first.purge()  # the second purged a moment ago: the first waits for its turn
    assert first.flush()
    assert len(rows(postgres_url)) == 2
    with psycopg.connect(postgres_url) as db:
        turns = db.execute("SELECT job, last_at FROM turns").fetchall()
    assert turns == [(PURGE_JOB, NOW + PURGE_EVERY_SECONDS)]
    first.close()
    second.close()


def test_a_lost_connection_is_reopened_and_loses_no_row(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    log = QuestionLog(None, database_url=postgres_url)
    log.record(entry("before"))
    assert log.flush()
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'klippekort-bot log'"
        ).fetchall()
    assert ended == [(True,)]
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        for number in range(50):
            log.record(entry(f"after {number}"))
        assert log.flush(timeout=30)
    log.close()
    assert len(rows(postgres_url)) == 51
    assert not [r for r in caplog.records if r.name == "klippekort.questionlog"]


def test_an_unreachable_server_warns_once_without_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"postgresql://bot:s3cret-pw@127.0.0.1:{free_port()}/klippekort"
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        log = QuestionLog(None, database_url=url)
        for _ in range(3):
            log.record(entry())
            assert log.flush(timeout=30)
        log.close()
        assert "s3cret-pw" not in repr(log._writer)
    warnings = [r.getMessage() for r in caplog.records if r.name == "klippekort.questionlog"]
    assert len(warnings) == 1, warnings
    assert "cannot be used" in warnings[0]
    assert "127.0.0.1" in warnings[0]
    assert "s3cret-pw" not in warnings[0]


def test_a_log_needs_somewhere_to_write() -> None:
    with pytest.raises(ValueError, match="path or a database URL"):
        QuestionLog(None)
