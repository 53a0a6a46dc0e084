"""The question log: rows written off the answer path, no identity, retention, bad databases."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from bot.questionlog import (
    LoggedQuestion,
    QuestionLog,
    new_question_id,
    open_for_reading,
    question_log_path,
)

NOW = 1_800_000_000.0


def entry(
    question: str = "Hvor mange timer er der tilbage?", **overrides: object
) -> LoggedQuestion:
    values: dict[str, object] = {
        "id": new_question_id(),
        "asked_at": NOW,
        "language": "da",
        "chat_type": "private",
        "question": question,
        "outcome": "answered",
        "entry_id": "remaining_hours",
        "score": 97.123,
    }
    values.update(overrides)
    return LoggedQuestion(**values)  # type: ignore[arg-type]


def rows(path: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM questions ORDER BY asked_at").fetchall()
    finally:
        db.close()


def test_rows_are_written_with_feedback_and_no_identity(tmp_path: Path) -> None:
    path = tmp_path / "log" / "questions.sqlite3"
    log = QuestionLog(path, clock=lambda: NOW)
    first = entry()
    log.record(first)
    log.record(entry("hvad koster det", outcome="suggested", entry_id=None, score=45))
    log.feedback(first.id, -1)
    log.feedback(first.id, +1)  # a second press changes nothing
    log.suggestion_chosen(first.id, "usage")
    log.none_of_these(first.id)
    assert log.flush()
    log.close()
    stored = rows(path)
    assert len(stored) == 2
    assert set(stored[0].keys()) == {
        "id", "asked_at", "language", "chat_type", "question", "outcome", "entry_id", "score",
        "feedback", "none_of_these", "chosen_entry",
    }  # fmt: skip
    assert stored[0]["feedback"] == -1
    assert stored[0]["chosen_entry"] == "usage"
    assert stored[0]["none_of_these"] == 1
    assert stored[0]["score"] == 97.1
    assert stored[1]["outcome"] == "suggested"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.close()


def test_old_rows_are_deleted(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path, retention_days=90, clock=lambda: NOW)
    log.record(entry("old", asked_at=NOW - 91 * 86400))
    log.record(entry("recent", asked_at=NOW - 89 * 86400))
    log.flush()
    log.purge()
    log.flush()
    log.close()
    assert [row["question"] for row in rows(path)] == ["recent"]
    # and at the next start
    again = QuestionLog(path, retention_days=10, clock=lambda: NOW)
    again.flush()
    again.close()
    assert rows(path) == []


def test_long_questions_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path)
    log.record(entry("x" * 5000))
    log.flush()
    log.close()
    assert len(rows(path)[0]["question"]) == 1000


def test_corrupt_database_warns_and_does_not_raise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "q.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        log = QuestionLog(path)
        for _ in range(5):
            log.record(entry())
        assert log.flush()
        log.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # one warning, not one per question
    assert "cannot be used" in warnings[0].getMessage()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only files")
def test_read_only_database_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q.sqlite3"
    QuestionLog(path).close()
    path.chmod(stat.S_IRUSR)
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        log = QuestionLog(path)
        log.record(entry())
        assert log.flush()
        log.close()
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_unwritable_place_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        log = QuestionLog(blocker / "q.sqlite3")
        log.record(entry())
        assert log.flush()
        log.close()
    assert any("cannot be used" in r.getMessage() for r in caplog.records)


def test_a_database_locked_too_long_loses_writes_but_keeps_going(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path, locked_for_at_most=0.3)
    log.flush()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        log.record(entry("while locked"))
        assert log.flush(timeout=10)
    locker.execute("ROLLBACK")
    locker.close()
    log.record(entry("after"))
    log.flush()
    log.close()
    assert [row["question"] for row in rows(path)] == ["after"]
    assert any("writes lost" in r.getMessage() for r in caplog.records)


def test_log_path_setting() -> None:
    assert question_log_path("off") is None
    assert question_log_path("OFF") is None
    assert question_log_path("") == Path("data") / "questions.sqlite3"
    assert question_log_path("/var/lib/k/q.db") == Path("/var/lib/k/q.db")


def test_read_only_database_even_for_root(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "q.sqlite3"
    QuestionLog(path).close()
    real_connect = sqlite3.connect

    def read_only(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        kwargs.pop("isolation_level", None)
        return real_connect(f"file:{database}?mode=ro", uri=True, isolation_level=None)

    monkeypatch.setattr("bot.questionlog.sqlite3.connect", read_only)
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        log = QuestionLog(path)
        log.record(entry())
        assert log.flush()
        log.close()
    assert any("readonly" in r.getMessage() for r in caplog.records), caplog.records


def test_old_rows_go_while_the_bot_runs(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    now = [NOW]
    log = QuestionLog(path, retention_days=1, clock=lambda: now[0])
    log.record(entry("yesterday", asked_at=NOW - 0.5 * 86400))
    log.flush()
    now[0] = NOW + 2 * 86400  # two days later, without a restart
    log.record(entry("today", asked_at=now[0]))
    log.flush()
    log.close()
    assert [row["question"] for row in rows(path)] == ["today"]


def test_a_lock_held_for_seconds_loses_no_row(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Longer than the 2 s busy timeout: before, the worker dropped each batch of 500.
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path)
    log.flush()
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    released = threading.Timer(3.0, lambda: locker.execute("ROLLBACK"))
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        released.start()
        for number in range(5000):
            log.record(entry(f"question {number}"))
        assert log.flush(timeout=60)
        released.join()
    log.close()
    locker.close()
    assert len(rows(path)) == 5000
    assert not any("writes lost" in r.getMessage() for r in caplog.records)


def test_an_idle_bot_still_purges_old_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    now = [NOW]
    log = QuestionLog(path, retention_days=1, clock=lambda: now[0], wake_every=0.02)
    log.record(entry("yesterday", asked_at=NOW - 0.5 * 86400))
    log.flush()
    now[0] = NOW + 2 * 86400  # two days later, and nobody asks anything
    deadline = time.monotonic() + 10
    while rows(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    log.close()
    assert rows(path) == []


def test_a_full_queue_drops_rows_instead_of_waiting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.questionlog.MAX_QUEUED", 3)
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path, locked_for_at_most=5)
    log.flush()
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.WARNING, logger="klippekort.questionlog"):
        for number in range(20):  # returns at once, though nothing can be written
            log.record(entry(f"question {number}"))
        locker.execute("ROLLBACK")
        assert log.flush(timeout=30)
    log.close()
    locker.close()
    assert 0 < len(rows(path)) < 20
    assert any("is behind" in r.getMessage() for r in caplog.records)


def test_a_wal_log_in_a_read_only_folder_can_be_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "backup"
    path = folder / "q.sqlite3"
    log = QuestionLog(path, clock=lambda: NOW)
    log.record(entry("kept in the backup"))
    log.flush()
    log.close()
    for extra in folder.glob("q.sqlite3-*"):
        extra.unlink()  # a copy as a backup holds it: the database file alone
    folder.chmod(0o555)
    # Root may write anywhere: make SQLite see the folder as the read-only mount it stands for.
    real_connect = sqlite3.connect

    def on_read_only_mount(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        if "immutable=1" not in database:
            raise sqlite3.OperationalError("unable to open database file")
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("bot.questionlog.sqlite3.connect", on_read_only_mount)
    monkeypatch.setattr("bot.questionlog.os.access", lambda *_: False)
    try:
        db = open_for_reading(path)
        assert [row["question"] for row in db.execute("SELECT question FROM questions")] == [
            "kept in the backup"
        ]
        db.close()
    finally:
        folder.chmod(0o755)


def test_a_log_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        open_for_reading(path)
