"""Helpers of the Telegram tests: a running bot over HTTP, and an offline one fed updates.

Two ways to drive the real Application from `build_application`:

- `RunningBot` (fixtures `start_bot`, `running_bot` in conftest): it long-polls the Bot API
  stand-in (tests/telegram_api_stub.py) over real HTTP; for the transport, retries, webhooks.
- `OfflineBot`: no network at all. Updates are fed as `Update.de_json(...)` to
  `application.process_update`, and the bot's calls go to `RecordingRequest`, a `BaseRequest`
  that records each call and answers with canned JSON, as python-telegram-bot's own tests do.

And `klippekort-bot run` itself, as a user runs it: `bot_processes` starts the console script in
subprocesses (`BotProcess`) with a controlled environment (`environment`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.adapters.telegram.application import build_application
from bot.adapters.telegram.services import Services, services_of
from bot.adapters.telegram.settings import Settings
from bot.assistant import Assistant
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, KnowledgeBase, load_knowledge
from bot.state import MemoryStateStore, StateStore
from tests.telegram_api_stub import TelegramApiStub

JSON = dict[str, Any]
BOT_ID = 777_000_111
BOT_USERNAME = "klippekort_test_bot"
TOKEN = f"{BOT_ID}:AAH-offline-test-token-0123456789"
# A question the bot offers choices for (vague: two topics at once). The tests that use it
# check that it still does; pick another when the matcher changes.
SUGGESTING_QUESTION = "puljen eller årstal?"
# Update ids unique across every offline bot of a run: a store kept on disk remembers them.
_UPDATE_IDS = itertools.count(1)


@cache
def shipped_knowledge() -> KnowledgeBase:
    return load_knowledge(DEFAULT_KNOWLEDGE_PATH)


def ui(key: str, language: str = "da", **values: object) -> str:
    """The bot's words for `key`, as the shipped knowledge base's `ui:` has them."""
    return shipped_knowledge().text(key, language, **values)


# -- over HTTP: the stand-in ------------------------------------------------------------------


@dataclass
class RunningBot:
    """A started Application polling the stand-in; `stub` records what the bot sent."""

    application: Application[Any, Any, Any, Any, Any, Any]
    stub: TelegramApiStub
    settings: Settings
    stopped: bool = field(default=False)

    @property
    def services(self) -> Services:
        return services_of(self.application)

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until the stand-in's queue is confirmed and the bot has handled every update."""
        await self.stub.wait_until_consumed(timeout)
        await asyncio.wait_for(self.application.update_queue.join(), timeout)

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.application.updater and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        # As run_polling does: housekeeping stops, the question log and the store close.
        assert self.application.post_shutdown is not None
        await self.application.post_shutdown(self.application)


# -- offline: process_update with a recording request ----------------------------------------


class RecordingRequest(BaseRequest):
    """Answers every Bot API call with canned JSON and records it: (method, parameters)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, JSON]] = []
        self._message_ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        parameters = request_data.json_parameters if request_data else {}
        decoded = {name: _decoded(value) for name, value in parameters.items()}
        self.calls.append((endpoint, decoded))
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, decoded)}).encode()

    def _result(self, endpoint: str, parameters: JSON) -> object:
        if endpoint == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Klippekort",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if endpoint in ("sendMessage", "sendPhoto", "editMessageText"):
            chat_id = parameters.get("chat_id", 1)
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": parameters.get("text", ""),
            }
        return True

    def of(self, method: str) -> list[JSON]:
        return [parameters for name, parameters in self.calls if name == method]

    def texts(self) -> list[str]:
        """The texts the bot sent or edited, in order (answers to button presses included)."""
        return [
            str(parameters.get("text", ""))
            for name, parameters in self.calls
            if name in ("sendMessage", "editMessageText", "answerCallbackQuery")
        ]


def _decoded(value: str) -> object:
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass
class OfflineBot:
    """An initialized Application that no network reaches; `feed` hands it one update."""

    application: Application[Any, Any, Any, Any, Any, Any]
    request: RecordingRequest

    @property
    def services(self) -> Services:
        return services_of(self.application)

    async def feed(self, update: JSON) -> list[tuple[str, JSON]]:
        """Process one update (a dict as Telegram sends it); the calls the bot made for it."""
        update.setdefault("update_id", next(_UPDATE_IDS))
        before = len(self.request.calls)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        return self.request.calls[before:]

    async def say(
        self, text: str, user_id: int = 42, chat_id: int | None = None, **user: Any
    ) -> list[tuple[str, JSON]]:
        """A private (or, with a negative `chat_id`, group) text message from `user_id`."""
        return await self.feed(message_update(text, user_id, chat_id, **user))


def message_update(
    text: str, user_id: int = 42, chat_id: int | None = None, language_code: str = "da"
) -> JSON:
    chat_id = user_id if chat_id is None else chat_id
    chat_type = "private" if chat_id > 0 else "supergroup"
    message: JSON = {
        "message_id": int(time.time() * 1000) % 1_000_000,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type},
        "from": {
            "id": user_id,
            "is_bot": False,
            "first_name": "Testa",
            "language_code": language_code,
        },
        "text": text,
    }
    first = text.split()[0] if text.strip() else ""
    if first.startswith(("/", "@")):
        kind = "bot_command" if first.startswith("/") else "mention"
        message["entities"] = [{"type": kind, "offset": 0, "length": len(first)}]
    return {"message": message}


def callback_update(data: str, user_id: int = 42, language_code: str = "da") -> JSON:
    """A press of a button with `data` under a message the bot sent in the user's chat."""
    return {
        "callback_query": {
            "id": f"cb{time.monotonic_ns()}",
            "chat_instance": "1",
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "Testa",
                "language_code": language_code,
            },
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Klippekort"},
                "text": "…",
            },
        }
    }


