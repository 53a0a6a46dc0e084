"""What the state store and the question log share about their databases (SQLite, PostgreSQL).

SQL is written once, with `?` placeholders and syntax both databases accept (`ON CONFLICT`,
`BIGINT`, `DOUBLE PRECISION`); `to_postgres` turns the placeholders into psycopg's `%s`.
Schemas carry a version per component in one `schema_version` table and are migrated step by
step. `take_turn` is the one way a periodic job runs once across replicas sharing a database.

psycopg is imported only where PostgreSQL is used, so the SQLite paths never load it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

Params = Sequence[object]
# Runs one statement and returns its rows (empty for statements without any).
Execute = Callable[[str, Params], list[tuple[Any, ...]]]
# A schema version and the statements that take the schema from the version before to it.
Migration = tuple[int, tuple[str, ...]]

SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version"
    " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)
# Shared by every component that has periodic jobs; created by whichever starts first.
TURNS_TABLE = (
    "CREATE TABLE IF NOT EXISTS turns (job TEXT PRIMARY KEY, last_at DOUBLE PRECISION NOT NULL)"
)
# Changes one row only when the job is due, so exactly one caller wins: a concurrent caller
# waits for the winner's row and then finds it no longer due (PostgreSQL re-checks the WHERE
# against the committed row; SQLite writers are serialised anyway).
TAKE_TURN = (
    "INSERT INTO turns (job, last_at) VALUES (?, ?)"
    " ON CONFLICT (job) DO UPDATE SET last_at = excluded.last_at WHERE turns.last_at <= ?"
)
# Held for the migrating transaction: replicas starting together migrate one after another.
POSTGRES_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('klippekort-bot schema'))"
CONNECT_TIMEOUT_SECONDS = 10


class SchemaTooNewError(Exception):
    """The database was migrated by a newer bot; this one would misread it."""


def take_turn_params(job: str, now: float, every_seconds: float) -> tuple[str, float, float]:
    """The parameters of `TAKE_TURN`: the job is due when it last ran `every_seconds` ago."""
    return (job, now, now - every_seconds)


def migrate(execute: Execute, component: str, migrations: Sequence[Migration]) -> int:
    """Bring `component`'s schema to the last version of `migrations`; returns the version it
    had (0 for a new database). The caller runs this in a transaction it holds alone."""
    execute(SCHEMA_VERSION_TABLE, ())
    rows = execute("SELECT version FROM schema_version WHERE component = ?", (component,))
    found = int(rows[0][0]) if rows else 0
    latest = migrations[-1][0]
    if found > latest:
        raise SchemaTooNewError(
            f"the {component} schema is version {found}, newer than this bot's {latest}"
        )
    for version, statements in migrations:
        if version > found:
            for statement in statements:
                execute(statement, ())
    execute(
        "INSERT INTO schema_version (component, version) VALUES (?, ?)"
        " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        (component, latest),
    )
    return found


@cache
def to_postgres(sql: str) -> str:
    """The statement with psycopg's placeholders (none of ours holds a literal `?` or `%`)."""
    return sql.replace("?", "%s")


def describe_url(database_url: str) -> str:
    """Where a connection string points, without its password: "host:port/dbname"."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(database_url)
    except Exception:  # a malformed string: say so, never echo it (it may hold a password)
        return "PostgreSQL (unparsable DATABASE_URL)"
    host = str(parts.get("host") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"PostgreSQL {host}{port}/{parts.get('dbname') or parts.get('user') or ''}"


def postgres_kwargs(application: str) -> dict[str, Any]:
    """Connection options besides the URL: a bounded connect time, a name in pg_stat_activity."""
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": application}


def connect_postgres(database_url: str, application: str) -> psycopg.Connection[Any]:
    """A synchronous connection in autocommit mode; transactions are opened explicitly."""
    import psycopg

    return psycopg.connect(database_url, autocommit=True, **postgres_kwargs(application))


def postgres_executor(connection: psycopg.Connection[Any]) -> Execute:
    """`Execute` over a psycopg connection: `?` placeholders, rows as tuples."""

    def execute(sql: str, params: Params) -> list[tuple[Any, ...]]:
        cursor = connection.execute(to_postgres(sql), params)
        return list(cursor.fetchall()) if cursor.description else []

    return execute
