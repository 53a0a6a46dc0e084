"""State that outlives one message: language choices, follow-up contexts, handled updates.

The Telegram adapter keeps these here instead of in memory, so that a restart forgets nothing
and several webhook replicas behind one database behave as one bot. Language choices are keyed
by user id, which makes them personal data: each is forgotten after `STATE_DAYS` unused, and
`forget_user` deletes everything about a user at once. Contexts expire with the follow-up
timeout; handled update ids are kept a day, long enough for Telegram's redeliveries.

`StateStore` is the interface; `MemoryStateStore` keeps it in one process (tests, the console),
`bot.state_sqlite.SqliteStateStore` in a file, `bot.state_postgres.PostgresStateStore` in a
PostgreSQL database several replicas share. `bot.state_factory.open_state_store` picks one
from the settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bot.followup import DEFAULT_TIMEOUT_SECONDS, Context

DEFAULT_STATE_DAYS = 180
STATE_DAYS_ENV = "STATE_DAYS"
STATE_DB_ENV = "STATE_DB"
DATABASE_URL_ENV = "DATABASE_URL"
# Telegram redelivers an unanswered update for about a day at most.
HANDLED_UPDATES_SECONDS = 24 * 3600
DEFAULT_STATE_FILE_NAME = "state.sqlite3"
_OFF = ("off", "no", "false", "0", "none")


class StateError(Exception):
    """The store's database cannot be used (unreachable, locked too long, corrupt, too new).
    The message names the database without its password."""


@dataclass(frozen=True)
class ChatUser:
    """One person in one chat: a follow-up context belongs to both, so two people in a group
    don't continue each other's questions."""

    chat_id: int
    user_id: int


class StateStore(Protocol):
    """Where the Telegram adapter keeps what it must not forget. Every method is safe to call
    from several processes at once against one database; the database-backed stores raise
    `StateError` (never a driver's exception) when their database fails."""

    async def start(self) -> None:
        """Open the store, creating or migrating its schema."""

    async def close(self) -> None:
        """Close the store; pending writes are finished first."""

    async def language(self, user_id: int) -> str | None:
        """The language the user chose, or None when they chose none (or it was forgotten).
        Reading it counts as use: it is kept `STATE_DAYS` from now."""

    async def set_language(self, user_id: int, language: str | None) -> None:
        """Keep the user's choice; None removes it ("automatic")."""

    async def context(self, who: ChatUser) -> Context | None:
        """The live follow-up context of that person in that chat, or None once it expired."""

    async def remember(self, who: ChatUser, context: Context) -> None:
        """Keep `context` for that person in that chat until the follow-up timeout passes."""

    async def forget_context(self, who: ChatUser) -> None:
        """Drop that person's context in that chat."""

    async def claim_update(self, update_id: int) -> bool:
        """True for the first caller, in any process, to claim this update id; False for
        every later one (a redelivery), so each update is answered exactly once."""

    async def forget_user(self, user_id: int) -> None:
        """Delete everything kept about the user: their language and their contexts in every
        chat."""

    async def take_turn(self, job: str, every_seconds: float) -> bool:
        """True when this process should run `job` now: at most one caller in `every_seconds`,
        across all processes sharing the store (the question log's purge runs once, not once
        per replica)."""

    async def purge(self) -> None:
        """Delete what has expired: old contexts, unused language choices, old update ids."""


class MemoryStateStore:
    """A `StateStore` in this process's memory: for the console and for tests."""

    def __init__(
        self,
        follow_up_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        state_days: int = DEFAULT_STATE_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.follow_up_seconds = follow_up_seconds
        self.state_seconds = state_days * 86400.0
        self.clock = clock
        self._languages: dict[int, tuple[str, float]] = {}
        self._contexts: dict[ChatUser, Context] = {}
        self._updates: dict[int, float] = {}
        self._turns: dict[str, float] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def language(self, user_id: int) -> str | None:
        kept = self._languages.get(user_id)
        now = self.clock()
        if kept is None or now - kept[1] > self.state_seconds:
            self._languages.pop(user_id, None)
            return None
        self._languages[user_id] = (kept[0], now)
        return kept[0]

    async def set_language(self, user_id: int, language: str | None) -> None:
        if language is None:
            self._languages.pop(user_id, None)
        else:
            self._languages[user_id] = (language, self.clock())

    async def context(self, who: ChatUser) -> Context | None:
        context = self._contexts.get(who)
        if context is not None and self.clock() - context.at > self.follow_up_seconds:
            del self._contexts[who]
            return None
        return context

    async def remember(self, who: ChatUser, context: Context) -> None:
        self._contexts[who] = replace(context, at=self.clock())

    async def forget_context(self, who: ChatUser) -> None:
        self._contexts.pop(who, None)

    async def claim_update(self, update_id: int) -> bool:
        if update_id in self._updates:
            return False
        self._updates[update_id] = self.clock()
        return True

    async def forget_user(self, user_id: int) -> None:
        self._languages.pop(user_id, None)
        for who in [who for who in self._contexts if who.user_id == user_id]:
            del self._contexts[who]

    async def take_turn(self, job: str, every_seconds: float) -> bool:
        now = self.clock()
        last = self._turns.get(job)
        if last is not None and now - last < every_seconds:
            return False
        self._turns[job] = now
        return True

    async def purge(self) -> None:
        now = self.clock()
        self._languages = {
            user: kept
            for user, kept in self._languages.items()
            if now - kept[1] <= self.state_seconds
        }
        self._contexts = {
            who: context
            for who, context in self._contexts.items()
            if now - context.at <= self.follow_up_seconds
        }
        self._updates = {
            update: at
            for update, at in self._updates.items()
            if now - at <= HANDLED_UPDATES_SECONDS
        }


def state_db_path(value: str | None, question_log: Path | None) -> Path | None:
    """The state file from STATE_DB's value: None (kept in memory) when it is "off"; when
    unset, `state.sqlite3` beside the question log (or in data/ when the log is off)."""
    text = (value or "").strip()
    if text.lower() in _OFF:
        return None
    return Path(text) if text else default_state_path(question_log)


def default_state_path(question_log: Path | None) -> Path:
    """`state.sqlite3` in the question log's folder, so one data folder holds both."""
    folder = question_log.parent if question_log is not None else Path("data")
    return folder / DEFAULT_STATE_FILE_NAME
