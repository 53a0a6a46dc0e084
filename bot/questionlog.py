"""The question log: what people ask, what the bot did, and their feedback (SQLite or
PostgreSQL).

No identity is stored: no user ids, names, usernames or chat ids; only the time, the language,
the kind of chat, the question, the outcome and the feedback. Rows older than the retention
period are deleted. Writing happens in a worker thread, so logging never delays an answer, and
a database that is locked, unreachable, read-only, full or corrupt costs a warning, never an
answer.

The log's logic (queue, batches, retries, retention) is written once in `QuestionLog`; what
differs between the databases is a small `_Writer`: `_SqliteWriter` (a file, the default) or
`_PostgresWriter` (DATABASE_URL: replicas share one table, and the hourly purge runs once
among them, through the `turns` table the state store uses too).
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
from typing import TYPE_CHECKING, Any

from bot.database import (
    POSTGRES_SCHEMA_LOCK,
    TAKE_TURN,
    TURNS_TABLE,
    Migration,
    Params,
    SchemaTooNewError,
    describe_url,
    migrate,
    postgres_executor,
    postgres_kwargs,
    take_turn_params,
    to_postgres,
)

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("klippekort.questionlog")

SCHEMA_VERSION = 1
# Types both databases read alike: SQLite gives BIGINT integer and DOUBLE PRECISION real
# affinity, as INTEGER and REAL had (PostgreSQL's REAL would round scores to 4 bytes).
_QUESTIONS_TABLE = """CREATE TABLE IF NOT EXISTS questions (
    id TEXT PRIMARY KEY,
    asked_at BIGINT NOT NULL,
    language TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    question TEXT NOT NULL,
    outcome TEXT NOT NULL,
    entry_id TEXT,
    score DOUBLE PRECISION NOT NULL,
    feedback INTEGER,
    none_of_these INTEGER NOT NULL DEFAULT 0,
    chosen_entry TEXT
)"""
_QUESTIONS_INDEX = "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)"
SCHEMA = f"{_QUESTIONS_TABLE};\n{_QUESTIONS_INDEX};\n"
# On PostgreSQL the version is kept in schema_version, beside the state store's.
POSTGRES_COMPONENT = "questions"
POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    (SCHEMA_VERSION, (_QUESTIONS_TABLE, _QUESTIONS_INDEX, TURNS_TABLE)),
)
MAX_QUESTION_LENGTH = 1000
PURGE_EVERY_SECONDS = 3600
PURGE_JOB = "questionlog.purge"
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


class _Writer:
    """The writer thread's connection to one kind of database. Statements use `?`."""

    where: str
    # What a failing database raises; anything else is a bug and is not caught.
    errors: tuple[type[Exception], ...]

    @property
    def failures(self) -> tuple[type[Exception], ...]:
        """The database's errors and the operating system's (a full disk, a missing folder)."""
        return (*self.errors, OSError)

    def open(self) -> None:
        """Connect, and create or migrate the schema; raises one of `errors`."""
        raise NotImplementedError

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement in the open transaction; the number of rows it changed."""
        raise NotImplementedError

    def begin(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        """Undo the open transaction, if any; never raises."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def should_wait(self, error: Exception) -> bool:
        """True when the failure passes with time (a lock, a lost connection): retry."""
        raise NotImplementedError

    def is_broken(self, error: Exception) -> bool:
        """True when the connection is no use any more: close it, reopen at the next batch."""
        raise NotImplementedError

    def take_turn(self, job: str, now: float, every_seconds: float) -> bool:
        """True when this process should run `job` now (see `bot.database.TAKE_TURN`)."""
        raise NotImplementedError


_Operation = Callable[[_Writer], object]


