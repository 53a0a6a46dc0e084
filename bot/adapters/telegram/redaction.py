"""One redaction for everything the Telegram process writes: the log, stderr and stdout.

The bot token is a password. It travels in every Bot API URL, so any error that quotes a URL
(aiohttp's redirect and header errors, an error page that echoes the path) carries it, and
python-telegram-bot lower-cases some error descriptions on the way. The secret part is therefore
matched in any case, with any of its characters percent-encoded, and with or without the bot id.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from typing import TextIO

HIDDEN = "<hidden>"


def _any_spelling(text: str) -> str:
    """A pattern for `text` in any case, each character literal or percent-encoded."""
    parts = []
    for char in text:
        spellings = {re.escape(char)}
        for variant in {char.lower(), char.upper()}:
            spellings.update(f"%{byte:02x}" for byte in variant.encode("utf-8"))
        parts.append("(?:" + "|".join(sorted(spellings)) + ")")
    return "".join(parts)


class Redactor:
    """Replaces the bot token and other secrets in text, however they are spelt."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = [s for s in secrets if s]
        patterns = []
        for secret in sorted(self.secrets, key=len, reverse=True):
            bot_id, colon, password = secret.partition(":")
            if colon and bot_id.isdigit() and password:
                # The bot id alone is public; the part after the colon is what must never show.
                patterns.append(f"(?:{re.escape(bot_id)}(?::|%3a))?{_any_spelling(password)}")
            else:
                patterns.append(_any_spelling(secret))
        self._pattern = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(HIDDEN, text)


class RedactingFormatter(logging.Formatter):
    """Formats records with every secret replaced, in the message, its arguments and traces."""

    def __init__(self, secrets: list[str], fmt: str) -> None:
        super().__init__(fmt)
        self.redact = Redactor(secrets)
        self.secrets = self.redact.secrets

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whole lines before they reach the stream it wraps.

    Text is held until its line ends (or the stream is flushed), so a secret written in two
    pieces is still seen whole.
    """

    def __init__(self, stream: TextIO, redact: Redactor) -> None:
        super().__init__()
        self.stream = stream
        self.redact = redact
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def write(self, text: str) -> int:
        self._pending += text
        complete, newline, rest = self._pending.rpartition("\n")
        if newline:
            self.stream.write(self.redact(complete + newline))
            self._pending = rest
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.stream.write(self.redact(self._pending))
            self._pending = ""
        self.stream.flush()
