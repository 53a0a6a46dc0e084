"""Inline mode: "@bot question" in any chat offers the best answers to share."""

from __future__ import annotations

import dataclasses

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot.adapters.telegram.formatting import reply_html, split_html
from bot.adapters.telegram.questions import log_question
from bot.adapters.telegram.services import BotContext
from bot.adapters.telegram.user_language import chosen_language, client_language, language_for
from bot.matcher import Outcome

MAX_RESULTS = 5


async def on_inline_query(update: Update, context: BotContext) -> None:
    inline = update.inline_query
    if inline is None:
        return
    question = inline.query.strip()
    chosen = await chosen_language(update, context)
    assistant = context.assistant
    if question:
        hint = chosen or client_language(update)
        replies = assistant.best_answers(question, hint, limit=MAX_RESULTS)
    else:
        language = await language_for(update, context)
        replies = [assistant.answer(e, language) for e in assistant.core_topics]
    results = [
        InlineQueryResultArticle(
            id=f"{reply.entry_id}-{number}",
            title=reply.title or "",
            description=reply.text.split("\n")[0][:120],
            input_message_content=InputTextMessageContent(
                split_html(reply_html(reply))[0], parse_mode=ParseMode.HTML
            ),
        )
        for number, reply in enumerate(replies)
    ]
    await inline.answer(results, cache_time=300, is_personal=bool(chosen))


async def on_inline_choice(update: Update, context: BotContext) -> None:
    """An inline answer someone shared: logged as the inline question (needs /setinlinefeedback
    at BotFather; queries themselves arrive per keystroke and are not logged)."""
    chosen = update.chosen_inline_result
    if chosen is None or context.question_log is None:
        return
    entry_id = chosen.result_id.rsplit("-", 1)[0]
    if entry_id not in context.knowledge.entries:
        return
    hint = await chosen_language(update, context) or client_language(update)
    reply = context.assistant.reply(chosen.query, hint)
    reply = dataclasses.replace(reply, outcome=Outcome.ANSWERED, entry_id=entry_id)
    log_question(context, chosen.query, reply, "inline")
