"""Watching the knowledge file, so that a change (an editor's, or `klippekort-bot learn`'s) is
used without a restart. Transport-free and asyncio-friendly: an adapter starts
`KnowledgeWatcher.run()` as a task and hands it its own reload (the Telegram adapter's
`admin.reload_and_tell_admins`, which SIGHUP uses too), or `reloader()` for a plain assistant.
A change the adapter makes itself (a teach from /ubesvarede) is taken at once with `poll()`.

The file is polled: its modification time, size and a hash of its bytes. Only a change of the
bytes reloads (a `touch` does not), and a change that fails validation is reported once and
the old knowledge base kept until the file changes again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.assistant import Assistant
from bot.knowledge import KnowledgeError, Problem, load_knowledge

log = logging.getLogger("klippekort.watch")

DEFAULT_EVERY_SECONDS = 5.0

Reload = Callable[[], Awaitable[Sequence[Problem]]]


@dataclass(frozen=True)
class Stamp:
    """What the watcher knows of the file at one poll."""

    mtime_ns: int
    size: int
    digest: str


def stamp_of(path: Path, previous: Stamp | None = None) -> Stamp | None:
    """The file's stamp, or None while it cannot be read (an editor replacing it, say). The
    bytes are hashed only when the time or size moved, or there is no earlier stamp."""
    try:
        status = path.stat()
        if (
            previous is not None
            and status.st_mtime_ns == previous.mtime_ns
            and status.st_size == previous.size
        ):
            return previous
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return Stamp(status.st_mtime_ns, status.st_size, digest)


def rebuild(current: Assistant) -> Assistant:
    """A new assistant on the knowledge file `current` was built from, with its settings: the
    same load and validation as `klippekort-bot check`; raises KnowledgeError."""
    knowledge = load_knowledge(current.knowledge.path)
    return Assistant(knowledge, current.settings, current.default_language)


def reloader(get: Callable[[], Assistant], put: Callable[[Assistant], None]) -> Reload:
    """A reload for a watcher: builds a new assistant in a thread and hands it to `put` only
    if the knowledge base is sound; otherwise logs why and keeps the current one."""

    async def reload() -> list[Problem]:
        current = get()
        try:
            assistant = await asyncio.to_thread(rebuild, current)
        except KnowledgeError as error:
            return error.problems
        put(assistant)
        log.info(
            "Knowledge base reloaded from %s: %d entries",
            assistant.knowledge.path,
            len(assistant.knowledge.entries),
        )
        return []

    return reload


class KnowledgeWatcher:
    """Polls one knowledge file and reloads when its content changes."""

    def __init__(self, path: Path, reload: Reload, every: float = DEFAULT_EVERY_SECONDS) -> None:
        self.path = path
        self.reload = reload
        self.every = every
        # The content in use: the file as it was when the watcher started.
        self._seen = stamp_of(path)
        self._missing = False
        # One look at a time: the timer's and one asked for at once (after a teach in the chat)
        # must not both reload the same change.
        self._looking = asyncio.Lock()

    def remember(self, stamp: Stamp | None) -> None:
        """The content someone else loaded (/reload, SIGHUP), from a stamp taken before it was
        read: not reloaded again, while a change after the stamp still is."""
        if stamp is not None:
            self._seen = stamp

    async def poll(self) -> bool | None:
        """Look once: None when the content is unchanged (or unreadable), True when it changed
        and was reloaded, False when it changed but was refused (the old one stays)."""
        async with self._looking:
            return await self._poll()

    async def _poll(self) -> bool | None:
        current = await asyncio.to_thread(stamp_of, self.path, self._seen)
        if current is None:
            if not self._missing:
                log.warning("Knowledge base %s cannot be read; the loaded one stays", self.path)
            self._missing = True
            return None
        self._missing = False
        if self._seen is not None and current.digest == self._seen.digest:
            self._seen = current
            return None
        # Remembered before reloading: a refused change is not tried again until it changes.
        self._seen = current
        problems = await self.reload()
        if problems:
            log.error(
                "Knowledge base %s changed but is not valid; the loaded one stays: %s",
                self.path,
                "; ".join(str(problem) for problem in problems[:5]),
            )
            return False
        return True

    async def run(self) -> None:
        """Poll until cancelled; a failing reload never ends the watch."""
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.poll()
            except Exception:  # the watch must outlive any one bad reload
                log.exception("Watching %s failed once; watching on", self.path)
