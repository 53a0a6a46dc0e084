"""Telegram-specific shaping of replies: message splitting, buttons and their callback data."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.assistant import Choice

MAX_MESSAGE = 4096
# One tag pair around a whole line (<b>title</b>, <i>source</i>): split inside and wrap again.
_WRAPPED = re.compile(r"^<(b|i)>(.*)</\1>$", re.DOTALL)
_ENTITY_START = re.compile(r"&[a-z#0-9]*$")


def split_html(html: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` UTF-16 units, between lines.

    The core's HTML never lets a tag span lines, so cutting between lines keeps every message
    well formed; a line longer than `limit` is cut between words (never inside an entity like
    &amp;), and a tag around the whole line is closed and opened again on each piece.
    """
    chunks: list[str] = []
    current = ""
    for line in html.split("\n"):
        for piece in _split_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if utf16_length(candidate) <= limit:
                current = candidate
                continue
            if current.strip():
                chunks.append(current.strip("\n"))
            current = piece
    if current.strip():
        chunks.append(current.strip("\n"))
    return chunks or [""]


def escaped_within(text: str, limit: int = MAX_MESSAGE - 96) -> str:
    """Plain text as Telegram HTML, cut to `limit` visible UTF-16 units before escaping.

    Telegram counts the text after parsing, and a cut after escaping could end inside an
    entity ("&l"), which it refuses outright.
    """
    return html.escape(text[: _characters_within(text, limit)], quote=False)


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _characters_within(text: str, units: int) -> int:
    """How many leading characters of `text` fit in `units` UTF-16 code units."""
    used = 0
    for position, character in enumerate(text):
        used += 2 if ord(character) > 0xFFFF else 1
        if used > units:
            return position
    return len(text)


def _split_line(line: str, limit: int) -> list[str]:
    if utf16_length(line) <= limit:
        return [line]
    wrapped = _WRAPPED.match(line)
    tag, inner = (wrapped.group(1), wrapped.group(2)) if wrapped else ("", line)
    room = limit - (2 * len(tag) + 5 if tag else 0)
    pieces = []
    while inner:
        if utf16_length(inner) <= room:
            cut = len(inner)
        else:
            fits = _characters_within(inner, room)
            cut = inner.rfind(" ", 0, fits)
            if cut <= fits // 2:
                cut = fits
            entity = _ENTITY_START.search(inner[:cut])
            if entity:
                cut = entity.start()
        piece, inner = inner[:cut], inner[cut:].lstrip(" ")
        pieces.append(f"<{tag}>{piece}</{tag}>" if tag else piece)
    return pieces


@dataclass(frozen=True)
class Callback:
    """What a button press asks for; encoded in at most 64 bytes of callback data."""

    # "a": answer an entry (related topic); "s": a chosen suggestion; "l": choose a language;
    # "u" / "d": thumbs up / down for a question; "n": none of the suggestions.
    action: str
    value: str
    language: str
    question: str | None = None  # the question's id in the question log

    ACTIONS = ("a", "s", "l", "u", "d", "n")

    def encode(self) -> str:
        parts = [self.action, self.value, self.language]
        if self.question:
            parts.append(self.question)
        return "|".join(parts)

    @classmethod
    def decode(cls, data: str | None) -> Callback | None:
        parts = (data or "").split("|")
        if len(parts) not in (3, 4) or parts[0] not in cls.ACTIONS or parts[2] not in ("da", "en"):
            return None
        return cls(parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None)


FEEDBACK_LABELS = {"u": "👍", "d": "👎"}
NONE_OF_THESE = {"da": "Ingen af disse", "en": "None of these"}


def entry_keyboard(
    choices: Iterable[Choice],
    language: str,
    action: str = "a",
    question: str | None = None,
) -> InlineKeyboardMarkup | None:
    """One button per entry, one per row so titles stay readable on a phone.

    `action` "s" marks suggestions (the chosen one replaces the question), "a" related topics
    (answered in a new message). With the id of a logged `question`, an answer gets 👍 / 👎
    and suggestions get "none of these".
    """
    rows = [
        [
            InlineKeyboardButton(
                choice.title,
                callback_data=Callback(
                    action, choice.entry_id, language, question if action == "s" else None
                ).encode(),
            )
        ]
        for choice in choices
    ]
    if question and action == "s":
        data = Callback("n", "-", language, question).encode()
        rows.append([InlineKeyboardButton(NONE_OF_THESE[language], callback_data=data)])
    elif question:
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=Callback(code, "-", language, question).encode()
                )
                for code, label in FEEDBACK_LABELS.items()
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same buttons without the 👍 / 👎 row, once feedback is given."""
    if markup is None:
        return None
    rows = [
        row
        for row in markup.inline_keyboard
        if not any(str(b.callback_data or "").startswith(("u|", "d|")) for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    labels = (("da", "🇩🇰 Dansk"), ("en", "🇬🇧 English"), ("auto", "Automatisk / Automatic"))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=Callback("l", code, current).encode())]
            for code, label in labels
        ]
    )