@asynccontextmanager
async def offline_bot(
    assistant: Assistant | None = None, store: StateStore | None = None, **overrides: Any
) -> AsyncIterator[OfflineBot]:
    """A bot on the shipped knowledge base (or `assistant`), fed updates with no network."""
    settings = Settings(token=TOKEN, **overrides)
    request = RecordingRequest()
    application = build_application(
        settings,
        assistant or Assistant(shipped_knowledge()),
        store=store or MemoryStateStore(),
        requests=(request, request),
        telegram_limits=False,
    )
    await application.initialize()
    try:
        yield OfflineBot(application, request)
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


# -- `klippekort-bot run` in a subprocess ------------------------------------------------

BIN = Path(sys.executable).parent / "klippekort-bot"
START_TIMEOUT = 30.0  # interpreter, python-telegram-bot and the knowledge base
STOP_TIMEOUT = 10.0


def environment(home: Path, **settings: str) -> dict[str, str]:
    """Only what the process needs: no proxies, no token, no knowledge path of the caller."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    env.update(settings)
    return env


@dataclass
class BotProcess:
    """A started `klippekort-bot` process; its standard error goes to a file."""

    process: asyncio.subprocess.Process
    stderr_path: Path
    stdout_path: Path

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    async def exit_code(self, timeout: float = START_TIMEOUT) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"klippekort-bot still running after {timeout} s; stderr:\n{self.stderr}"
            ) from None

    async def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send `sig`; return (exit code, seconds until the process ended)."""
        assert self.process.returncode is None, f"exited early; stderr:\n{self.stderr}"
        start = time.monotonic()
        self.process.send_signal(sig)
        code = await self.exit_code(STOP_TIMEOUT)
        return code, time.monotonic() - start


StartProcess = Callable[..., Awaitable[BotProcess]]


@asynccontextmanager
async def bot_processes(tmp_path: Path) -> AsyncIterator[StartProcess]:
    """`start(*args, env=...)` runs the console script in `tmp_path/work`; every process still
    running at the end is killed."""
    work = tmp_path / "work"
    work.mkdir()
    started: list[BotProcess] = []
    numbers = itertools.count()  # taken before the first await, so concurrent starts differ

    async def start(*args: str, env: dict[str, str]) -> BotProcess:
        number = next(numbers)
        stderr_path = tmp_path / f"stderr-{number}.log"
        stdout_path = tmp_path / f"stdout-{number}.log"
        with stderr_path.open("wb") as stderr, stdout_path.open("wb") as stdout:
            process = await asyncio.create_subprocess_exec(
                str(BIN),
                *args,
                cwd=work,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        bot = BotProcess(process, stderr_path, stdout_path)
        started.append(bot)
        return bot

    try:
        yield start
    finally:
        for bot in started:
            if bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()


def assert_clean_log(log: str, *secrets: str) -> None:
    assert "Traceback" not in log, log
    for secret in secrets:
        assert secret not in log, f"{secret!r} in the log:\n{log}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def deliver_when_listening(stub: TelegramApiStub, bot: BotProcess) -> list[int]:
    """setWebhook can come just before the server listens: retry until it accepts."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return await stub.deliver_pending_via_webhook()
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline or bot.process.returncode is not None:
                raise
            await asyncio.sleep(0.05)
