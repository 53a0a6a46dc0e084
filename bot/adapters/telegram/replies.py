"""Sending: a Reply as Telegram HTML messages with their buttons, and short plain notices."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode

from bot.adapters.telegram.formatting import reply_html, split_html
from bot.adapters.telegram.keyboards import Action, entry_keyboard
from bot.assistant import Reply
from bot.matcher import Outcome
from bot.model import KnowledgeBase


def keyboard_for(
    knowledge: KnowledgeBase, reply: Reply, question: str | None = None
) -> InlineKeyboardMarkup | None:
    """Suggestions to choose from, or related topics (with 👍 / 👎 for a logged question)."""
    if reply.outcome is Outcome.SUGGESTED:
        return entry_keyboard(
            knowledge, reply.suggestions, reply.language, Action.SUGGESTION, question
        )
    if reply.outcome is Outcome.ANSWERED:
        return entry_keyboard(knowledge, reply.related, reply.language, Action.ANSWER, question)
    return entry_keyboard(knowledge, reply.related, reply.language)


async def send_reply(
    message: Message,
    knowledge: KnowledgeBase,
    reply: Reply,
    quote: bool,
    question: str | None = None,
) -> None:
    """The reply in as many messages as it needs; the buttons go under the last."""
    chunks = split_html(reply_html(reply))
    for number, chunk in enumerate(chunks, 1):
        last = number == len(chunks)
        await message.reply_text(
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard_for(knowledge, reply, question) if last else None,
            do_quote=quote and number == 1,
        )


async def send_text(message: Message, plain: str, quote: bool = False) -> None:
    await message.reply_text(
        html.escape(plain, quote=False), parse_mode=ParseMode.HTML, do_quote=quote
    )
