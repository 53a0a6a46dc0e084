"""The token never reaches the process's output, however the Bot API misbehaves.

Each test runs the real `klippekort-bot run` against a small server of its own on 127.0.0.1
that answers every request in one broken way, then reads every line the process wrote.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import pytest_asyncio

from bot.adapters.telegram.redaction import RedactingStream, Redactor
from tests.telegram_helpers import StartProcess, environment, free_port
from tests.test_telegram_run import start_process

__all__ = ["start_process"]  # the fixture, used by name

TOKEN = "987654321:AAHsEcReTpArTOfTheTokenXyZ_-0123456"
SECRET = TOKEN.partition(":")[2]
EXIT_TIMEOUT = 150.0

Responder = Callable[[str], bytes]


def http(status: str, body: bytes, content_type: str = "text/html", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode() + body


def redirect_loop(path: str) -> bytes:
    return http("302 Found", b"", extra=f"Location: {path}\r\n")


def echoing_502(path: str) -> bytes:
    return http("502 Bad Gateway", f"<html><h1>502</h1>upstream of {path} failed</html>".encode())


def echoing_400(path: str) -> bytes:
    body = {"ok": False, "error_code": 400, "description": f"Bad Request: no route {path}"}
    return http("400 Bad Request", json.dumps(body).encode(), "application/json")


def malformed_length(path: str) -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {path}\r\n\r\n{{}}".encode()


def unauthorized(path: str) -> bytes:
    body = {"ok": False, "error_code": 401, "description": f"Unauthorized {path}"}
    return http("401 Unauthorized", json.dumps(body).encode(), "application/json")


@pytest_asyncio.fixture(loop_scope="function")
async def broken_api() -> AsyncIterator[Callable[[Responder], Awaitable[str]]]:
    """`await broken_api(responder)`: a Bot API base URL whose server answers with `responder`."""
    servers: list[asyncio.Server] = []

    async def serve(responder: Responder) -> str:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                request = await reader.readuntil(b"\r\n\r\n")
                path = request.split(b" ", 2)[1].decode("latin-1")
                writer.write(responder(path))
                await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError, IndexError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/bot"

    yield serve
    for server in servers:
        server.close()
        await server.wait_closed()


def spellings_of_the_token() -> list[re.Pattern[str]]:
    """The token and its secret part as they could show: any case, percent-encoded."""
    forms = {TOKEN, SECRET, quote(TOKEN, safe=""), TOKEN.replace(":", "%3a")}
    return [re.compile(re.escape(form), re.IGNORECASE) for form in forms]


def assert_no_token(output: str) -> None:
    for line in output.splitlines():
        for pattern in spellings_of_the_token():
            assert not pattern.search(line), f"the token shows in: {line!r}"


async def run_until_exit(start: StartProcess, tmp_path: Path, base_url: str) -> tuple[int, str]:
    env = environment(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=base_url, LOG_LEVEL="DEBUG"
    )
    bot = await start("run", env=env)
    try:
        code = await asyncio.wait_for(bot.process.wait(), EXIT_TIMEOUT)
    except TimeoutError:
        bot.process.send_signal(signal.SIGTERM)
        await bot.process.wait()
        raise AssertionError(f"still running after {EXIT_TIMEOUT} s:\n{bot.stderr}") from None
    return code, bot.stderr + bot.stdout


BROKEN_APIS: dict[str, tuple[Responder | None, int]] = {
    "redirect-loop": (redirect_loop, 1),
    "echoing-502": (echoing_502, 1),
    "echoing-400": (echoing_400, 1),
    "malformed-header": (malformed_length, 1),
    "401": (unauthorized, 2),
    "closed-port": (None, 1),
}


@pytest.mark.asyncio(loop_scope="function")
async def test_a_misbehaving_api_never_gets_the_token_written(
    start_process: StartProcess,
    broken_api: Callable[[Responder], Awaitable[str]],
    tmp_path: Path,
) -> None:
    # The bot retries a failing start for about a minute before it gives up, so every kind of
    # fault runs at once, each in its own process against its own server.
    async def scenario(responder: Responder | None) -> tuple[int, str]:
        if responder is None:
            base_url = f"http://127.0.0.1:{free_port()}/bot"
        else:
            base_url = await broken_api(responder)
        return await run_until_exit(start_process, tmp_path, base_url)

    results = await asyncio.gather(*(scenario(r) for r, _ in BROKEN_APIS.values()))
    for (name, (_, expected_code)), (code, output) in zip(
        BROKEN_APIS.items(), results, strict=True
    ):
        assert code == expected_code, f"{name}:\n{output}"
        last = output.splitlines()[-1]
        assert last.startswith("klippekort-bot: "), f"{name}: {last}"
        if expected_code == 1:
            assert "could not start" in last, f"{name}: {last}"
        assert_no_token(output)


# -- the redaction itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        TOKEN,
        TOKEN.lower(),
        TOKEN.upper(),
        quote(TOKEN, safe=""),
        SECRET.lower(),
        "".join(f"%{ord(c):02X}" for c in SECRET),
        TOKEN.replace("_", "%5F"),
    ],
    ids=["exact", "lower", "upper", "url-encoded", "secret-lower", "all-encoded", "one-encoded"],
)
def test_every_spelling_is_hidden(spelling: str) -> None:
    redact = Redactor([TOKEN])
    text = redact(f"GET /bot{spelling}/getMe failed")
    assert text == "GET /bot<hidden>/getMe failed", text


def test_the_bot_id_alone_is_left_and_other_text_untouched() -> None:
    redact = Redactor([TOKEN, "", "hook-secret"])
    assert redact("bot 987654321 asked, HOOK-SECRET sent") == "bot 987654321 asked, <hidden> sent"
    assert Redactor([])("nothing to hide") == "nothing to hide"


def test_the_stream_redacts_a_token_written_in_pieces() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([TOKEN]))  # type: ignore[arg-type]
    stream.write("url /bot" + TOKEN[:10])
    stream.write(TOKEN[10:] + "/getMe\nnext ")
    assert target.getvalue() == "url /bot<hidden>/getMe\n"
    stream.flush()
    assert target.getvalue().endswith("next ")
