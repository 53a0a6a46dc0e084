"""A cache of the built assistant, so that a short command (`klippekort-bot ask`) starts quickly.

Building an assistant means importing PyYAML, validating the knowledge base and indexing every
phrasing: most of the start-up of a one-question command. The built assistant is pickled in a
cache folder under a key made of the knowledge file's path, size and modification time, the same
of every source file of the core (as imported) and of the stemmer and YAML libraries, the Python
version and the settings, so a change to any of them builds afresh (Python checks its own .pyc
files the same way). A missing, stale, corrupt or unwritable cache costs only the build, and
nothing is stored that was not validated.

The folder is `$KLIPPEKORT_CACHE` (`off` turns the cache off), else
`$XDG_CACHE_HOME/klippekort-bot`, else `~/.cache/klippekort-bot`. Loading a pickle can run code,
so a folder or file that is not the user's own, or that others may write to, is never read.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import stat
import sys
from pathlib import Path

import Stemmer

from bot.assistant import Assistant
from bot.knowledge import default_knowledge_path, read_knowledge_text
from bot.matcher import MatchSettings

CACHE_ENV = "KLIPPEKORT_CACHE"
_HEADER = b"klippekort-bot assistant\n"


def _stamps(files: list[Path]) -> list[tuple[str, int, int]]:
    return [(str(file), st.st_mtime_ns, st.st_size) for file in files for st in [file.stat()]]


def _code_files() -> list[Path]:
    core = sorted(Path(__file__).resolve().parent.glob("*.py"))
    libraries = [Path(Stemmer.__file__ or "")]
    # PyYAML reads the file; wordfreq's word lists weigh the words (bot/everyday.py).
    for name in ("yaml", "wordfreq"):
        spec = importlib.util.find_spec(name)
        libraries += [Path(spec.origin)] if spec is not None and spec.origin else []
    return core + libraries


# Taken when the core is imported, so that code edited later cannot be stored under its own key.
_CODE_STAMPS = _stamps(_code_files())


def cache_folder() -> Path | None:
    """Where built assistants are kept, or None when the cache is off."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        return (Path(base) if base else Path.home() / ".cache") / "klippekort-bot"
    except RuntimeError:  # no home folder to put it in
        return None


def load_assistant(
    path: Path | None = None,
    settings: MatchSettings | None = None,
    default_language: str = "da",
    rebuild: bool = False,
) -> Assistant:
    """The assistant for a knowledge base: from the cache when it is current (unless
    `rebuild`), else built (and validated) and stored. A bad knowledge base raises
    KnowledgeError, as `load_knowledge` does."""
    file_path = path or default_knowledge_path()
    settings = settings or MatchSettings()
    folder = cache_folder()
    where = key = None
    if folder is not None:
        try:
            key = _key(file_path, settings, default_language)
        except OSError:
            pass  # the file cannot be read: reading it below says why
        else:
            where = folder / f"{_file_name(file_path)}.pickle"
            cached = None if rebuild else _read(where, key)
            if cached is not None:
                return cached
    # Read after the key is made: a file changed in between is built now and stored under its
    # old key, which the next start no longer matches.
    text = read_knowledge_text(file_path)
    from bot.loader import parse_knowledge  # only a build needs PyYAML

    assistant = Assistant(parse_knowledge(text, file_path), settings, default_language)
    if where is not None and key is not None:
        _store(where, key, assistant)
    return assistant


def _key(path: Path, settings: MatchSettings, default_language: str) -> bytes:
    # The pickled objects are the core's own classes, and hold words the stemmer made.
    stamps = [*_stamps([path.absolute()]), *_CODE_STAMPS]
    return repr((sys.version, repr(settings), default_language, stamps)).encode()


def _trusted(path: Path) -> bool:
    """Whether `path` is the user's own and no one else may write to it."""
    try:
        status = path.stat()
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or status.st_uid == os.getuid()
    return owner_ok and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _file_name(path: Path) -> str:
    """One cache file per knowledge file: a name from its path, without hashing libraries."""
    return "".join(ch if ch.isalnum() else "_" for ch in str(path.absolute())).strip("_")[-120:]


def _read(where: Path, key: bytes) -> Assistant | None:
    if not (_trusted(where.parent) and _trusted(where)):
        return None
    try:
        data = where.read_bytes()
    except OSError:
        return None
    header = _HEADER + len(key).to_bytes(4, "big") + key
    if not data.startswith(header):
        return None
    try:
        assistant = pickle.loads(memoryview(data)[len(header) :])
    except Exception:  # a truncated or damaged file can fail in many ways; it is rebuilt
        return None
    return assistant if isinstance(assistant, Assistant) else None


def _store(where: Path, key: bytes, assistant: Assistant) -> None:
    # A name of this store's own, made without `tempfile`, whose import alone costs a first
    # start about 20 ms; O_EXCL refuses a file that is already there.
    temporary = where.with_name(f".{where.name}.{os.getpid()}.{os.urandom(6).hex()}")
    created = False
    try:
        where.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(where.parent):
            return  # it would never be read
        payload = pickle.dumps(assistant, protocol=pickle.HIGHEST_PROTOCOL)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        created = True
        with open(descriptor, "wb") as file:
            file.write(_HEADER + len(key).to_bytes(4, "big") + key + payload)
        os.replace(temporary, where)  # atomic: a reader sees the old file or the new one
        created = False
    except Exception:  # a full disk, or an object pickle refuses: never worth failing for
        pass  # the next start builds again, which is all it costs
    finally:
        if created:
            temporary.unlink(missing_ok=True)
