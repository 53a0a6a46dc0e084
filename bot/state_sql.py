"""The state store on an SQL database: its schema, its statements and its logic, written once.

`SqlStateStore` implements every `bot.state.StateStore` method in terms of three primitives a
backend provides (`_rows`, `_change`, `_transaction`); `bot.state_sqlite` and
`bot.state_postgres` supply them. Times are wall-clock seconds (the clock is injectable), so
that every process sharing the database agrees on what has expired.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot.database import TAKE_TURN, TURNS_TABLE, Migration, Params, take_turn_params
from bot.followup import Context
from bot.normalize import Period
from bot.state import HANDLED_UPDATES_SECONDS, ChatUser

COMPONENT = "state"
# Step 1 made the tables; step 2 added the indexes that purging and forget_user search by.
MIGRATIONS: tuple[Migration, ...] = (
    (
        1,
        (
            "CREATE TABLE languages (user_id BIGINT PRIMARY KEY, language TEXT NOT NULL,"
            " used_at DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE contexts (chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL,"
            " entry_id TEXT NOT NULL, periods TEXT NOT NULL, language TEXT NOT NULL,"
            " at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,"
            " PRIMARY KEY (chat_id, user_id))",
            "CREATE TABLE handled_updates (update_id BIGINT PRIMARY KEY,"
            " handled_at DOUBLE PRECISION NOT NULL)",
            TURNS_TABLE,
        ),
    ),
    (
        2,
        (
            "CREATE INDEX contexts_by_user ON contexts (user_id)",
            "CREATE INDEX contexts_by_expiry ON contexts (expires_at)",
            "CREATE INDEX languages_by_use ON languages (used_at)",
            "CREATE INDEX handled_updates_by_time ON handled_updates (handled_at)",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
# Reading a language renews it, but writing on every message would make each read a write:
# the renewal is written at most this often (a day of the default 180).
RENEW_AT_MOST_EVERY_SECONDS = 86400.0

_GET_LANGUAGE = "SELECT language, used_at FROM languages WHERE user_id = ?"
_RENEW_LANGUAGE = "UPDATE languages SET used_at = ? WHERE user_id = ? AND used_at < ?"
_DROP_EXPIRED_LANGUAGE = "DELETE FROM languages WHERE user_id = ? AND used_at < ?"
_SET_LANGUAGE = (
    "INSERT INTO languages (user_id, language, used_at) VALUES (?, ?, ?)"
    " ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,"
    " used_at = excluded.used_at"
)
_DROP_LANGUAGE = "DELETE FROM languages WHERE user_id = ?"
_GET_CONTEXT = (
    "SELECT entry_id, periods, language, at FROM contexts"
    " WHERE chat_id = ? AND user_id = ? AND expires_at >= ?"
)
_SET_CONTEXT = (
    "INSERT INTO contexts (chat_id, user_id, entry_id, periods, language, at, expires_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
    " entry_id = excluded.entry_id, periods = excluded.periods, language = excluded.language,"
    " at = excluded.at, expires_at = excluded.expires_at"
)
_DROP_CONTEXT = "DELETE FROM contexts WHERE chat_id = ? AND user_id = ?"
_DROP_USER_CONTEXTS = "DELETE FROM contexts WHERE user_id = ?"
_CLAIM_UPDATE = (
    "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)"
    " ON CONFLICT (update_id) DO NOTHING"
)
_PURGE_CONTEXTS = "DELETE FROM contexts WHERE expires_at < ?"
_PURGE_LANGUAGES = "DELETE FROM languages WHERE used_at < ?"
_PURGE_UPDATES = "DELETE FROM handled_updates WHERE handled_at < ?"


class SqlStateStore:
    """The `StateStore` logic over a backend's primitives; not used directly."""

    def __init__(
        self, follow_up_seconds: float, state_days: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.follow_up_seconds = follow_up_seconds
        self.state_seconds = state_days * 86400.0
        self.clock = clock
        self.renew_after = min(RENEW_AT_MOST_EVERY_SECONDS, self.state_seconds / 10)

    # -- what a backend provides ---------------------------------------------------------------

    async def _rows(self, sql: str, params: Params) -> list[tuple[Any, ...]]:
        """The rows of one statement (`?` placeholders)."""
        raise NotImplementedError

    async def _change(self, sql: str, params: Params) -> int:
        """Run one writing statement on its own; the number of rows it changed."""
        raise NotImplementedError

    async def _transaction(self, statements: Sequence[tuple[str, Params]]) -> None:
        """Run the statements in one transaction: all of them or none."""
        raise NotImplementedError

    # -- the StateStore methods ----------------------------------------------------------------

    async def language(self, user_id: int) -> str | None:
        now = self.clock()
        rows = await self._rows(_GET_LANGUAGE, (user_id,))
        if not rows:
            return None
        language, used_at = str(rows[0][0]), float(rows[0][1])
        if now - used_at > self.state_seconds:
            await self._change(_DROP_EXPIRED_LANGUAGE, (user_id, now - self.state_seconds))
            return None
        if now - used_at > self.renew_after:
            await self._change(_RENEW_LANGUAGE, (now, user_id, now))
        return language

    async def set_language(self, user_id: int, language: str | None) -> None:
        if language is None:
            await self._change(_DROP_LANGUAGE, (user_id,))
        else:
            await self._change(_SET_LANGUAGE, (user_id, language, self.clock()))

    async def context(self, who: ChatUser) -> Context | None:
        rows = await self._rows(_GET_CONTEXT, (who.chat_id, who.user_id, self.clock()))
        if not rows:
            return None
        entry_id, periods, language, at = rows[0]
        return Context(str(entry_id), _periods(str(periods)), str(language), float(at))

    async def remember(self, who: ChatUser, context: Context) -> None:
        now = self.clock()
        periods = json.dumps([[period.first, period.last] for period in context.periods])
        await self._change(
            _SET_CONTEXT,
            (
                who.chat_id,
                who.user_id,
                context.entry_id,
                periods,
                context.language,
                now,
                now + self.follow_up_seconds,
            ),
        )

    async def forget_context(self, who: ChatUser) -> None:
        await self._change(_DROP_CONTEXT, (who.chat_id, who.user_id))

    async def claim_update(self, update_id: int) -> bool:
        return await self._change(_CLAIM_UPDATE, (update_id, self.clock())) == 1

    async def forget_user(self, user_id: int) -> None:
        await self._transaction([(_DROP_LANGUAGE, (user_id,)), (_DROP_USER_CONTEXTS, (user_id,))])

    async def take_turn(self, job: str, every_seconds: float) -> bool:
        params = take_turn_params(job, self.clock(), every_seconds)
        return await self._change(TAKE_TURN, params) == 1

    async def purge(self) -> None:
        now = self.clock()
        await self._transaction(
            [
                (_PURGE_CONTEXTS, (now,)),
                (_PURGE_LANGUAGES, (now - self.state_seconds,)),
                (_PURGE_UPDATES, (now - HANDLED_UPDATES_SECONDS,)),
            ]
        )


def _periods(text: str) -> tuple[Period, ...]:
    return tuple(Period(int(first), int(last)) for first, last in json.loads(text))
