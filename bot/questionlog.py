"""The question log: what people ask, what the bot did, and their feedback (SQLite).

No identity is stored: no user ids, names, usernames or chat ids; only the time, the language,
the kind of chat, the question, the outcome and the feedback. Rows older than the retention
period are deleted. Writing happens in a worker thread, so logging never delays an answer, and
a database that is locked, read-only, full or corrupt costs a warning, never an answer.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("klippekort.questionlog")

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id TEXT PRIMARY KEY,
    asked_at INTEGER NOT NULL,
    language TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    question TEXT NOT NULL,
    outcome TEXT NOT NULL,
    entry_id TEXT,
    score REAL NOT NULL,
    feedback INTEGER,
    none_of_these INTEGER NOT NULL DEFAULT 0,
    chosen_entry TEXT
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
"""
MAX_QUESTION_LENGTH = 1000
PURGE_EVERY_SECONDS = 3600
BATCH_SIZE = 500
MAX_QUEUED = 100_000
DEFAULT_RETENTION_DAYS = 90
DEFAULT_LOG_PATH = Path("data") / "questions.sqlite3"
QUESTION_LOG_ENV = "QUESTION_LOG"
QUESTION_LOG_DAYS_ENV = "QUESTION_LOG_DAYS"


def question_log_path(value: str | None) -> Path | None:
    """The log's path from QUESTION_LOG's value: None when it is "off"."""
    text = (value or "").strip()
    if text.lower() in ("off", "no", "false", "0", "none"):
        return None
    return Path(text) if text else DEFAULT_LOG_PATH


@dataclass(frozen=True)
class LoggedQuestion:
    """One question as it is stored."""

    id: str
    asked_at: float
    language: str
    chat_type: str  # private, group or inline
    question: str
    outcome: str  # answered, suggested or unknown
    entry_id: str | None
    score: float


def new_question_id() -> str:
    """A short random id; it travels in button data (at most 64 bytes), so it is kept small."""
    return secrets.token_urlsafe(9)


_Operation = Callable[[sqlite3.Connection], object]


