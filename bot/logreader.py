"""Reading the question log, from SQLite or PostgreSQL: the one way in for `report`,
`suggest`, `/stats` and `/ubesvarede`.

A `LogReader` runs a SELECT written once, with `?` placeholders and SQL both databases read
alike, and returns plain tuples; the report and the suggestions are worked out from those in
Python, so both back ends give the same figures and groups for the same rows. `open_reader`
picks the database as the bot writes it: PostgreSQL when a database URL is given, else the
SQLite file. Anything that keeps the log from being read is a `LogReadError` whose message is
one polite line, never a stack trace and never the password of the URL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bot.database import Params, describe_url, postgres_kwargs, to_postgres
from bot.questionlog import QUESTION_LOG_ENV, open_for_reading, question_log_path
from bot.state import DATABASE_URL_ENV

if TYPE_CHECKING:
    import psycopg

Row = tuple[Any, ...]
APPLICATION_NAME = "klippekort-bot report"


class LogReadError(Exception):
    """The question log cannot be read; the message says where and why, in one line."""


class LogOffError(LogReadError):
    """The question log is turned off (QUESTION_LOG=off): there is nothing to read."""


class LogReader:
    """A read-only view of the question log; use it in a `with` block, or `close()` it."""

    where: str

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        """The rows of one SELECT (placeholders `?`), as tuples."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> LogReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class SqliteLogReader(LogReader):
    """The question log in an SQLite file. Given an open connection (`open_for_reading`), its
    errors pass through as they are; opened by `open_reader`, they become `LogReadError`."""

    def __init__(self, db: sqlite3.Connection, where: str = "", owned: bool = False) -> None:
        self._db = db
        self.where = where
        self._owned = owned

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return [tuple(row) for row in self._db.execute(sql, params)]
        except sqlite3.Error as error:
            if not self._owned:
                raise
            raise LogReadError(f"cannot read the question log {self.where}: {error}") from None

    def close(self) -> None:
        if self._owned:
            self._db.close()


class PostgresLogReader(LogReader):
    """The question log in PostgreSQL: every read of one reader sees one snapshot, read only."""

    def __init__(self, connection: psycopg.Connection[Any], where: str, secrets: list[str]):
        self._connection = connection
        self.where = where
        self._secrets = secrets

    def __repr__(self) -> str:  # the default would show the connection, and with it the URL
        return f"PostgresLogReader({self.where})"

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        import psycopg

        try:
            cursor = self._connection.execute(to_postgres(sql), params)
            return [tuple(row) for row in cursor.fetchall()]
        except psycopg.errors.UndefinedTable:
            raise LogReadError(
                f"no question log in {self.where} yet: the bot has not logged a question there"
            ) from None
        except psycopg.Error as error:
            reason = _reason(error, self._secrets)
            raise LogReadError(f"cannot read the question log in {self.where}: {reason}") from None

    def close(self) -> None:
        with suppress(Exception):
            self._connection.close()


def open_reader(path: Path | None = None, database_url: str | None = None) -> LogReader:
    """The question log as the bot writes it: PostgreSQL at `database_url` when given, else
    the SQLite file `path`; raises LogReadError (LogOffError when there is neither)."""
    if database_url and database_url.strip():
        return _open_postgres(database_url.strip())
    if path is None:
        raise LogOffError("the question log is off (QUESTION_LOG=off)")
    try:
        db = open_for_reading(path)
    except sqlite3.Error as error:
        raise LogReadError(f"cannot read the question log {path}: {error}") from None
    return SqliteLogReader(db, str(path), owned=True)


def reader_from_environment(env: Mapping[str, str], log_path: Path | None = None) -> LogReader:
    """For the command line: `--log PATH` (an SQLite file) when given; else the log the bot
    writes with these settings: off with QUESTION_LOG=off, PostgreSQL with DATABASE_URL, else
    the SQLite file of QUESTION_LOG."""
    if log_path is not None:
        return open_reader(log_path)
    path = question_log_path(env.get(QUESTION_LOG_ENV))
    if path is None:
        raise LogOffError("the question log is off (QUESTION_LOG=off)")
    return open_reader(path, env.get(DATABASE_URL_ENV))


def as_reader(db: LogReader | sqlite3.Connection) -> LogReader:
    """A reader over `db`: as it is, or an SQLite connection opened by `open_for_reading`."""
    return db if isinstance(db, LogReader) else SqliteLogReader(db)


def _open_postgres(database_url: str) -> PostgresLogReader:
    import psycopg

    where = describe_url(database_url)
    secrets = _secrets_of(database_url)
    try:
        connection = psycopg.connect(
            database_url, autocommit=False, **postgres_kwargs(APPLICATION_NAME)
        )
    except psycopg.Error as error:
        raise LogReadError(
            f"cannot reach the question log in {where}: {_reason(error, secrets)}"
        ) from None
    connection.read_only = True
    connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    reader = PostgresLogReader(connection, where, secrets)
    try:
        reader.rows("SELECT count(*) FROM questions")
    except LogReadError:
        reader.close()
        raise
    return reader


def _secrets_of(database_url: str) -> list[str]:
    """What must not be shown of a connection string: its password, and the string itself."""
    found = [database_url]
    with suppress(Exception):
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(database_url).get("password")
        if password:
            found.append(str(password))
    return found


def _reason(error: Exception, secrets: list[str]) -> str:
    """The first line of a database error, without the connection string or its password; an
    unparsable connection string is named, never echoed."""
    import psycopg

    if isinstance(error, psycopg.ProgrammingError):
        return f"{DATABASE_URL_ENV} is not a connection string PostgreSQL understands"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = (lines[0] if lines else type(error).__name__).removeprefix("connection failed: ")
    for secret in sorted(secrets, key=len, reverse=True):
        reason = reason.replace(secret, "***")
    return reason
