"""The state store in an SQLite file: one bot, or a few processes on one machine.

The file is in WAL mode, so readers never wait for the writer, and every write is one short
statement or one transaction; SQLite serialises writers across processes, which makes claims
and turns atomic. All database work runs in one worker thread per store, so the event loop
never waits on the disk or on another process's lock (up to `BUSY_TIMEOUT_SECONDS`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bot.database import Params, SchemaTooNewError, migrate
from bot.followup import DEFAULT_TIMEOUT_SECONDS
from bot.state import DEFAULT_STATE_DAYS, StateError
from bot.state_sql import COMPONENT, MIGRATIONS, SqlStateStore

BUSY_TIMEOUT_SECONDS = 5.0
_T = TypeVar("_T")


class SqliteStateStore(SqlStateStore):
    """A `StateStore` in the SQLite file `path` (created, with its folder, at `start`)."""

    def __init__(
        self,
        path: Path,
        follow_up_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        state_days: int = DEFAULT_STATE_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(follow_up_seconds, state_days, clock)
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="state-sqlite")
        await self._call(self._open)

    async def close(self) -> None:
        if self._executor is None:
            return
        try:
            await self._call(self._close)
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None

    # -- in the worker thread ------------------------------------------------------------------

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL never corrupts; a power cut may lose the last writes, which at
            # worst forgets a context or answers a redelivered update twice.
            db.execute("PRAGMA synchronous=NORMAL")
            # IMMEDIATE takes the write lock first: two processes starting at once migrate one
            # after the other instead of both reading version 0.
            db.execute("BEGIN IMMEDIATE")
            try:
                migrate(partial(_execute, db), COMPONENT, MIGRATIONS)
                db.execute("COMMIT")
            except BaseException:
                _roll_back(db)
                raise
        except BaseException:
            db.close()
            raise
        self._db = db

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateError(f"the state store {self.path} is not started")
        return self._db

    def _rows_now(self, sql: str, params: Params) -> list[tuple[Any, ...]]:
        return _execute(self._connection(), sql, params)

    def _change_now(self, sql: str, params: Params) -> int:
        return self._connection().execute(sql, params).rowcount

    def _transaction_now(self, statements: Sequence[tuple[str, Params]]) -> None:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                db.execute(sql, params)
            db.execute("COMMIT")
        except BaseException:
            _roll_back(db)
            raise

    # -- the primitives SqlStateStore uses -----------------------------------------------------

    async def _rows(self, sql: str, params: Params) -> list[tuple[Any, ...]]:
        return await self._call(partial(self._rows_now, sql, params))

    async def _change(self, sql: str, params: Params) -> int:
        return await self._call(partial(self._change_now, sql, params))

    async def _transaction(self, statements: Sequence[tuple[str, Params]]) -> None:
        await self._call(partial(self._transaction_now, statements))

    async def _call(self, work: Callable[[], _T]) -> _T:
        if self._executor is None:
            raise StateError(f"the state store {self.path} is not started")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        except (sqlite3.Error, OSError, SchemaTooNewError) as error:
            raise StateError(f"the state store {self.path} cannot be used: {error}") from error


def _execute(db: sqlite3.Connection, sql: str, params: Params) -> list[tuple[Any, ...]]:
    return db.execute(sql, params).fetchall()


def _roll_back(db: sqlite3.Connection) -> None:
    # Only when a transaction is open: a BEGIN that timed out has none, and ROLLBACK would
    # then hide the real error behind "no transaction is active".
    if db.in_transaction:
        db.execute("ROLLBACK")
