"""The knowledge-file watcher: a good change is used, a bad one is refused with its reason."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.matcher import Outcome
from bot.teaching import learn
from bot.watch import KnowledgeWatcher, reloader

NEW_QUESTION = "Hvad koster ESDH-koblingen?"


class Holder:
    """Stands in for the bot: one assistant in use, swapped whole."""

    def __init__(self, path: Path) -> None:
        self.assistant = Assistant(load_knowledge(path))
        self.swapped = asyncio.Event()

    def put(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.swapped.set()


def watcher_for(kb: Path, holder: Holder) -> KnowledgeWatcher:
    return KnowledgeWatcher(kb, reloader(lambda: holder.assistant, holder.put), every=0.01)


def answers_new_question(assistant: Assistant) -> bool:
    reply = assistant.reply(NEW_QUESTION)
    return reply.outcome is Outcome.ANSWERED and reply.entry_id == "interface_costs"


@pytest.mark.asyncio
async def test_a_good_change_is_reloaded(kb: Path) -> None:
    holder = Holder(kb)
    watcher = watcher_for(kb, holder)
    assert await watcher.poll() is None  # nothing changed yet
    assert not answers_new_question(holder.assistant)
    assert learn(kb, NEW_QUESTION, "interface_costs", "da").changed
    assert await watcher.poll() is True
    assert answers_new_question(holder.assistant)
    assert await watcher.poll() is None  # reloaded once, not at every poll


@pytest.mark.asyncio
async def test_a_bad_change_keeps_the_old_knowledge_base(
    kb: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = Holder(kb)
    old = holder.assistant
    watcher = watcher_for(kb, holder)
    good = kb.read_text(encoding="utf-8")
    kb.write_text(good.replace("schema: 1", "schema: 1\nschema: [", 1), encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="klippekort.watch"):
        assert await watcher.poll() is False
    assert holder.assistant is old
    assert "is not valid; the loaded one stays" in caplog.text
    assert "YAML syntax error" in caplog.text  # the reason, with file and line
    assert await watcher.poll() is None  # the same bad content is not tried again
    kb.write_text(good.replace("- Timer tilbage\n", f"- Timer tilbage\n        - {NEW_QUESTION}\n"))
    # Whether the insertion landed in the right list does not matter here: it is a change.
    assert await watcher.poll() is True
    assert holder.assistant is not old


@pytest.mark.asyncio
async def test_touching_the_file_does_not_reload(kb: Path) -> None:
    holder = Holder(kb)
    old = holder.assistant
    watcher = watcher_for(kb, holder)
    stat = kb.stat()
    os.utime(kb, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert await watcher.poll() is None
    assert holder.assistant is old


@pytest.mark.asyncio
async def test_a_missing_file_is_waited_for(kb: Path, caplog: pytest.LogCaptureFixture) -> None:
    holder = Holder(kb)
    old = holder.assistant
    watcher = watcher_for(kb, holder)
    saved = kb.read_bytes()
    kb.unlink()
    with caplog.at_level(logging.WARNING, logger="klippekort.watch"):
        assert await watcher.poll() is None
        assert await watcher.poll() is None
    assert caplog.text.count("cannot be read") == 1
    kb.write_bytes(saved)
    assert await watcher.poll() is None  # back as it was: nothing to reload
    assert holder.assistant is old


@pytest.mark.asyncio
async def test_the_watch_runs_as_a_task_until_cancelled(kb: Path) -> None:
    holder = Holder(kb)
    task = asyncio.create_task(watcher_for(kb, holder).run())
    try:
        await asyncio.to_thread(learn, kb, NEW_QUESTION, "interface_costs", "da")
        await asyncio.wait_for(holder.swapped.wait(), timeout=60)
    finally:
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert answers_new_question(holder.assistant)
