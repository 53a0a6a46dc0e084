"""The knowledge base: where it lives, and `load_knowledge`.

The data model is `bot.model` (re-exported here, where most callers look for it). Reading and
validating the YAML is `bot.loader`'s work; it is imported only when a file is actually read, so
a command that starts from a cached assistant never loads PyYAML.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.model import (
    PLACEHOLDER_RE,
    SUPPORTED_LANGUAGES,
    Entry,
    Facts,
    KnowledgeBase,
    KnowledgeError,
    Localized,
    Problem,
    UsageRow,
)

__all__ = [
    "DEFAULT_KNOWLEDGE_PATH",
    "KNOWLEDGE_ENV",
    "PLACEHOLDER_RE",
    "SUPPORTED_LANGUAGES",
    "Entry",
    "Facts",
    "KnowledgeBase",
    "KnowledgeError",
    "Localized",
    "Problem",
    "UsageRow",
    "default_knowledge_path",
    "load_knowledge",
    "read_knowledge_text",
]

DEFAULT_KNOWLEDGE_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "klippekort.yaml"
KNOWLEDGE_ENV = "KLIPPEKORT_KNOWLEDGE"


def default_knowledge_path() -> Path:
    """The knowledge base named by KLIPPEKORT_KNOWLEDGE, else the one shipped in `knowledge/`."""
    env = os.environ.get(KNOWLEDGE_ENV, "").strip()
    return Path(env) if env else DEFAULT_KNOWLEDGE_PATH


def read_knowledge_text(path: Path) -> str:
    """The text of a knowledge-base file; a missing or unreadable file is a KnowledgeError."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError([Problem(str(path), 0, "file not found")]) from None
    except UnicodeDecodeError:
        raise KnowledgeError([_not_utf8(path)]) from None
    except OSError as error:
        raise KnowledgeError([Problem(str(path), 0, f"cannot read file: {error}")]) from None


def _not_utf8(path: Path) -> Problem:
    # Text mode decodes in chunks, so its error counts bytes from a chunk, not from the file;
    # decoding the whole file again gives the offset, which an editor needs as line and column.
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, start) + 1
        column = len(data[start : error.start].decode("utf-8")) + 1
        bad = data[error.start : error.end].hex(" ")
        reason = f"not UTF-8: byte(s) {bad} ({error.reason}); save the file as UTF-8"
        return Problem(str(path), line, reason, column)
    except OSError as error:
        return Problem(str(path), 0, f"cannot read file: {error}")
    return Problem(str(path), 0, "cannot read file: not UTF-8")


def load_knowledge(path: Path | str | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base; raise KnowledgeError listing every problem."""
    file_path = Path(path) if path is not None else default_knowledge_path()
    text = read_knowledge_text(file_path)
    # Imported here, not at the top: PyYAML costs a short-lived command a noticeable start-up.
    from bot.loader import parse_knowledge

    return parse_knowledge(text, file_path)