class QuestionLog:
    """Writes questions and feedback in a background thread; `close()` flushes and stops it."""

    def __init__(
        self,
        path: Path,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], float] = time.time,
        wake_every: float = 60.0,
        locked_for_at_most: float = 60.0,
    ) -> None:
        self.path = path
        self.wake_every = wake_every
        self.locked_for_at_most = locked_for_at_most
        self.retention_days = retention_days
        self.clock = clock
        # Work for the writer: a database operation, an Event to set once everything before it
        # is done (a flush), or None to stop.
        # Bounded, so that a database locked for long cannot fill the memory: past the bound a
        # row is dropped (and counted in a warning), never waited for on the answer path.
        self._queue: queue.Queue[_Operation | threading.Event | None] = queue.Queue(MAX_QUEUED)
        self._failed_kinds: set[str] = set()
        self._thread = threading.Thread(target=self._work, name="question-log", daemon=True)
        self._thread.start()

    # -- the answer path: only puts work on the queue -----------------------------------------

    def record(self, entry: LoggedQuestion) -> None:
        row = (
            entry.id,
            int(entry.asked_at),
            entry.language,
            entry.chat_type,
            entry.question[:MAX_QUESTION_LENGTH],
            entry.outcome,
            entry.entry_id,
            round(entry.score, 1),
        )
        self._put(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO questions (id, asked_at, language, chat_type, question,"
                " outcome, entry_id, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        )

    def feedback(self, question_id: str, value: int) -> None:
        """👍 (+1) or 👎 (-1); the first press counts, a second changes nothing."""
        self._put(
            lambda db: db.execute(
                "UPDATE questions SET feedback = ? WHERE id = ? AND feedback IS NULL",
                (1 if value > 0 else -1, question_id),
            )
        )

    def none_of_these(self, question_id: str) -> None:
        self._put(
            lambda db: db.execute(
                "UPDATE questions SET none_of_these = 1 WHERE id = ?", (question_id,)
            )
        )

    def suggestion_chosen(self, question_id: str, entry_id: str) -> None:
        self._put(
            lambda db: db.execute(
                "UPDATE questions SET chosen_entry = ? WHERE id = ? AND chosen_entry IS NULL",
                (entry_id, question_id),
            )
        )

    def purge(self) -> None:
        """Delete rows older than the retention period (also done at start)."""
        self._put(self._delete_old)

    def _put(self, operation: _Operation) -> None:
        try:
            self._queue.put_nowait(operation)
        except queue.Full:
            self._warn("full", f"question log {self.path} is behind: questions are not logged")

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written (or has failed); for tests and stop."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    # -- the worker ----------------------------------------------------------------------------

    def _work(self) -> None:
        db = self._open()
        last_purge = self.clock()
        while True:
            # Woken at least once a minute, so an idle bot still purges on time.
            try:
                batch = [self._queue.get(timeout=self.wake_every)]
            except queue.Empty:
                batch = []
            while not self._queue.empty() and len(batch) < BATCH_SIZE:
                batch.append(self._queue.get_nowait())
            operations = [
                op for op in batch if op is not None and not isinstance(op, threading.Event)
            ]
            if operations:
                if db is None:
                    db = self._open()
                if db is not None:
                    db = self._run(db, operations)
            if db is not None and self.clock() - last_purge > PURGE_EVERY_SECONDS:
                # A bot runs for months: old rows go while it runs, not only at start.
                last_purge = self.clock()
                db = self._run(db, [self._delete_old])
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if None in batch:
                if db is not None:
                    db.close()
                return

    def _open(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version} is newer than this bot")
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._delete_old(db)
        except (sqlite3.Error, OSError) as error:
            self._warn("open", f"question log {self.path} cannot be used: {error}")
            return None
        return db

    def _run(
        self, db: sqlite3.Connection, operations: list[_Operation]
    ) -> sqlite3.Connection | None:
        # Another connection may hold the write lock for a while (an admin's sqlite3 shell, a
        # backup): the batch waits, with pauses that grow, rather than being dropped. New rows
        # meanwhile wait in the queue.
        pause, waited = 0.05, 0.0
        while True:
            try:
                db.execute("BEGIN")
                for operation in operations:
                    operation(db)
                db.execute("COMMIT")
                self._failed_kinds.discard("write")
                return db
            except sqlite3.OperationalError as error:
                with suppress(sqlite3.Error, OSError):
                    db.execute("ROLLBACK")
                if not _is_locked(error) or waited >= self.locked_for_at_most:
                    return self._lost(db, operations, error)
                time.sleep(pause)
                waited += pause
                pause = min(pause * 2, 1.0)
            except (sqlite3.Error, OSError) as error:
                with suppress(sqlite3.Error, OSError):
                    db.execute("ROLLBACK")
                return self._lost(db, operations, error)

    def _lost(
        self, db: sqlite3.Connection, operations: list[_Operation], error: Exception
    ) -> sqlite3.Connection | None:
        """Give a batch up: one warning saying how many writes were lost, and why."""
        self._warn("write", f"question log {self.path}: {len(operations)} writes lost: {error}")
        if isinstance(error, sqlite3.DatabaseError) and "malformed" in str(error):
            db.close()
            return None
        return db

    def _delete_old(self, db: sqlite3.Connection) -> None:
        cutoff = int(self.clock() - self.retention_days * 86400)
        db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))

    def _warn(self, kind: str, message: str) -> None:
        # One warning per kind of failure until it recovers, not one per question.
        if kind not in self._failed_kinds:
            self._failed_kinds.add(kind)
            log.warning(message)


def _is_locked(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


def open_for_reading(path: Path) -> sqlite3.Connection:
    """A read-only connection for reports; raises sqlite3.Error if the log cannot be read."""
    if not path.exists():
        raise sqlite3.OperationalError(f"no question log at {path}")
    try:
        return _read_only(path, immutable=False)
    except sqlite3.OperationalError as error:
        # A WAL database needs its -shm file, which SQLite cannot make in a folder it may not
        # write to (a backup on a read-only mount). Nothing writes to such a copy, so it can
        # be read as immutable; a live log is never read that way while it is writable.
        if os.access(path.parent, os.W_OK):
            raise
        try:
            return _read_only(path, immutable=True)
        except sqlite3.Error:
            raise sqlite3.OperationalError(
                f"cannot read {path} in a read-only folder: {error}"
            ) from error


def _read_only(path: Path, immutable: bool) -> sqlite3.Connection:
    uri = f"{path.absolute().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    db = sqlite3.connect(uri, uri=True, timeout=2.0)
    db.row_factory = sqlite3.Row
    try:
        with closing(db.execute("SELECT count(*) FROM questions")):
            pass
    except sqlite3.Error:
        db.close()
        raise
    return db
