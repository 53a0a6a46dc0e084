"""Which state store the settings ask for: PostgreSQL, an SQLite file, or memory.

Apart from `bot.state` because the stores import that module: here nothing imports back.
"""

from __future__ import annotations

from pathlib import Path

from bot.followup import DEFAULT_TIMEOUT_SECONDS
from bot.state import DEFAULT_STATE_DAYS, MemoryStateStore, StateStore


def open_state_store(
    database_url: str | None,
    state_db: Path | None,
    follow_up_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    state_days: int = DEFAULT_STATE_DAYS,
) -> StateStore:
    """PostgreSQL when `database_url` is set (several replicas), else the SQLite file
    `state_db`, else memory (`state_db` None: STATE_DB=off). Call `start()` on the result;
    it raises `bot.state.StateError` when the database cannot be used."""
    # Imported when chosen, so that a bot on SQLite never loads psycopg.
    if database_url and database_url.strip():
        from bot.state_postgres import PostgresStateStore

        return PostgresStateStore(database_url.strip(), follow_up_seconds, state_days)
    if state_db is not None:
        from bot.state_sqlite import SqliteStateStore

        return SqliteStateStore(state_db, follow_up_seconds, state_days)
    return MemoryStateStore(follow_up_seconds, state_days)
