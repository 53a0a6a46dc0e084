"""The throwaway PostgreSQL server of the tests leaves nothing running, even when the process
that started it dies without stopping it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.postgres import ServerUnavailableError, ThrowawayServer, binaries, in_ci

ROOT = Path(__file__).resolve().parent.parent


def _require_binaries() -> None:
    try:
        binaries()
    except ServerUnavailableError as error:
        if in_ci():
            pytest.fail(f"CI=true and PostgreSQL cannot run: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}")


def _running(folder: Path) -> bool:
    found = subprocess.run(
        ["pgrep", "-f", "--", f"bin/postgres -D {folder}/data"], capture_output=True, check=False
    ).returncode
    return found == 0


def test_a_stopped_server_is_gone() -> None:
    _require_binaries()
    server = ThrowawayServer()
    server.start()
    folder = server.folder
    assert folder is not None
    assert _running(folder)
    server.stop()
    assert not _running(folder)
    assert not folder.exists()


def test_a_server_whose_owner_dies_is_stopped_and_removed() -> None:
    _require_binaries()
    owner = subprocess.run(
        [sys.executable, "-c",
         "import os, sys; from tests.postgres import ThrowawayServer\n"
         "server = ThrowawayServer(); server.start(); print(server.folder, flush=True)\n"
         "os._exit(0)  # no stop(): as if killed"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    folder = Path(owner.stdout.strip())
    assert folder.name.startswith("klippekort-pg-")
    deadline = time.monotonic() + 60
    while (folder.exists() or _running(folder)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(folder), f"a server was left running in {folder}"
    assert not folder.exists()
