"""Speed of the state store: median and p99 per operation, in memory, SQLite and PostgreSQL.

SQLite is a fresh file in a temporary folder; PostgreSQL is a throwaway server on 127.0.0.1
(tests/postgres.py) with its durable defaults (fsync on, synchronous_commit on), so a write
costs what it would on one machine; a real network adds its round trip to every figure.
Each operation is timed one call at a time; "claims/s" has 50 callers at once, as a webhook
under load would.

    .venv/bin/python scripts/bench_state.py [--calls 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.followup import Context  # noqa: E402
from bot.normalize import Period  # noqa: E402
from bot.state import ChatUser, MemoryStateStore, StateStore  # noqa: E402
from bot.state_postgres import PostgresStateStore  # noqa: E402
from bot.state_sqlite import SqliteStateStore  # noqa: E402
from tests.postgres import ServerStartError, ServerUnavailableError, ThrowawayServer  # noqa: E402

CONTEXT = Context("usage", (Period(2014, 2014),), "da", at=0.0)
CONCURRENT = 50


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed_calls(calls: int, operation: Callable[[int], Awaitable[object]]) -> list[float]:
    samples = []
    for number in range(calls):
        start = time.perf_counter()
        await operation(number)
        samples.append(time.perf_counter() - start)
    return samples


async def measure(store: StateStore, calls: int) -> dict[str, str]:
    """Each operation's "median / p99" in milliseconds, and claims per second."""
    await store.start()
    for user in range(calls):
        await store.set_language(user, "en")
        await store.remember(ChatUser(user, user), CONTEXT)
    operations: dict[str, Callable[[int], Awaitable[object]]] = {
        "language (read)": lambda n: store.language(n),
        "set_language": lambda n: store.set_language(n, "da"),
        "context (read)": lambda n: store.context(ChatUser(n, n)),
        "remember": lambda n: store.remember(ChatUser(n, n), CONTEXT),
        "claim_update": lambda n: store.claim_update(10_000_000 + n),
        "take_turn": lambda n: store.take_turn("bench", 3600),
        "forget_user": lambda n: store.forget_user(n),
    }
    figures = {}
    for name, operation in operations.items():
        samples = await timed_calls(calls, operation)
        figures[name] = (
            f"{statistics.median(samples) * 1000:6.3f} / {percentile(samples, 0.99) * 1000:6.3f}"
        )
    start = time.perf_counter()
    first = 20_000_000
    for batch in range(first, first + calls, CONCURRENT):
        await asyncio.gather(*(store.claim_update(n) for n in range(batch, batch + CONCURRENT)))
    figures["claims/s, 50 at once"] = f"{calls / (time.perf_counter() - start):13,.0f}"
    await store.close()
    return figures


async def main(calls: int) -> None:
    results: dict[str, dict[str, str]] = {}
    results["memory"] = await measure(MemoryStateStore(), calls)
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = await measure(SqliteStateStore(Path(folder) / "state.sqlite3"), calls)
    try:
        with ThrowawayServer(durable=True) as server:
            url = server.create_database()
            results["PostgreSQL"] = await measure(PostgresStateStore(url), calls)
    except (ServerUnavailableError, ServerStartError) as error:
        print(f"PostgreSQL not measured: {error}", file=sys.stderr)
    names = list(results)
    print(f"state store, {calls} calls each; ms median / p99 (one call at a time)")
    print(f"{'operation':24}" + "".join(f"{name:>18}" for name in names))
    for operation in results["memory"]:
        print(f"{operation:24}" + "".join(f"{results[name][operation]:>18}" for name in names))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    asyncio.run(main(parser.parse_args().calls))
