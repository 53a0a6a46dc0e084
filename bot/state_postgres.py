"""The state store in PostgreSQL: several webhook replicas behind one database act as one bot.

Connections come from a psycopg_pool `AsyncConnectionPool` in autocommit mode: each single
statement is its own transaction, and claims and turns are one `INSERT ... ON CONFLICT`
statement each, so PostgreSQL's row locks make them exactly-once across replicas. The schema
is migrated at start under an advisory lock, so replicas starting together migrate in turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from bot.database import (
    POSTGRES_SCHEMA_LOCK,
    Params,
    SchemaTooNewError,
    connect_postgres,
    describe_url,
    migrate,
    postgres_executor,
    postgres_kwargs,
    to_postgres,
)
from bot.followup import DEFAULT_TIMEOUT_SECONDS
from bot.state import DEFAULT_STATE_DAYS, StateError
from bot.state_sql import COMPONENT, MIGRATIONS, SqlStateStore

APPLICATION_NAME = "klippekort-bot state"
DEFAULT_POOL_SIZE = 10
# How long a caller waits for a free connection before the call fails.
POOL_WAIT_SECONDS = 10.0
_T = TypeVar("_T")
_Connection = psycopg.AsyncConnection[Any]


class PostgresStateStore(SqlStateStore):
    """A `StateStore` in the PostgreSQL database `database_url` (a libpq URL or key=value
    string). Only `where` (host and database name) is ever logged, never the URL."""

    def __init__(
        self,
        database_url: str,
        follow_up_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        state_days: int = DEFAULT_STATE_DAYS,
        clock: Callable[[], float] = time.time,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        super().__init__(follow_up_seconds, state_days, clock)
        self._database_url = database_url
        self.where = describe_url(database_url)
        self.pool_size = pool_size
        self._pool: AsyncConnectionPool[_Connection] | None = None

    def __repr__(self) -> str:  # the default would show the URL and its password
        return f"PostgresStateStore({self.where})"

    async def start(self) -> None:
        if self._pool is not None:
            return
        try:
            await asyncio.to_thread(self._migrate)
            pool: AsyncConnectionPool[_Connection] = AsyncConnectionPool(
                self._database_url,
                min_size=1,
                max_size=self.pool_size,
                kwargs={"autocommit": True, **postgres_kwargs(APPLICATION_NAME)},
                timeout=POOL_WAIT_SECONDS,
                name="klippekort-state",
                open=False,
            )
            await pool.open(wait=True, timeout=POOL_WAIT_SECONDS)
        except (psycopg.Error, SchemaTooNewError) as error:
            raise StateError(f"the state store {self.where} cannot be used: {error}") from error
        self._pool = pool

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def _migrate(self) -> None:
        connection = connect_postgres(self._database_url, APPLICATION_NAME)
        with connection, connection.transaction():
            connection.execute(POSTGRES_SCHEMA_LOCK)
            migrate(postgres_executor(connection), COMPONENT, MIGRATIONS)

    # -- the primitives SqlStateStore uses -----------------------------------------------------

    async def _rows(self, sql: str, params: Params) -> list[tuple[Any, ...]]:
        async def rows(connection: _Connection) -> list[tuple[Any, ...]]:
            cursor = await connection.execute(to_postgres(sql), params)
            return list(await cursor.fetchall())

        return await self._with_connection(rows)

    async def _change(self, sql: str, params: Params) -> int:
        async def change(connection: _Connection) -> int:
            cursor = await connection.execute(to_postgres(sql), params)
            return cursor.rowcount

        return await self._with_connection(change)

    async def _transaction(self, statements: Sequence[tuple[str, Params]]) -> None:
        async def transaction(connection: _Connection) -> None:
            async with connection.transaction():
                for sql, params in statements:
                    await connection.execute(to_postgres(sql), params)

        await self._with_connection(transaction)

    async def _with_connection(self, work: Callable[[_Connection], Awaitable[_T]]) -> _T:
        if self._pool is None:
            raise StateError(f"the state store {self.where} is not started")
        for attempt in (1, 2):
            try:
                async with self._pool.connection() as connection:
                    try:
                        return await work(connection)
                    except psycopg.OperationalError:
                        # A connection the server closed (a restart, a failover) fails only
                        # once: the pool replaces it and the work is tried on a fresh one.
                        if attempt == 1 and connection.broken:
                            continue
                        raise
            except psycopg.Error as error:
                raise StateError(f"the state store {self.where} failed: {error}") from error
        raise AssertionError("unreachable")  # pragma: no cover