class QuestionLog:
    """Writes questions and feedback in a background thread; `close()` flushes and stops it.

    The log is the SQLite file `path`, or, when `database_url` is given, PostgreSQL (then
    `path` is not used and may be None). Readers open the same place with
    `bot.logreader.open_reader(log.path, log.database_url)`."""

    def __init__(
        self,
        path: Path | None,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], float] = time.time,
        wake_every: float = 60.0,
        locked_for_at_most: float = 60.0,
        database_url: str | None = None,
    ) -> None:
        self.path = path
        self.database_url = database_url or None
        writer: _Writer
        if database_url:
            writer = _PostgresWriter(database_url)
        elif path is not None:
            writer = _SqliteWriter(path)
        else:
            raise ValueError("a question log needs a path or a database URL")
        self._writer = writer
        self.where = writer.where
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

    def __repr__(self) -> str:  # the default names no URL; keep it that way
        return f"QuestionLog({self.where})"

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
                "INSERT INTO questions (id, asked_at, language, chat_type, question, outcome,"
                " entry_id, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
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
            self._warn("full", f"question log {self.where} is behind: questions are not logged")

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
        is_open = self._open()
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
                if not is_open:
                    is_open = self._open()
                if is_open:
                    is_open = self._run(operations)
            if is_open and self.clock() - last_purge > PURGE_EVERY_SECONDS:
                # A bot runs for months: old rows go while it runs, not only at start.
                last_purge = self.clock()
                is_open = self._run([self._delete_old])
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if None in batch:
                if is_open:
                    self._writer.close()
                return

    def _open(self) -> bool:
        failures: tuple[type[Exception], ...] = (*self._writer.failures, SchemaTooNewError)
        try:
            self._writer.open()
        except failures as error:
            self._warn("open", f"question log {self.where} cannot be used: {error}")
            return False
        return self._run([self._delete_old])

    def _run(self, operations: list[_Operation]) -> bool:
        """Write a batch in one transaction; False when the connection had to be closed."""
        # Another connection may hold the write lock for a while (an admin's sqlite3 shell, a
        # backup), or the server may be restarting: the batch waits, with pauses that grow,
        # rather than being dropped. New rows meanwhile wait in the queue.
        writer = self._writer
        pause, waited = 0.05, 0.0
        while True:
            try:
                writer.begin()
                for operation in operations:
                    operation(writer)
                writer.commit()
                self._failed_kinds.discard("write")
                return True
            except writer.failures as error:
                writer.rollback()
                if not writer.should_wait(error) or waited >= self.locked_for_at_most:
                    return self._lost(operations, error)
                time.sleep(pause)
                waited += pause
                pause = min(pause * 2, 1.0)

    def _lost(self, operations: list[_Operation], error: Exception) -> bool:
        """Give a batch up: one warning saying how many writes were lost, and why."""
        self._warn("write", f"question log {self.where}: {len(operations)} writes lost: {error}")
        if self._writer.is_broken(error):
            self._writer.close()
            return False
        return True

    def _delete_old(self, db: _Writer) -> None:
        # Replicas sharing a database take turns: the purge runs once an hour among them all.
        if db.take_turn(PURGE_JOB, self.clock(), PURGE_EVERY_SECONDS):
            cutoff = int(self.clock() - self.retention_days * 86400)
            db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))

    def _warn(self, kind: str, message: str) -> None:
        # One warning per kind of failure until it recovers, not one per question.
        if kind not in self._failed_kinds:
            self._failed_kinds.add(kind)
            log.warning(message)


class _SqliteWriter(_Writer):
    errors = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version} is newer than this bot")
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        self._db = db

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise sqlite3.ProgrammingError("the question log is not open")
        return self._db

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._connection().execute(sql, params).rowcount

    def begin(self) -> None:
        self._connection().execute("BEGIN")

    def commit(self) -> None:
        self._connection().execute("COMMIT")

    def rollback(self) -> None:
        with suppress(sqlite3.Error, OSError):
            self._connection().execute("ROLLBACK")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def should_wait(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.OperationalError) and _is_locked(error)

    def is_broken(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.DatabaseError) and "malformed" in str(error)

    def take_turn(self, job: str, now: float, every_seconds: float) -> bool:
        # Always: processes sharing one file are few and on one machine, an extra DELETE of
        # nothing costs nothing, and the file keeps the schema it has always had.
        return True


class _PostgresWriter(_Writer):
    def __init__(self, database_url: str) -> None:
        import psycopg

        self.errors = (psycopg.Error,)
        self._operational = psycopg.OperationalError
        self._database_url = database_url
        self.where = describe_url(database_url)
        self._connection: psycopg.Connection[Any] | None = None

    def __repr__(self) -> str:  # the default would show the URL and its password
        return f"_PostgresWriter({self.where})"

    def open(self) -> None:
        connection = self._connect()
        with connection.transaction():
            connection.execute(POSTGRES_SCHEMA_LOCK)
            migrate(postgres_executor(connection), POSTGRES_COMPONENT, POSTGRES_MIGRATIONS)

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(
                self._database_url, autocommit=True, **postgres_kwargs("klippekort-bot log")
            )
        return self._connection

    def execute(self, sql: str, params: Params = ()) -> int:
        # PostgreSQL's text cannot hold NUL, which anyone can type: shown as the NUL symbol
        # instead of costing the whole batch.
        values = [v.replace("\x00", "\u2400") if isinstance(v, str) else v for v in params]
        return self._connect().execute(to_postgres(sql), values).rowcount

    def begin(self) -> None:
        # After a restart of the server the next batch connects again, and waits meanwhile.
        self._connect().execute("BEGIN")

    def commit(self) -> None:
        self._connect().execute("COMMIT")

    def rollback(self) -> None:
        connection = self._connection
        if connection is None or connection.closed:
            return
        if connection.broken:
            connection.close()
            return
        with suppress(*self.errors):
            connection.execute("ROLLBACK")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def should_wait(self, error: Exception) -> bool:
        # Lost connections, a server starting or stopping, deadlocks and serialisation
        # failures; not bad data or a missing table, which waiting cannot mend.
        return isinstance(error, self._operational)

    def is_broken(self, error: Exception) -> bool:
        return self._connection is None or self._connection.closed

    def take_turn(self, job: str, now: float, every_seconds: float) -> bool:
        return self.execute(TAKE_TURN, take_turn_params(job, now, every_seconds)) == 1


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
