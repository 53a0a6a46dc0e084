"""State that outlives a process, and replicas that share it: `klippekort-bot run` in
subprocesses against the Bot API stand-in, on SQLite (polling) or one PostgreSQL (webhooks).

- a restart keeps a /sprog choice and a live follow-up context (polling on SQLite, webhook on
  PostgreSQL);
- two webhook processes on one PostgreSQL, updates posted round-robin to their ports: one
  language, one conversation, one answer per update even when both get it, one logged row per
  question;
- a burst of 500 updates from 100 users over two replicas: each answered once, none lost.

Speed is measured by scripts/bench_telegram.py, not here.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio

from bot.adapters.telegram.formatting import reply_html, split_html
from bot.assistant import Assistant
from tests.telegram_api_stub import JSON, TelegramApiStub
from tests.telegram_helpers import (
    START_TIMEOUT,
    BotProcess,
    StartProcess,
    assert_clean_log,
    bot_processes,
    environment,
    free_port,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SECRET = "replica-Secret_0123456789"
QUESTION_2014 = "Hvor mange timer blev brugt i 2014?"
CHOOSER, ASKER, NEWCOMER = 4101, 4102, 4103
ANSWER_TIMEOUT = 15.0


@pytest_asyncio.fixture(loop_scope="function")
async def start_process(tmp_path: Path) -> AsyncIterator[StartProcess]:
    async with bot_processes(tmp_path) as start:
        yield start


# -- how a test talks to the processes -----------------------------------------------------------


@dataclass
class Replica:
    """A `klippekort-bot run` process in webhook mode and the URL its server listens on."""

    process: BotProcess
    url: str


async def start_replica(
    stub: TelegramApiStub, start: StartProcess, home: Path, database_url: str
) -> Replica:
    """One webhook process on `database_url`, once its server accepts connections."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    env = environment(
        home,
        TELEGRAM_BOT_TOKEN=stub.token,
        TELEGRAM_API_BASE_URL=stub.base_url,
        WEBHOOK_URL=url,
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        DATABASE_URL=database_url,
        USER_QUESTIONS_PER_MINUTE="1000",
    )
    process = await start("run", env=env)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert process.process.returncode is None, f"exited; stderr:\n{process.stderr}"
            assert time.monotonic() < deadline, f"never listened; stderr:\n{process.stderr}"
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return Replica(process, url)


async def post(stub: TelegramApiStub, replica: Replica, update: JSON) -> None:
    """Deliver `update` to the replica's webhook as Telegram does; it must take it."""
    assert await stub.deliver_via_webhook(update, replica.url, SECRET) == 200


async def stop_all(stub: TelegramApiStub, *processes: BotProcess) -> str:
    """SIGTERM each (they finish what they hold, the question log is flushed); their logs."""
    codes = await asyncio.gather(*(p.stop(signal.SIGTERM) for p in processes))
    logs = "\n".join(p.stderr for p in processes)
    assert [code for code, _ in codes] == [0] * len(processes), logs
    assert_clean_log(logs, stub.token, SECRET)
    return logs


def texts_to(stub: TelegramApiStub, chat_id: int) -> list[str]:
    return [m["text"] for m in stub.sent_to(chat_id) if m["method"] == "sendMessage"]


async def answered(stub: TelegramApiStub, chat_id: int, count: int) -> list[str]:
    """The texts sent to `chat_id` once there are `count` of them."""

    def enough(_: list[JSON]) -> bool:
        return len(texts_to(stub, chat_id)) >= count

    enough.__name__ = f"{count} message(s) to chat {chat_id}"
    await stub.wait_for(enough, timeout=ANSWER_TIMEOUT)
    return texts_to(stub, chat_id)


def logged_questions(database_url: str) -> Counter[str]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("SELECT question FROM questions").fetchall()
    return Counter(question for (question,) in rows)


# -- 1. a restart keeps the language and the conversation -----------------------------------------

