"""The state store: the same behaviour in memory, in SQLite and in PostgreSQL, and the
guarantees two replicas on one database rely on (one claim, one turn)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
import pytest_asyncio

from bot.database import SCHEMA_VERSION_TABLE, describe_url, migrate
from bot.followup import Context
from bot.normalize import Period
from bot.state import (
    HANDLED_UPDATES_SECONDS,
    ChatUser,
    MemoryStateStore,
    StateError,
    StateStore,
    default_state_path,
    state_db_path,
)
from bot.state_factory import open_state_store
from bot.state_postgres import PostgresStateStore
from bot.state_sql import COMPONENT, MIGRATIONS, SCHEMA_VERSION, SqlStateStore
from bot.state_sqlite import SqliteStateStore
from tests.postgres import ThrowawayServer, fresh_database

NOW = 1_800_000_000.0
DAY = 86400.0
ALICE, BOB = 111, 222
FOLLOW_UP = 900.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


MakeStore = Callable[..., Awaitable[StateStore]]


class Backend:
    """Where the stores of one test live: `make()` opens another store ("replica") on it."""

    def __init__(self, kind: str, tmp_path: Path, url: str | None) -> None:
        self.kind = kind
        self.path = tmp_path / "state" / "state.sqlite3"
        self.url = url
        self.stores: list[StateStore] = []

    async def make(self, clock: Callable[[], float], state_days: int = 180) -> StateStore:
        store: StateStore
        if self.kind == "memory":
            store = MemoryStateStore(FOLLOW_UP, state_days, clock)
        elif self.kind == "sqlite":
            store = SqliteStateStore(self.path, FOLLOW_UP, state_days, clock)
        else:
            assert self.url is not None
            store = PostgresStateStore(self.url, FOLLOW_UP, state_days, clock)
        await store.start()
        self.stores.append(store)
        return store

    def count(self, table: str) -> int:
        """Rows in a table, read behind the store's back."""
        query = f"SELECT count(*) FROM {table}"
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as db:
                return int(db.execute(query).fetchone()[0])
        assert self.url is not None
        with psycopg.connect(self.url) as db:
            row = db.execute(query).fetchone()
            assert row is not None
            return int(row[0])


async def _backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    url = request.getfixturevalue("postgres_url") if kind == "postgres" else None
    return Backend(kind, tmp_path, url)


