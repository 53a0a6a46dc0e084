"""End-to-end speed of the Telegram adapter (`make bench`, after scripts/bench.py).

The real Application from `build_application(settings, Assistant.from_path(),
telegram_limits=False)` long-polls the local Bot API stand-in (tests/telegram_api_stub.py) over
real HTTP on 127.0.0.1 with poll_interval=0. Updates are private-chat questions from
tests/data/questions.yaml spread over 100 chats. For each question the latency runs from the
moment it is queued in the stand-in to the moment the stand-in records the bot's sendMessage; a
reply is matched to its question by chat and text (earliest first), which is exact even when a
chat's replies overtake each other under concurrency.

Three runs, after a warm-up of 200:
  single – 200 questions, each asked when the last is answered: the latency of an idle bot;
  burst  – 2,000 questions queued at once: throughput (answers/s from the first push to the last
           answer) and latency under saturation, which is mostly time spent waiting in line;
  paced  – 100 questions/s for 10 s: latency at a steady rate, unsaturated if the bot's
           capacity is well above 100/s (compare with the burst throughput).
Each run also prints the bot process's CPU time per answered update.

Then the state stores side by side (skipped with --no-stores): a burst of 1,000 after a warm-up
of 200, once with one process long-polling, its state in an SQLite file (the default of
`klippekort-bot run`), once with two replicas on one throwaway PostgreSQL server (durable, as
tests/postgres.py starts it), each listening for webhooks, the burst posted to them in turn
(16 posts in flight). Both print updates/s and latency p50/p99 from queued to answered.

The bot runs in a process of its own (this script with --serve: the real Application from
build_application, without Telegram's flood limits, which would cap it at about 30 messages a
second and so measure Telegram rather than the bot); the stand-in and the timing run in this
one. The machine has two cores, one each. The per-user question limit is raised so that it never
refuses (its bookkeeping still runs). The state store is memory unless `--state-db FILE` names
an SQLite file (what `klippekort-bot run` uses by default). Prints figures only; targets:
≥ 200 updates/s (burst) and p50 ≤ 10 ms (paced).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.telegram.application import (  # noqa: E402
    CONCURRENT_UPDATES,
    build_application,
)
from bot.adapters.telegram.errors import ALLOWED_UPDATES  # noqa: E402
from bot.adapters.telegram.formatting import reply_html, split_html  # noqa: E402
from bot.adapters.telegram.settings import Settings  # noqa: E402
from bot.assistant import Assistant  # noqa: E402
from bot.evaluation import load_questions  # noqa: E402
from tests.telegram_api_stub import TelegramApiStub  # noqa: E402

CHATS = 100
FIRST_CHAT = 710_000_001
BURST = 2_000
PACED_RATE = 100.0  # updates per second
PACED_SECONDS = 10.0
SINGLE = 200
WAIT_LIMIT = 30.0  # seconds to wait for the last answer of a run
STORE_BURST = 1_000  # the burst of the side-by-side run of the state stores
REPLICAS = 2
CONCURRENT_POSTS = 16  # webhook posts in flight, like Telegram's max_connections (40 at most)


class Tracker:
    """Push times of the questions in flight, and the latency of each answer."""

    def __init__(self) -> None:
        self.pending: dict[int, deque[tuple[str, float]]] = defaultdict(deque)
        self.latencies: list[float] = []
        self.expected = 0
        self.first_push = 0.0
        self.last_answer = 0.0
        self.out_of_text = 0  # answers whose text matched no question in flight in their chat
        self.unexpected = 0
        self.done = asyncio.Event()
        self.progress = asyncio.Event()  # set at every answer
        self.cpu_start = self.cpu_end = 0.0
        self.bot_pid: int | None = None  # whose CPU time is counted: the bot's process

    def cpu_time(self) -> float:
        """CPU seconds used so far by the bot's process (user + system)."""
        if self.bot_pid is None:
            return time.process_time()
        fields = Path(f"/proc/{self.bot_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset(self, expected: int) -> None:
        self.pending.clear()
        self.latencies = []
        self.expected = expected
        self.first_push = self.last_answer = 0.0
        self.out_of_text = self.unexpected = 0
        self.done.clear()
        self.cpu_start = self.cpu_end = self.cpu_time()

    def pushed(self, chat_id: int, expected_text: str) -> None:
        now = time.perf_counter()
        if not self.first_push:
            self.first_push = now
        self.pending[chat_id].append((expected_text, now))

    def answered(self, record: dict[str, Any]) -> None:
        now = time.perf_counter()
        queue = self.pending.get(record["chat_id"])
        if record["method"] != "sendMessage" or not queue:
            self.unexpected += 1
            return
        index = next((i for i, (text, _) in enumerate(queue) if text == record["text"]), None)
        if index is None:  # not the text expected: count it against the oldest question
            index = 0
            self.out_of_text += 1
        _, pushed = queue[index]
        del queue[index]
        self.latencies.append(now - pushed)
        self.last_answer = now
        self.cpu_end = self.cpu_time()
        self.progress.set()
        if len(self.latencies) >= self.expected:
            self.done.set()


class TimedStub(TelegramApiStub):
    """The stand-in, telling the tracker the moment it records something the bot sent."""

    def __init__(self, tracker: Tracker) -> None:
        super().__init__()
        self.tracker = tracker

    def _record_sent(self, method: str, params: Any, message: Any, **extra: Any) -> None:
        super()._record_sent(method, params, message, **extra)
        self.tracker.answered(self.sent[-1])


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Bench:
    def __init__(self, assistant: Assistant, questions: list[str]) -> None:
        self.assistant = assistant
        self.tracker = Tracker()
        self.stub = TimedStub(self.tracker)
        self.questions = questions
        # What the private-chat handler sends for each question (language hint "da").
        self.expected = {
            q: split_html(reply_html(assistant.reply(q, "da")))[0] for q in set(questions)
        }
        self.rng = random.Random(2014)

    def push(self, number: int) -> dict[str, Any]:
        chat_id = FIRST_CHAT + number % CHATS
        question = self.rng.choice(self.questions)
        update = self.stub.push_message(question, user_id=chat_id, language_code="da")
        self.tracker.pushed(chat_id, self.expected[question])
        return update

    async def wait(self) -> None:
        """Until every question is answered, or WAIT_LIMIT seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.tracker.done.wait(), WAIT_LIMIT)

    async def drain(self) -> None:
        """Let a run that timed out finish, so that the next one starts on an idle bot."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.tracker.done.wait(), 3 * WAIT_LIMIT)
        await self.stub.wait_until_consumed()

    async def drain_webhook(self) -> None:
        """As `drain`, for a run posted to webhooks (the stand-in's queue is never fetched)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.tracker.done.wait(), 3 * WAIT_LIMIT)

    async def burst(self, count: int) -> float:
        """Queue `count` questions at once; return the seconds the pushing took."""
        self.tracker.reset(count)
        start = time.perf_counter()
        for number in range(count):
            self.push(number)
        pushing = time.perf_counter() - start
        await self.wait()
        return pushing

    async def one_at_a_time(self, count: int) -> None:
        """Ask the next question only when the last one is answered: the idle latency."""
        self.tracker.reset(count)
        for number in range(count):
            self.tracker.progress.clear()
            self.push(number)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.tracker.progress.wait(), WAIT_LIMIT)

    async def paced(self, rate: float, seconds: float) -> float:
        """Queue questions at `rate` per second; return the rate actually reached."""
        count = int(rate * seconds)
        self.tracker.reset(count)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for number in range(count):
            delay = start + number / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.push(number)
        reached = (count - 1) / max(loop.time() - start, 1e-9)
        await self.wait()
        return reached

    def figures(self) -> tuple[int, float, float, float] | None:
        """(answered, updates/s, p50 s, p99 s) of the last run; None if nothing was answered."""
        samples = self.tracker.latencies
        if not samples:
            return None
        span = self.tracker.last_answer - self.tracker.first_push
        return (
            len(samples),
            len(samples) / span,
            statistics.median(samples),
            percentile(samples, 0.99),
        )

    async def webhook_burst(self, count: int, urls: Sequence[str]) -> None:
        """Queue `count` questions at once and post them to `urls` in turn, as Telegram would
        post to replicas behind a load balancer (at most CONCURRENT_POSTS in flight)."""
        self.tracker.reset(count)
        gate = asyncio.Semaphore(CONCURRENT_POSTS)

        async def deliver(update: dict[str, Any], url: str) -> None:
            async with gate:
                status = await self.stub.deliver_via_webhook(update, url)
                if status != 200:
                    raise RuntimeError(f"the webhook {url} answered {status}")

        updates = [self.push(number) for number in range(count)]
        await asyncio.gather(
            *(deliver(update, urls[n % len(urls)]) for n, update in enumerate(updates))
        )
        await self.wait()

    def report(self, name: str, extra: str) -> None:
        tracker = self.tracker
        samples = tracker.latencies
        answered = len(samples)
        if not samples:
            print(f"{name:<7} nothing answered within {WAIT_LIMIT:.0f} s")
            return
        if answered < tracker.expected:
            extra += f"; stopped waiting after {WAIT_LIMIT:.0f} s"
        span = tracker.last_answer - tracker.first_push
        cpu = (tracker.cpu_end - tracker.cpu_start) / answered
        print(
            f"{name:<7} {answered:>5}/{tracker.expected} answered  "
            f"{answered / span:6.1f} updates/s  "
            f"latency p50 {statistics.median(samples) * 1000:7.1f} ms  "
            f"p99 {percentile(samples, 0.99) * 1000:7.1f} ms  "
            f"max {max(samples) * 1000:7.1f} ms  CPU {cpu * 1000:4.1f} ms/update"
        )
        print(f"        ({extra})")
        if tracker.out_of_text or tracker.unexpected:
            print(
                f"        {tracker.out_of_text} answer(s) matched by order only, "
                f"{tracker.unexpected} other message(s) (usage charts follow usage answers)"
            )


PACKAGES = (
    ("bot core (bot/*.py)", "/bot/", ("/bot/adapters/",)),
    ("bot adapter", "/bot/adapters/", ()),
    ("the stand-in", "/tests/telegram_api_stub.py", ()),
    ("python-telegram-bot", "/telegram/", ()),
    ("httpx/httpcore/h11", ("/httpx/", "/httpcore/", "/h11/", "/anyio/"), ()),
    ("aiohttp (stand-in server)", ("/aiohttp/", "/multidict/", "/yarl/"), ()),
    ("json", "/json/", ()),
    ("asyncio + selectors", ("/asyncio/", "selectors.py"), ()),
)


def package_of(filename: str) -> str:
    for name, markers, excluded in PACKAGES:
        wanted = (markers,) if isinstance(markers, str) else markers
        if any(m in filename for m in wanted) and not any(x in filename for x in excluded):
            return name
    if filename.startswith("~") or filename.startswith("<"):
        return "built-ins (C)"
    return "other Python"


async def serve(
    token: str,
    base_url: str,
    concurrency: int,
    state_db: Path | None,
    database_url: str | None = None,
    webhook_port: int | None = None,
) -> None:
    """The bot under test, in a process of its own: the real Application, until SIGTERM.
    It long-polls, or with `webhook_port` listens for webhook posts on 127.0.0.1."""
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(
        token=token,
        api_base_url=base_url,
        user_questions_per_minute=10_000,
        state_db=state_db,
        database_url=database_url,
    )
    application = build_application(
        settings, Assistant.from_path(), telegram_limits=False, concurrency=concurrency
    )
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)  # as run_polling does: the state store starts
    await application.start()
    assert application.updater is not None
    if webhook_port is None:
        await application.updater.start_polling(poll_interval=0, allowed_updates=ALLOWED_UPDATES)
    else:
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=webhook_port,
            url_path="hook",
            webhook_url=webhook_url(webhook_port),
            allowed_updates=ALLOWED_UPDATES,
        )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    assert application.post_shutdown is not None
    await application.post_shutdown(application)


def webhook_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/hook"


async def start_bot(stub: TelegramApiStub, concurrency: int, *options: str) -> Any:
    """This script with --serve in a process of its own; `options` pick the store and mode."""
    return await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", stub.token, stub.base_url,
        "--concurrency", str(concurrency), *options,
    )  # fmt: skip


async def listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def stop_bots(bots: Sequence[Any]) -> None:
    for bot in bots:
        bot.send_signal(signal.SIGTERM)
    for bot in bots:
        await bot.wait()


async def sqlite_burst(
    assistant: Assistant, questions: list[str], concurrency: int, folder: Path
) -> tuple[int, float, float, float] | None:
    """One process long-polling, its state in an SQLite file (what `run` does by default)."""
    bench = Bench(assistant, questions)
    await bench.stub.start()
    bot = await start_bot(bench.stub, concurrency, "--state-db", str(folder / "state.sqlite3"))
    try:
        await bench.stub.wait_for_calls("getUpdates", timeout=30)
        await bench.burst(200)  # warm up
        await bench.drain()
        await bench.burst(STORE_BURST)
        await bench.drain()
        return bench.figures()
    finally:
        await stop_bots([bot])
        await bench.stub.stop()


async def postgres_burst(
    assistant: Assistant, questions: list[str], concurrency: int
) -> tuple[int, float, float, float] | str:
    """REPLICAS processes on one PostgreSQL (durable: commits as a real server makes them),
    each its own webhook; the burst is posted to them in turn. A string: why it did not run."""
    from tests.postgres import ServerStartError, ServerUnavailableError, ThrowawayServer

    server = ThrowawayServer(durable=True)
    try:
        server.start()
    except (ServerUnavailableError, ServerStartError) as error:
        return f"PostgreSQL could not run here: {error}"
    bench = Bench(assistant, questions)
    await bench.stub.start()
    ports = [free_port() for _ in range(REPLICAS)]
    bots: list[Any] = []
    try:
        database_url = server.create_database()
        for port in ports:  # one after the other: the first creates the tables
            options = ("--database-url", database_url, "--webhook-port", str(port))
            bots.append(await start_bot(bench.stub, concurrency, *options))
            await listening(port)
        urls = [webhook_url(port) for port in ports]
        await bench.webhook_burst(200, urls)  # warm up
        await bench.drain_webhook()
        await bench.webhook_burst(STORE_BURST, urls)
        await bench.drain_webhook()
        return bench.figures() or "nothing answered"
    finally:
        await stop_bots(bots)
        await bench.stub.stop()
        server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def compare_stores(assistant: Assistant, questions: list[str], concurrency: int) -> None:
    """The burst with the state on SQLite (one process) beside PostgreSQL (two replicas)."""
    print(
        f"\nState stores side by side: a burst of {STORE_BURST} questions over {CHATS} chats, "
        "after a warm-up of 200"
    )
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as folder:
        sqlite = await sqlite_burst(assistant, questions, concurrency, Path(folder))
    postgres = await postgres_burst(assistant, questions, concurrency)
    rows = [
        ("SQLite, 1 process, polling", sqlite),
        (f"PostgreSQL, {REPLICAS} replicas, webhooks", postgres),
    ]
    print(f"  {'':<36} {'answered':>9} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for name, figures in rows:
        if figures is None or isinstance(figures, str):
            print(f"  {name:<36} {figures or 'nothing answered'}")
            continue
        answered, rate, p50, p99 = figures
        print(
            f"  {name:<36} {answered:>5}/{STORE_BURST:<4}{rate:>9.1f} "
            f"{p50 * 1000:>8.1f} {p99 * 1000:>8.1f}"
        )


async def main_async(concurrency: int, state_db: Path | None, compare: bool) -> int:
    logging.basicConfig(level=logging.WARNING)
    assistant = Assistant.from_path()
    questions = [q.text for q in load_questions() if not q.text.startswith("/")]
    bench = Bench(assistant, questions)
    stub = bench.stub
    await stub.start()
    bot = await start_bot(stub, concurrency, *(["--state-db", str(state_db)] if state_db else []))
    bench.tracker.bot_pid = bot.pid
    try:
        await stub.wait_for_calls("getUpdates", timeout=30)
        await bench.burst(200)  # warm up: connections, caches, code paths
        await bench.drain()
        print(
            f"Telegram end to end: {len(set(questions))} distinct questions over {CHATS} private "
            f"chats; the bot in its own process ({concurrency} updates at a time), the stand-in "
            f"in this one; state in {state_db or 'memory'}\n"
            "targets: burst ≥ 200 updates/s, paced p50 ≤ 10 ms"
        )
        await bench.one_at_a_time(SINGLE)
        bench.report("single", f"{SINGLE} questions, each asked when the last was answered")
        await bench.drain()
        pushing = await bench.burst(BURST)
        bench.report("burst", f"all queued at once, pushing took {pushing * 1000:.0f} ms")
        await bench.drain()
        reached = await bench.paced(PACED_RATE, PACED_SECONDS)
        bench.report("paced", f"{PACED_RATE:.0f}/s asked, {reached:.1f}/s pushed")
        await bench.drain()
    finally:
        await stop_bots([bot])
        await stub.stop()
    if compare:
        await compare_stores(assistant, questions, concurrency)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=CONCURRENT_UPDATES)
    parser.add_argument(
        "--state-db", type=Path, help="keep the bot's state in this SQLite file (default: memory)"
    )
    parser.add_argument(
        "--no-stores",
        action="store_true",
        help="skip the side-by-side burst on SQLite and on PostgreSQL replicas",
    )
    parser.add_argument("--serve", nargs=2, metavar=("TOKEN", "BASE_URL"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--webhook-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        token, base_url = args.serve
        options = (args.state_db, args.database_url, args.webhook_port)
        asyncio.run(serve(token, base_url, args.concurrency, *options))
        return 0
    return asyncio.run(main_async(args.concurrency, args.state_db, not args.no_stores))


if __name__ == "__main__":
    sys.exit(main())