Send = Callable[[str, int], Awaitable[None]]


async def before_restart(stub: TelegramApiStub, send: Send) -> None:
    await send("/sprog en", CHOOSER)
    await send(QUESTION_2014, ASKER)
    assert len(await answered(stub, CHOOSER, 1)) == 1
    assert "16.880" in (await answered(stub, ASKER, 1))[0]


async def after_restart(stub: TelegramApiStub, send: Send) -> None:
    """The chosen English holds for a Danish question; the follow-up continues 2014."""
    await send(QUESTION_2014, CHOOSER)
    assert "16,880" in (await answered(stub, CHOOSER, 2))[1]
    # "the year before" means something only with the context kept before the restart ...
    await send("og året før?", ASKER)
    assert "17.011" in (await answered(stub, ASKER, 2))[1]
    await send("og 2015?", ASKER)
    assert "16.060" in (await answered(stub, ASKER, 3))[2]
    # ... as someone new to the bot shows: the same words are not an answer about 2013.
    await send("og året før?", NEWCOMER)
    assert not any("17.011" in text for text in await answered(stub, NEWCOMER, 1))


@pytest.mark.asyncio(loop_scope="function")
async def test_restart_keeps_language_and_follow_up_polling_on_sqlite(
    telegram_stub: TelegramApiStub, start_process: StartProcess, tmp_path: Path
) -> None:
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=telegram_stub.token,
        TELEGRAM_API_BASE_URL=telegram_stub.base_url,
    )

    async def send(text: str, user_id: int) -> None:
        telegram_stub.push_message(text, user_id=user_id, language_code="da")

    first = await start_process("run", env=env)
    await telegram_stub.wait_for_calls("getUpdates", timeout=START_TIMEOUT)
    await before_restart(telegram_stub, send)
    await stop_all(telegram_stub, first)
    assert (tmp_path / "work" / "data" / "state.sqlite3").is_file()

    polls = len(telegram_stub.calls_of("getUpdates"))
    second = await start_process("run", env=env)
    await telegram_stub.wait_for_calls("getUpdates", polls + 1, timeout=START_TIMEOUT)
    await after_restart(telegram_stub, send)
    await stop_all(telegram_stub, second)


@pytest.mark.asyncio(loop_scope="function")
async def test_restart_keeps_language_and_follow_up_webhook_on_postgres(
    telegram_stub: TelegramApiStub,
    start_process: StartProcess,
    tmp_path: Path,
    postgres_url: str,
) -> None:
    replica = await start_replica(telegram_stub, start_process, tmp_path, postgres_url)

    async def send(text: str, user_id: int) -> None:
        await post(telegram_stub, replica, telegram_stub.push_message(text, user_id=user_id))

    await before_restart(telegram_stub, send)
    await stop_all(telegram_stub, replica.process)
    replica = await start_replica(telegram_stub, start_process, tmp_path, postgres_url)
    await after_restart(telegram_stub, send)
    await stop_all(telegram_stub, replica.process)
    assert not (tmp_path / "work" / "data" / "state.sqlite3").exists()  # all of it in PostgreSQL


# -- 2. two replicas on one PostgreSQL -----------------------------------------------------------


