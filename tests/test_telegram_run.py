"""`klippekort-bot run` as a user runs it: the console script in a subprocess.

The Bot API is the local stand-in (TELEGRAM_API_BASE_URL), run in the test's event loop, so the
tests see every call the process makes. Each process gets a controlled environment (no proxy
variables, no token unless given) and a temporary working directory without a `.env`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.knowledge import DEFAULT_KNOWLEDGE_PATH
from tests.telegram_api_stub import TelegramApiStub
from tests.telegram_helpers import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    StartProcess,
    assert_clean_log,
    bot_processes,
    deliver_when_listening,
    environment,
    free_port,
)

QUESTION = "Hvor mange timer blev brugt i 2014?"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest_asyncio.fixture(loop_scope="function")
async def start_process(tmp_path: Path) -> AsyncIterator[StartProcess]:
    """`await start_process(*args, env=...)`: run the console script in `tmp_path/work`."""
    async with bot_processes(tmp_path) as start:
        yield start


# -- refusing to start ---------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "klippekort-bot: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)"),
        (
            {"TELEGRAM_BOT_TOKEN": "123456:not-long-enough"},
            "klippekort-bot: TELEGRAM_BOT_TOKEN does not look like a bot token",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "stub", "WEBHOOK_PORT": "abc"},
            "klippekort-bot: WEBHOOK_PORT must be a whole number from 1 to 65535, not 'abc'",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "stub", "WEBHOOK_PORT": "8443²"},
            "klippekort-bot: WEBHOOK_PORT must be a whole number from 1 to 65535",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "stub", "WEBHOOK_URL": "http://bot.example.org/hook"},
            "klippekort-bot: WEBHOOK_URL must be an https:// URL",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "stub", "MAX_UPDATE_AGE": "soon"},
            "klippekort-bot: MAX_UPDATE_AGE must be a duration like 3600, 90m, 24h or 2d",
        ),
    ],
    ids=["no-token", "malformed-token", "port-abc", "port-superscript", "http-webhook", "age"],
)
async def test_bad_settings_one_line_exit_2_no_network(
    telegram_stub: TelegramApiStub,
    start_process: StartProcess,
    tmp_path: Path,
    settings: dict[str, str],
    expected: str,
) -> None:
    if settings.get("TELEGRAM_BOT_TOKEN") == "stub":
        settings = {**settings, "TELEGRAM_BOT_TOKEN": telegram_stub.token}
    env = environment(tmp_path, TELEGRAM_API_BASE_URL=telegram_stub.base_url, **settings)
    bot = await start_process("run", env=env)
    assert await bot.exit_code() == 2
    lines = bot.stderr.splitlines()
    assert len(lines) == 1, bot.stderr
    assert lines[0].startswith(expected)
    assert_clean_log(bot.stderr, telegram_stub.token)
    assert bot.stdout == ""
    assert telegram_stub.calls == []


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        (
            ("related: [usage, status]", "related: [usage, nowhere]"),
            "entry 'remaining_hours' relates to unknown entry 'nowhere'",
        ),
        (None, "YAML syntax error"),
    ],
    ids=["unknown-related-entry", "yaml-syntax"],
)
async def test_broken_knowledge_base_one_line_exit_2_no_network(
    telegram_stub: TelegramApiStub,
    start_process: StartProcess,
    tmp_path: Path,
    breakage: tuple[str, str] | None,
    reason: str,
) -> None:
    broken = tmp_path / "broken.yaml"
    text = DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8")
    if breakage is None:
        broken.write_text("schema: [1\n", encoding="utf-8")
    else:
        assert breakage[0] in text
        broken.write_text(text.replace(breakage[0], breakage[1]), encoding="utf-8")
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=telegram_stub.token,
        TELEGRAM_API_BASE_URL=telegram_stub.base_url,
        KLIPPEKORT_KNOWLEDGE=str(broken),
    )
    bot = await start_process("run", env=env)
    assert await bot.exit_code() == 2
    lines = bot.stderr.splitlines()
    assert len(lines) == 1, bot.stderr
    assert lines[0].startswith(f"klippekort-bot: the knowledge base {broken} cannot be used: ")
    assert reason in lines[0]
    assert_clean_log(bot.stderr, telegram_stub.token)
    assert telegram_stub.calls == []


@pytest.mark.asyncio(loop_scope="function")
async def test_token_refused_by_telegram_exits_2(
    telegram_stub: TelegramApiStub, start_process: StartProcess, tmp_path: Path
) -> None:
    wrong = "123456789:AAWrongTokenWrongTokenWrongToken"
    env = environment(
        tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=telegram_stub.base_url
    )
    bot = await start_process("run", env=env)
    assert await bot.exit_code() == 2
    assert bot.stderr.splitlines()[-1] == (
        "klippekort-bot: Telegram does not accept TELEGRAM_BOT_TOKEN"
    )
    # python-telegram-bot logs its own ERROR (with a trace) first; the token stays hidden there.
    assert wrong not in bot.stderr


# -- running -------------------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="function")
async def test_plain_command_with_token_in_env_file_runs_telegram(
    telegram_stub: TelegramApiStub, start_process: StartProcess, tmp_path: Path
) -> None:
    (tmp_path / "work" / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={telegram_stub.token}\n"
        f"TELEGRAM_API_BASE_URL={telegram_stub.base_url}\n",
        encoding="utf-8",
    )
    bot = await start_process(env=environment(tmp_path))
    await telegram_stub.wait_for_calls("getMe", timeout=START_TIMEOUT)
    await telegram_stub.wait_for_calls("getUpdates", timeout=START_TIMEOUT)
    telegram_stub.push_message(QUESTION)
    sent = await telegram_stub.wait_for(1)
    assert "16.880" in sent[0]["text"]
    code, _ = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.stderr
    assert_clean_log(bot.stderr, telegram_stub.token)
    assert bot.stdout == ""  # no console chat, no hint


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_run_answers_over_polling_and_stops_cleanly(
    telegram_stub: TelegramApiStub, start_process: StartProcess, tmp_path: Path, sig: int
) -> None:
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=telegram_stub.token,
        TELEGRAM_API_BASE_URL=telegram_stub.base_url,
        LOG_LEVEL="DEBUG",  # the most talkative level must not show the token either
    )
    bot = await start_process("run", env=env)
    await telegram_stub.wait_for_calls("getUpdates", timeout=START_TIMEOUT)
    assert telegram_stub.calls_of("getMe")
    assert telegram_stub.get_commands(language_code="da"), "the command menu was not set"

    telegram_stub.push_message(QUESTION)
    sent = await telegram_stub.wait_for(1)
    assert sent[0]["method"] == "sendMessage"
    assert "16.880" in sent[0]["text"]
    telegram_stub.push_message("How many hours were used in 2014?", user_id=5005)
    sent = await telegram_stub.wait_for(2)
    assert "16,880" in sent[1]["text"]

    code, seconds = await bot.stop(sig)
    assert code == 0, bot.stderr
    assert seconds < STOP_TIMEOUT
    log = bot.stderr
    assert "Klippekort-bot starting (polling" in log
    assert "Klippekort-bot stopped" in log
    assert_clean_log(log, telegram_stub.token)
    # Polling ended with the offset confirmed, so no update would be answered twice.
    assert telegram_stub.pending_updates == []


@pytest.mark.asyncio(loop_scope="function")
async def test_webhook_mode(
    telegram_stub: TelegramApiStub, start_process: StartProcess, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    secret = "hook-Secret_0123456789"
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=telegram_stub.token,
        TELEGRAM_API_BASE_URL=telegram_stub.base_url,
        WEBHOOK_URL=url,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=secret,
        # At DEBUG, python-telegram-bot logs each refused request with tornado's trace.
        LOG_LEVEL="INFO",
    )
    bot = await start_process("run", env=env)
    await telegram_stub.wait_for_calls("setWebhook", timeout=START_TIMEOUT)
    assert telegram_stub.webhook["url"] == url
    assert telegram_stub.webhook["secret_token"] == secret

    telegram_stub.push_message(QUESTION)
    statuses = await deliver_when_listening(telegram_stub, bot)
    assert statuses == [200]
    sent = await telegram_stub.wait_for(1)
    assert "16.880" in sent[0]["text"]

    stranger = telegram_stub.push_message("Hvad koster snitfladerne?", user_id=666)
    assert await telegram_stub.deliver_via_webhook(stranger, url, "wrong-secret") == 403
    assert await telegram_stub.deliver_via_webhook(stranger, url) == 403
    await asyncio.sleep(0.5)
    assert len(telegram_stub.sent) == 1, telegram_stub.describe_sent()
    assert telegram_stub.calls_of("getUpdates") == []

    code, seconds = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.stderr
    assert seconds < STOP_TIMEOUT
    assert "Klippekort-bot starting (webhook" in bot.stderr
    assert_clean_log(bot.stderr, telegram_stub.token, secret)


@pytest.mark.asyncio(loop_scope="function")
async def test_old_queued_update_is_skipped_fresh_one_answered(
    telegram_stub: TelegramApiStub, start_process: StartProcess, tmp_path: Path
) -> None:
    old_user, fresh_user = 1001, 1002
    old = telegram_stub.push_message(QUESTION, user_id=old_user, date=time.time() - 3600)
    telegram_stub.push_message(QUESTION, user_id=fresh_user, date=time.time() - 5)
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=telegram_stub.token,
        TELEGRAM_API_BASE_URL=telegram_stub.base_url,
        MAX_UPDATE_AGE="60",
    )
    bot = await start_process("run", env=env)

    def answered_fresh(sent: list[dict[str, Any]]) -> bool:
        return any(m["chat_id"] == fresh_user for m in sent)

    await telegram_stub.wait_for(answered_fresh, timeout=START_TIMEOUT)
    await telegram_stub.wait_until_consumed()
    # One more question after both were fetched: by its answer the old one has been handled.
    telegram_stub.push_message("Hvad koster snitfladerne?", user_id=fresh_user)
    await telegram_stub.wait_for(lambda sent: len(telegram_stub.sent_to(fresh_user)) >= 2)

    assert telegram_stub.sent_to(old_user) == []
    assert "16.880" in telegram_stub.sent_to(fresh_user)[0]["text"]
    code, _ = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.stderr
    assert f"skipping update {old['update_id']}: " in bot.stderr
    assert_clean_log(bot.stderr, telegram_stub.token)


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
async def test_refused_webhook_requests_are_one_warning_line_each(
    telegram_stub: TelegramApiStub, start_process: StartProcess, tmp_path: Path, level: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    secret = "hook-Secret_0123456789"
    wrong = "guessed-Secret_987654321"
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=telegram_stub.token,
        TELEGRAM_API_BASE_URL=telegram_stub.base_url,
        WEBHOOK_URL=url,
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=secret,
        LOG_LEVEL=level,
    )
    bot = await start_process("run", env=env)
    await telegram_stub.wait_for_calls("setWebhook", timeout=START_TIMEOUT)
    telegram_stub.push_message(QUESTION)
    assert await deliver_when_listening(telegram_stub, bot) == [200]

    stranger = telegram_stub.push_message("Hvad koster snitfladerne?", user_id=666)
    assert await telegram_stub.deliver_via_webhook(stranger, url, wrong) == 403
    assert await telegram_stub.deliver_via_webhook(stranger, url) == 403
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=b"[1, 2, 3]", headers=headers) as response,
    ):
        assert response.status == 400
    await telegram_stub.wait_for(1)
    code, _ = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.stderr

    log = bot.stderr
    refusals = [line for line in log.splitlines() if "Webhook request refused" in line]
    assert len(refusals) == 3, log
    assert all(" WARNING " in line for line in refusals), refusals
    assert "CRITICAL" not in log
    assert wrong not in log
    assert_clean_log(log, telegram_stub.token, secret)
