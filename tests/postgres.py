"""A throwaway PostgreSQL server for tests and benchmarks: initdb in a temporary folder, started
with pg_ctl on a free 127.0.0.1 port, trust authentication on loopback only, removed at stop.

PostgreSQL refuses to run as root; tests here run as root, so the server runs as the `postgres`
user (runuser), in a folder it owns. Tests ask for the `postgres_url` fixture (tests/conftest.py):
a fresh database on one server shared by the whole run.

With CI=true the server must start (tests fail otherwise); without PostgreSQL binaries, and
not in CI, the tests that need it are skipped and say why.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SEARCHED = (
    Path("/usr/local/bin"),
    *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True),
)
SERVER_USER = "postgres"
START_SECONDS = 30


class ServerUnavailableError(Exception):
    """PostgreSQL is not installed here, or cannot be run as its user; the message says why."""


class ServerStartError(Exception):
    """PostgreSQL is there but did not start; the message holds its output."""


def binaries() -> tuple[Path, Path]:
    """initdb and pg_ctl: from PATH, else /usr/local/bin, else the newest /usr/lib/postgresql."""
    for folder in (None, *SEARCHED):
        initdb = shutil.which("initdb", path=None if folder is None else str(folder))
        pg_ctl = shutil.which("pg_ctl", path=None if folder is None else str(folder))
        if initdb and pg_ctl:
            return Path(initdb), Path(pg_ctl)
    raise ServerUnavailableError("PostgreSQL's initdb and pg_ctl are not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayServer:
    """One PostgreSQL server in a temporary folder; `start()` then `stop()` (or `with`)."""

    def __init__(self, durable: bool = False) -> None:
        # Tests don't need durability: without fsync a server starts and writes much faster.
        # Benchmarks pass durable=True to measure commits as a real server makes them.
        self.durable = durable
        self.folder: Path | None = None
        self.port = 0
        self._names = itertools.count(1)

    @property
    def url(self) -> str:
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def __enter__(self) -> ThrowawayServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        initdb, pg_ctl = binaries()
        as_user = self._as_server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="klippekort-pg-"))
        data = self.folder / "data"
        try:
            if as_user:
                user = pwd.getpwnam(SERVER_USER)
                os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._run(
                [*as_user, str(initdb), "-D", str(data), "-A", "trust", "-U", SERVER_USER,
                 "-E", "UTF8", "--locale=C", "--no-sync"]
            )  # fmt: skip
            settings = f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            if not self.durable:
                settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            for _ in range(3):  # the free port may be taken before the server binds it
                self.port = free_port()
                started = subprocess.run(
                    [*as_user, str(pg_ctl), "-D", str(data), "-l", str(self.folder / "log"),
                     "-w", "-t", str(START_SECONDS), "-o", f"-p {self.port} {settings}",
                     "start"],
                    capture_output=True, text=True, check=False,
                )  # fmt: skip
                if started.returncode == 0:
                    self._watch(pg_ctl, as_user)
                    return
            log = (self.folder / "log").read_text(errors="replace")[-2000:]
            raise ServerStartError(f"pg_ctl start failed: {started.stderr}\n{log}")
        except BaseException:
            self.stop()
            raise

    def _watch(self, pg_ctl: Path, as_user: list[str]) -> None:
        """Stop the server even if this process dies without `stop()` (killed by a timeout,
        os._exit): a detached shell waits for this process to end, then stops and removes
        the server, unless `stop()` removed it first."""
        assert self.folder is not None
        data, folder = shlex.quote(str(self.folder / "data")), shlex.quote(str(self.folder))
        stop = shlex.join([*as_user, str(pg_ctl), "-D", str(self.folder / "data"), "-m",
                           "immediate", "-w", "stop"])  # fmt: skip
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null && [ -d {data} ]; do sleep 1; done;"
            f" if [ -d {data} ]; then {stop} >/dev/null 2>&1; rm -rf {folder}; fi"
        )
        subprocess.Popen(
            ["/bin/sh", "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # outlives a kill of this process's group
        )

    def stop(self) -> None:
        if self.folder is None:
            return
        folder, self.folder = self.folder, None
        data = folder / "data"
        if (data / "postmaster.pid").exists():
            _, pg_ctl = binaries()
            subprocess.run(
                [*self._as_server_user(), str(pg_ctl), "-D", str(data), "-m", "fast", "-w",
                 "stop"],
                capture_output=True, check=False,
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url_of(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @staticmethod
    def _as_server_user() -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise ServerUnavailableError(
                f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
            ) from None
        runuser = shutil.which("runuser")
        if runuser is None:
            raise ServerUnavailableError("running as root and runuser is not installed")
        return [runuser, "-u", SERVER_USER, "--"]

    @staticmethod
    def _run(command: list[str]) -> None:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            program = next(Path(part).name for part in command if "initdb" in part)
            raise ServerStartError(f"{program} failed: {done.stderr}")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def shared_server() -> Iterator[ThrowawayServer]:
    """The body of a session-scoped fixture: one server for the whole test run (modules that
    each define the fixture share it), stopped when the last of them finishes."""
    global _server, _users
    if _server is None:
        server = ThrowawayServer()
        try:
            server.start()
        except ServerUnavailableError as error:
            if in_ci():
                pytest.fail(f"CI=true and PostgreSQL cannot run: {error}")
            pytest.skip(f"PostgreSQL tests skipped: {error}")
        except ServerStartError as error:
            pytest.fail(f"the throwaway PostgreSQL server did not start: {error}")
        _server = server
    _users += 1
    try:
        yield _server
    finally:
        _users -= 1
        if _users == 0:
            _server.stop()
            _server = None


@contextlib.contextmanager
def fresh_database(server: ThrowawayServer) -> Iterator[str]:
    """A new database on `server` for one test, dropped after it; yields its URL."""
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


_server: ThrowawayServer | None = None
_users = 0