@pytest.mark.asyncio(loop_scope="function")
async def test_two_webhook_replicas_share_one_postgres(
    telegram_stub: TelegramApiStub,
    start_process: StartProcess,
    tmp_path: Path,
    postgres_url: str,
) -> None:
    stub = telegram_stub
    replicas = await asyncio.gather(
        *(start_replica(stub, start_process, tmp_path, postgres_url) for _ in range(2))
    )
    turn = itertools.count()

    async def send(text: str, user_id: int) -> None:
        """Round-robin: each message to the other replica than the one before."""
        replica = replicas[next(turn) % 2]
        await post(stub, replica, stub.push_message(text, user_id=user_id))

    # A language chosen through one replica is honoured by the other.
    await send("/sprog en", CHOOSER)
    await answered(stub, CHOOSER, 1)
    await send(QUESTION_2014, CHOOSER)
    assert "16,880" in (await answered(stub, CHOOSER, 2))[1]
    # A conversation begun on one replica goes on on the other.
    await send(QUESTION_2014, ASKER)
    assert "16.880" in (await answered(stub, ASKER, 1))[0]
    await send("og året før?", ASKER)
    assert "17.011" in (await answered(stub, ASKER, 2))[1]

    # Telegram delivers one update twice, to both replicas at once: answered once.
    twice = stub.push_message("Hvad koster snitfladerne?", user_id=NEWCOMER)
    await asyncio.gather(*(post(stub, replica, twice) for replica in replicas))
    await answered(stub, NEWCOMER, 1)
    # And once more to each, one after the other, well after the first answer.
    for replica in replicas:
        await post(stub, replica, twice)
    await send("og 2015?", ASKER)  # an answer after the redeliveries were handled
    await answered(stub, ASKER, 3)

    logs = await stop_all(stub, *(replica.process for replica in replicas))
    assert len(texts_to(stub, NEWCOMER)) == 1, stub.describe_sent()
    assert logs.count(f"update {twice['update_id']} was handled already") == 3, logs
    # One row per question asked, whichever replica took it; commands are not questions.
    assert logged_questions(postgres_url) == Counter(
        {
            QUESTION_2014: 2,
            "og året før?": 1,
            "og 2015?": 1,
            "Hvad koster snitfladerne?": 1,
        }
    )


# -- 3. a burst over two replicas ----------------------------------------------------------------

USERS = 100
PER_USER = 5
FIRST_USER = 820_000_001
YEARS = (2011, 2012, 2013, 2014, 2015)
POSTS_AT_ONCE = 16


def burst_question(number: int) -> str:
    return f"Hvor mange timer blev brugt i {YEARS[number % len(YEARS)]}?"


@pytest.mark.asyncio(loop_scope="function")
async def test_burst_over_two_replicas_each_update_answered_once(
    telegram_stub: TelegramApiStub,
    start_process: StartProcess,
    tmp_path: Path,
    postgres_url: str,
    assistant: Assistant,
) -> None:
    stub = telegram_stub
    replicas = await asyncio.gather(
        *(start_replica(stub, start_process, tmp_path, postgres_url) for _ in range(2))
    )
    expected_text = {
        question: split_html(reply_html(assistant.reply(question, "da")))[0]
        for question in map(burst_question, range(len(YEARS)))
    }
    updates = [
        stub.push_message(burst_question(n // USERS), user_id=FIRST_USER + n % USERS)
        for n in range(USERS * PER_USER)
    ]
    # Each to the replica after the last; every tenth also redelivered to the other one.
    deliveries = [(updates[n], replicas[n % 2]) for n in range(len(updates))]
    deliveries += [(updates[n], replicas[(n + 1) % 2]) for n in range(0, len(updates), 10)]
    gate = asyncio.Semaphore(POSTS_AT_ONCE)

    async def deliver(update: JSON, replica: Replica) -> None:
        async with gate:
            await post(stub, replica, update)

    await asyncio.gather(*(deliver(update, replica) for update, replica in deliveries))

    def all_answered(sent: list[JSON]) -> bool:
        return len(sent) >= len(updates)

    await stub.wait_for(all_answered, timeout=60)
    await stop_all(stub, *(replica.process for replica in replicas))

    answers = [m for m in stub.sent if m["method"] == "sendMessage"]
    assert len(answers) == len(updates), f"{len(answers)} answers to {len(updates)} updates"
    for user in range(FIRST_USER, FIRST_USER + USERS):
        asked = [
            expected_text[update["message"]["text"]]
            for update in updates
            if update["message"]["chat"]["id"] == user
        ]
        assert sorted(texts_to(stub, user)) == sorted(asked), f"user {user}"
    assert sum(logged_questions(postgres_url).values()) == len(updates)
