"""The cache of built assistants: current entries are used, anything else is built afresh."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bot.loader
from bot.cache import CACHE_ENV, cache_folder, load_assistant
from bot.knowledge import KnowledgeError

QUESTION = "Hvor mange timer blev brugt i 2014?"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def refuse_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise AssertionError("built although the cache was current")

    monkeypatch.setattr(bot.loader, "parse_knowledge", fail)


def test_the_second_start_is_served_from_the_cache(
    folder: Path, write_kb: Callable[[str], Path], kb_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_kb(kb_text)
    first = load_assistant(path)
    assert len(list(folder.glob("*.pickle"))) == 1
    refuse_to_build(monkeypatch)
    second = load_assistant(path)
    assert second is not first
    assert "16.880" in second.reply(QUESTION).text
    assert second.knowledge.path == path


def test_an_edited_knowledge_base_is_built_afresh(
    folder: Path, write_kb: Callable[[str], Path], kb_text: str
) -> None:
    path = write_kb(kb_text)
    assert "16.880" in load_assistant(path).reply(QUESTION).text
    edited = kb_text.replace("used: 16880", "used: 16881").replace("used: 16060", "used: 16059")
    assert edited != kb_text
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(1, 1))  # even a file whose time goes backwards is noticed
    assert "16.881" in load_assistant(path).reply(QUESTION).text


def test_each_settings_and_language_gets_its_own_build(
    folder: Path, write_kb: Callable[[str], Path], kb_text: str
) -> None:
    path = write_kb(kb_text)
    assert load_assistant(path).default_language == "da"
    assert load_assistant(path, default_language="en").default_language == "en"


def test_a_damaged_cache_file_is_rebuilt(
    folder: Path, write_kb: Callable[[str], Path], kb_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_kb(kb_text)
    load_assistant(path)
    (stored,) = folder.glob("*.pickle")
    whole = stored.read_bytes()
    stored.write_bytes(whole[: len(whole) // 2])
    assert "16.880" in load_assistant(path).reply(QUESTION).text
    assert stored.read_bytes() == whole  # stored again, whole
    stored.write_bytes(b"not a cache file at all")
    assert "16.880" in load_assistant(path).reply(QUESTION).text


def test_an_unusable_cache_folder_only_costs_the_build(
    tmp_path: Path, write_kb: Callable[[str], Path], kb_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert "16.880" in load_assistant(write_kb(kb_text)).reply(QUESTION).text


def test_off_stores_nothing(
    tmp_path: Path, write_kb: Callable[[str], Path], kb_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() is None
    load_assistant(write_kb(kb_text))
    assert not (tmp_path / "xdg").exists()


def test_the_default_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "klippekort-bot"


def test_a_broken_knowledge_base_is_refused_and_not_stored(
    folder: Path, write_kb: Callable[[str], Path], kb_text: str
) -> None:
    path = write_kb(kb_text.replace("related: [usage, status]", "related: [usage, nowhere]"))
    with pytest.raises(KnowledgeError) as refused:
        load_assistant(path)
    assert "unknown entry 'nowhere'" in str(refused.value)
    assert not list(folder.glob("*.pickle"))
    with pytest.raises(KnowledgeError, match="file not found"):
        load_assistant(path.with_name("missing.yaml"))


@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_cache_others_may_write_to_is_never_read(
    folder: Path,
    write_kb: Callable[[str], Path],
    kb_text: str,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
) -> None:
    # Unpickling runs code: a file someone else could have planted must not be loaded.
    path = write_kb(kb_text)
    load_assistant(path)
    (stored,) = folder.glob("*.pickle")
    (stored if target == "file" else folder).chmod(0o666 if target == "file" else 0o777)
    builds = []
    real_parse = bot.loader.parse_knowledge

    def counted(*args: Any) -> Any:
        builds.append(1)
        return real_parse(*args)

    monkeypatch.setattr(bot.loader, "parse_knowledge", counted)
    assert "16.880" in load_assistant(path).reply(QUESTION).text
    assert builds == [1]


def test_nothing_is_stored_where_it_would_never_be_read(
    folder: Path, write_kb: Callable[[str], Path], kb_text: str
) -> None:
    folder.mkdir(mode=0o775)
    folder.chmod(0o775)  # group-writable: never read, so not worth writing
    load_assistant(write_kb(kb_text))
    assert list(folder.iterdir()) == []