@pytest_asyncio.fixture(params=["memory", "sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Every kind of store."""
    made = await _backend(request.param, request, tmp_path)
    yield made
    for store in made.stores:
        await store.close()


@pytest_asyncio.fixture(params=["sqlite", "postgres"])
async def shared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """The stores several processes can share."""
    made = await _backend(request.param, request, tmp_path)
    yield made
    for store in made.stores:
        await store.close()


def a_context(entry_id: str = "usage", language: str = "da") -> Context:
    return Context(entry_id, (Period(2014, 2014), Period(2010, 2016)), language, at=0.0)


# -- the same behaviour everywhere ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_language_is_set_read_and_cleared(backend: Backend) -> None:
    store = await backend.make(Clock())
    assert await store.language(ALICE) is None
    await store.set_language(ALICE, "en")
    await store.set_language(BOB, "da")
    assert await store.language(ALICE) == "en"
    await store.set_language(ALICE, "da")
    assert await store.language(ALICE) == "da"
    await store.set_language(ALICE, None)
    assert await store.language(ALICE) is None
    assert await store.language(BOB) == "da"


@pytest.mark.asyncio
async def test_an_unused_language_is_forgotten_and_reading_renews_it(backend: Backend) -> None:
    clock = Clock()
    store = await backend.make(clock, state_days=180)
    await store.set_language(ALICE, "en")
    await store.set_language(BOB, "en")
    clock.advance(100 * DAY)
    assert await store.language(ALICE) == "en"  # used: kept 180 days from now
    clock.advance(100 * DAY)  # 200 days after it was set, 100 after it was read
    assert await store.language(ALICE) == "en"
    assert await store.language(BOB) is None  # unused for 200 days
    clock.advance(181 * DAY)
    assert await store.language(ALICE) is None
    await store.set_language(ALICE, "da")  # a new choice after expiry counts again
    assert await store.language(ALICE) == "da"


@pytest.mark.asyncio
async def test_a_context_lives_until_the_follow_up_timeout(backend: Backend) -> None:
    clock = Clock()
    store = await backend.make(clock)
    alice_here, alice_there = ChatUser(-5, ALICE), ChatUser(-6, ALICE)
    await store.remember(alice_here, a_context("usage", "en"))
    clock.advance(FOLLOW_UP - 1)
    kept = await store.context(alice_here)
    assert kept is not None
    assert (kept.entry_id, kept.periods, kept.language) == (
        "usage",
        (Period(2014, 2014), Period(2010, 2016)),
        "en",
    )
    assert kept.at == NOW  # the time it was remembered, on the wall clock
    assert await store.context(alice_there) is None
    assert await store.context(ChatUser(-5, BOB)) is None  # not someone else's in that chat
    clock.advance(2)
    assert await store.context(alice_here) is None


@pytest.mark.asyncio
async def test_remembering_again_replaces_and_restarts_the_context(backend: Backend) -> None:
    clock = Clock()
    store = await backend.make(clock)
    who = ChatUser(1, ALICE)
    await store.remember(who, a_context("usage"))
    clock.advance(FOLLOW_UP - 10)
    await store.remember(who, Context("remaining_hours", (), "da", at=0.0))
    clock.advance(FOLLOW_UP - 10)
    kept = await store.context(who)
    assert kept is not None
    assert (kept.entry_id, kept.periods) == ("remaining_hours", ())
    await store.forget_context(who)
    assert await store.context(who) is None


@pytest.mark.asyncio
async def test_forget_user_deletes_everything_about_them_only(backend: Backend) -> None:
    store = await backend.make(Clock())
    for chat in (ALICE, -100, -200):
        await store.remember(ChatUser(chat, ALICE), a_context())
    await store.remember(ChatUser(-100, BOB), a_context())
    await store.set_language(ALICE, "en")
    await store.set_language(BOB, "en")
    await store.forget_user(ALICE)
    assert await store.language(ALICE) is None
    for chat in (ALICE, -100, -200):
        assert await store.context(ChatUser(chat, ALICE)) is None
    assert await store.language(BOB) == "en"
    assert await store.context(ChatUser(-100, BOB)) is not None


@pytest.mark.asyncio
async def test_an_update_is_claimed_once(backend: Backend) -> None:
    clock = Clock()
    store = await backend.make(clock)
    assert await store.claim_update(7)
    assert not await store.claim_update(7)
    assert await store.claim_update(8)
    clock.advance(HANDLED_UPDATES_SECONDS - 1)
    await store.purge()
    assert not await store.claim_update(7)  # still remembered within a day


@pytest.mark.asyncio
async def test_a_job_gets_a_turn_once_per_period(backend: Backend) -> None:
    clock = Clock()
    store = await backend.make(clock)
    assert await store.take_turn("purge", 3600)
    assert not await store.take_turn("purge", 3600)
    assert await store.take_turn("other", 3600)
    clock.advance(3599)
    assert not await store.take_turn("purge", 3600)
    clock.advance(1)
    assert await store.take_turn("purge", 3600)


# -- what sharing a database guarantees ------------------------------------------------------------


@pytest.mark.asyncio
async def test_two_replicas_claim_an_update_exactly_once(shared: Backend) -> None:
    clock = Clock()
    first, second = await shared.make(clock), await shared.make(clock)
    for update_id in range(1, 6):
        claims = [(first if n % 2 else second).claim_update(update_id) for n in range(50)]
        won = await asyncio.gather(*claims)
        assert won.count(True) == 1, (update_id, won)


# Another process: opens the same store, says "ready", waits for "go", then claims update ids
# 1..CLAIMED and takes one turn, and prints what it won.
_OTHER_PROCESS = """
import asyncio, json, sys
from pathlib import Path
from bot.state_postgres import PostgresStateStore
from bot.state_sqlite import SqliteStateStore

async def main(kind, where, count):
    store = SqliteStateStore(Path(where)) if kind == "sqlite" else PostgresStateStore(where)
    await store.start()
    print("ready", flush=True)
    sys.stdin.readline()
    won = [n for n in range(1, count + 1) if await store.claim_update(n)]
    turn = await store.take_turn("cross-process", 3600)
    await store.close()
    print(json.dumps({"won": won, "turn": turn}), flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""
CLAIMED = 300


@pytest.mark.asyncio
async def test_two_processes_claim_each_update_once(shared: Backend) -> None:
    import json
    import os
    import sys

    # On the wall clock, as the other process is: the turn compares their times.
    store = await shared.make(time.time)  # and creates the schema before the other opens it
    where = str(shared.path) if shared.kind == "sqlite" else str(shared.url)
    root = Path(__file__).resolve().parent.parent
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _OTHER_PROCESS, shared.kind, where, str(CLAIMED),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert other.stdin is not None
    assert other.stdout is not None
    assert (await asyncio.wait_for(other.stdout.readline(), 60)).strip() == b"ready"
    other.stdin.write(b"go\n")
    await other.stdin.drain()
    mine = []
    for number in range(CLAIMED, 0, -1):  # from the other end, so that both win some
        if await store.claim_update(number):
            mine.append(number)
    my_turn = await store.take_turn("cross-process", 3600)
    theirs = json.loads(await asyncio.wait_for(other.stdout.readline(), 60))
    assert await other.wait() == 0
    assert sorted(mine + theirs["won"]) == list(range(1, CLAIMED + 1))  # each once, none lost
    assert [my_turn, theirs["turn"]].count(True) == 1


@pytest.mark.asyncio
async def test_two_replicas_take_one_turn(shared: Backend) -> None:
    clock = Clock()
    first, second = await shared.make(clock), await shared.make(clock)
    turns = await asyncio.gather(
        *((first if n % 2 else second).take_turn("questionlog.purge", 3600) for n in range(40))
    )
    assert turns.count(True) == 1
    assert not await second.take_turn("questionlog.purge", 3600)
    clock.advance(3600)
    assert await second.take_turn("questionlog.purge", 3600)
    assert not await first.take_turn("questionlog.purge", 3600)


@pytest.mark.asyncio
async def test_what_one_replica_writes_the_other_reads(shared: Backend) -> None:
    clock = Clock()
    first, second = await shared.make(clock), await shared.make(clock)
    await first.set_language(ALICE, "en")
    await first.remember(ChatUser(1, ALICE), a_context())
    assert await second.language(ALICE) == "en"
    assert await second.context(ChatUser(1, ALICE)) is not None
    await second.forget_user(ALICE)
    assert await first.language(ALICE) is None


@pytest.mark.asyncio
async def test_purge_deletes_only_what_expired(shared: Backend) -> None:
    clock = Clock()
    store = await shared.make(clock, state_days=10)
    await store.set_language(ALICE, "en")
    await store.remember(ChatUser(1, ALICE), a_context())
    await store.claim_update(1)
    clock.advance(FOLLOW_UP + 1)
    await store.set_language(BOB, "da")
    await store.remember(ChatUser(1, BOB), a_context())
    await store.claim_update(2)
    await store.purge()
    assert (shared.count("contexts"), shared.count("languages")) == (1, 2)
    clock.advance(HANDLED_UPDATES_SECONDS)
    await store.purge()
    assert (shared.count("contexts"), shared.count("handled_updates")) == (0, 1)
    clock.advance(10 * DAY)
    await store.purge()
    assert (shared.count("languages"), shared.count("handled_updates")) == (0, 0)


@pytest.mark.asyncio
async def test_a_database_of_the_previous_version_is_migrated(shared: Backend) -> None:
    previous = MIGRATIONS[:-1]
    assert previous, "there is a previous schema version to migrate from"

    def make_previous(execute: Any) -> None:
        migrate(execute, COMPONENT, previous)
        execute("INSERT INTO languages (user_id, language, used_at) VALUES (?, ?, ?)",
                (ALICE, "en", NOW))  # fmt: skip

    if shared.kind == "sqlite":
        shared.path.parent.mkdir(parents=True)
        with sqlite3.connect(shared.path) as db:
            make_previous(lambda sql, params: db.execute(sql, params).fetchall())
    else:
        from bot.database import postgres_executor

        assert shared.url is not None
        with psycopg.connect(shared.url, autocommit=True) as connection:
            make_previous(postgres_executor(connection))
    assert _version(shared) == previous[-1][0]
    store = await shared.make(Clock())
    assert _version(shared) == SCHEMA_VERSION
    assert await store.language(ALICE) == "en"  # the data came along
    await store.remember(ChatUser(1, ALICE), a_context())
    await store.forget_user(ALICE)
    assert shared.count("contexts") == 0
    # and opening it again changes nothing
    await (await shared.make(Clock())).close()
    assert _version(shared) == SCHEMA_VERSION


@pytest.mark.asyncio
async def test_a_newer_schema_is_refused_with_a_clear_error(shared: Backend) -> None:
    await (await shared.make(Clock())).close()
    sql = f"UPDATE schema_version SET version = {SCHEMA_VERSION + 1}"
    if shared.kind == "sqlite":
        with sqlite3.connect(shared.path) as db:
            db.execute(sql)
    else:
        assert shared.url is not None
        with psycopg.connect(shared.url, autocommit=True) as db:
            db.execute(sql)
    with pytest.raises(StateError, match="newer than this bot"):
        await shared.make(Clock())


def _version(backend: Backend) -> int:
    query = "SELECT version FROM schema_version WHERE component = 'state'"
    if backend.kind == "sqlite":
        with sqlite3.connect(backend.path) as db:
            return int(db.execute(query).fetchone()[0])
    assert backend.url is not None
    with psycopg.connect(backend.url) as db:
        row = db.execute(query).fetchone()
        assert row is not None
        return int(row[0])


# -- SQLite and PostgreSQL specifics ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_sqlite_store_is_a_wal_file_with_its_folder_made(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "state.sqlite3"
    store = SqliteStateStore(path)
    await store.start()
    await store.set_language(ALICE, "en")
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT * FROM languages").fetchall()[0][:2] == (ALICE, "en")
    with sqlite3.connect(path) as db:
        assert db.execute(SCHEMA_VERSION_TABLE).fetchall() == []  # it exists already


@pytest.mark.asyncio
async def test_a_store_that_cannot_open_raises_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StateError, match="cannot be used"):
        await SqliteStateStore(blocker / "state.sqlite3").start()
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"not a database" * 500)
    with pytest.raises(StateError, match="cannot be used"):
        await SqliteStateStore(corrupt).start()


@pytest.mark.asyncio
async def test_a_store_used_before_start_says_so(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="not started"):
        await SqliteStateStore(tmp_path / "s.sqlite3").language(ALICE)
    with pytest.raises(StateError, match="not started"):
        await PostgresStateStore("postgresql://u@127.0.0.1:1/db").language(ALICE)


@pytest.mark.asyncio
async def test_unreachable_postgres_fails_without_showing_the_password() -> None:
    url = f"postgresql://bot:s3cret-pw@127.0.0.1:{_closed_port()}/klippekort"
    store = PostgresStateStore(url)
    with pytest.raises(StateError) as raised:
        await store.start()
    assert "s3cret-pw" not in str(raised.value)
    assert "127.0.0.1" in str(raised.value)
    assert "s3cret-pw" not in repr(store)


def _closed_port() -> int:
    from tests.postgres import free_port

    return free_port()  # nothing listens there once the probe is closed


@pytest.mark.asyncio
async def test_a_postgres_restart_costs_no_call(postgres_server: ThrowawayServer) -> None:
    with fresh_database(postgres_server) as url:
        store = PostgresStateStore(url, pool_size=2)
        await store.start()
        try:
            await store.set_language(ALICE, "en")
            # The server ends every session, as a restart or a failover does.
            with psycopg.connect(url, autocommit=True) as admin:
                ended = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'klippekort-bot state'"
                ).fetchall()
            assert ended == [(True,)]
            assert await store.language(ALICE) == "en"
        finally:
            await store.close()  # an open pool would keep the test's event loop from ending


def test_database_urls_are_described_without_passwords() -> None:
    assert describe_url("postgresql://bot:pw@db.example:5433/kk") == "PostgreSQL db.example:5433/kk"
    assert describe_url("host=db dbname=kk user=bot password=pw") == "PostgreSQL db/kk"
    assert "pw" not in describe_url("postgresql://bot:pw@[broken")


def test_the_factory_picks_the_store_from_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    assert isinstance(open_state_store(None, path), SqliteStateStore)
    assert isinstance(open_state_store("", path), SqliteStateStore)
    assert isinstance(open_state_store(None, None), MemoryStateStore)
    postgres = open_state_store("postgresql://bot:pw@db/kk", path, 60, 30)
    assert isinstance(postgres, PostgresStateStore)
    assert isinstance(postgres, SqlStateStore)
    assert (postgres.follow_up_seconds, postgres.state_seconds) == (60, 30 * DAY)


def test_state_file_setting() -> None:
    log = Path("/var/lib/k/questions.sqlite3")
    assert state_db_path("off", log) is None
    assert state_db_path("", log) == Path("/var/lib/k/state.sqlite3")
    assert state_db_path(None, None) == Path("data") / "state.sqlite3"
    assert state_db_path(" /srv/s.db ", log) == Path("/srv/s.db")
    assert default_state_path(log) == Path("/var/lib/k/state.sqlite3")
