"""Telegram HTML: the core's structured replies marked up, escaped and cut to message size.

The core never writes markup; this is the one place that turns a `Reply` into Telegram's HTML.
"""

from __future__ import annotations

import html
import re

from bot.assistant import Reply, Section

MAX_MESSAGE = 4096
# One tag pair around a whole line (<b>title</b>, <i>source</i>): split inside and wrap again.
_WRAPPED = re.compile(r"^<(b|i)>(.*)</\1>$", re.DOTALL)
_ENTITY_START = re.compile(r"&[a-z#0-9]*$")


def to_html(title: str | None, body: str, source: str | None = None) -> str:
    """A bold title, the escaped body, an italic source line, a blank line between them."""
    parts = []
    if title:
        parts.append(f"<b>{html.escape(title, quote=False)}</b>")
    parts.append(html.escape(body, quote=False))
    if source:
        parts.append(f"<i>{html.escape(source, quote=False)}</i>")
    return "\n\n".join(parts)


def section_html(section: Section) -> str:
    return to_html(section.title, section.body, section.source)


def reply_html(reply: Reply) -> str:
    """The whole reply as Telegram HTML (a suggestion's choices are buttons, not text)."""
    return "\n\n".join(section_html(section) for section in reply.sections)


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
