"""Shared fixtures: the real knowledge base, an assistant on it, broken copies of it, and a
Telegram bot polling the stand-in. Helpers live in modules of their own (tests/telegram_helpers.py);
`RunningBot`, `SEED` and `line_of` are still found here by older tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.adapters.telegram.application import build_application
from bot.adapters.telegram.settings import Settings
from bot.assistant import Assistant
from bot.cache import CACHE_ENV
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, KnowledgeBase, load_knowledge
from tests.helpers import ROOT, SEED, line_of
from tests.postgres import ThrowawayServer, fresh_database, shared_server
from tests.telegram_api_stub import TelegramApiStub
from tests.telegram_helpers import RunningBot

__all__ = ["ROOT", "SEED", "RunningBot", "StartBot", "line_of"]


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built assistants go to a folder of the test run, never the user's own cache; the
    environment carries it to every command the tests start."""
    folder = tmp_path_factory.mktemp("cache")
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = previous


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge(DEFAULT_KNOWLEDGE_PATH)


@pytest.fixture(scope="session")
def assistant(knowledge: KnowledgeBase) -> Assistant:
    return Assistant(knowledge)


@pytest.fixture
def kb_text() -> str:
    return DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8")


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge file, in a folder of its own, to change freely."""
    copy = tmp_path / "kb" / "klippekort.yaml"
    copy.parent.mkdir()
    shutil.copyfile(DEFAULT_KNOWLEDGE_PATH, copy)
    return copy


@pytest.fixture
def write_kb(tmp_path: Path) -> Callable[[str], Path]:
    """Write a knowledge-base text to a temporary file and return its path."""

    def write(text: str, name: str = "kb.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# -- Telegram: the real Application against the local Bot API stand-in, over HTTP ----------------


@pytest_asyncio.fixture(loop_scope="function")
async def telegram_stub() -> AsyncIterator[TelegramApiStub]:
    async with TelegramApiStub() as stub:
        yield stub


StartBot = Callable[..., Awaitable[RunningBot]]


@pytest_asyncio.fixture(loop_scope="function")
async def start_bot(
    telegram_stub: TelegramApiStub, knowledge: KnowledgeBase
) -> AsyncIterator[StartBot]:
    """Start a fresh bot: `await start_bot(max_update_age=60, ...)` (Settings fields)."""
    running: list[RunningBot] = []

    async def start(poll: bool = True, **overrides: Any) -> RunningBot:
        settings = Settings(
            token=telegram_stub.token, api_base_url=telegram_stub.base_url, **overrides
        )
        application = build_application(
            settings, Assistant(knowledge), telegram_limits=False, retry_backoff=0.01
        )
        await application.initialize()
        await application.start()
        if poll:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
        bot = RunningBot(application, telegram_stub, settings)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


@pytest_asyncio.fixture(loop_scope="function")
async def running_bot(start_bot: StartBot) -> RunningBot:
    """A bot with default settings, polling."""
    return await start_bot()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayServer]:
    """One throwaway PostgreSQL server for the whole run, started by the first test needing it."""
    yield from shared_server()


@pytest.fixture
def postgres_url(postgres_server: ThrowawayServer) -> Iterator[str]:
    """A fresh database on that server for one test, dropped after it."""
    with fresh_database(postgres_server) as url:
        yield url
