"""Button presses, one handler per `Action` (routed by the callback data's pattern), and a last
one for buttons that no longer work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.adapters.telegram.formatting import reply_html, split_html
from bot.adapters.telegram.keyboards import Action, Callback, language_choices, without_feedback
from bot.adapters.telegram.replies import keyboard_for, send_reply
from bot.adapters.telegram.services import BotContext
from bot.adapters.telegram.user_language import language_for, set_language

Check = Callable[[Callback], bool]


async def pressed_button(
    update: Update, context: BotContext, valid: Check = lambda pressed: True
) -> tuple[CallbackQuery, Message, Callback, str] | None:
    """The press, its message, what it asks and the language to answer in; a press that is
    not `valid` (old, forged, on a message gone) gets the short "no longer works" notice."""
    query = update.callback_query
    if query is None:
        return None
    pressed = Callback.decode(query.data)
    language = await language_for(update, context, pressed.language if pressed else None)
    message = query.message
    if (
        pressed is None
        or pressed.language not in context.knowledge.languages
        or not valid(pressed)
        or not isinstance(message, Message)
    ):
        await query.answer(context.text("stale", language))
        return None
    return query, message, pressed, language


def _for_a_question(pressed: Callback) -> bool:
    return bool(pressed.question)


async def on_entry_button(update: Update, context: BotContext) -> None:
    """A related topic (answered in a new message) or a chosen suggestion (which replaces the
    question "did you mean ...")."""
    entries = context.knowledge.entries
    got = await pressed_button(update, context, lambda pressed: pressed.value in entries)
    if got is None:
        return
    query, message, pressed, language = got
    await query.answer()  # at once, so the button stops spinning
    reply = context.assistant.answer(pressed.value, language)
    question_log = context.question_log
    suggestion = pressed.action is Action.SUGGESTION
    if suggestion and pressed.question and question_log is not None:
        question_log.suggestion_chosen(pressed.question, pressed.value)
    chunks = split_html(reply_html(reply))
    if suggestion and len(chunks) == 1:
        await query.edit_message_text(
            chunks[0],
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard_for(context.knowledge, reply),
        )
        return
    await send_reply(message, context.knowledge, reply, quote=False)


async def on_language_button(update: Update, context: BotContext) -> None:
    choices = language_choices(context.knowledge)
    got = await pressed_button(update, context, lambda pressed: pressed.value in choices)
    if got is None:
        return
    query, _, pressed, language = got
    await query.answer()
    await set_language(update, context, pressed.value)
    reply_language = await language_for(update, context, language)
    await query.edit_message_text(context.text(f"language_{pressed.value}", reply_language))


async def on_feedback_button(update: Update, context: BotContext) -> None:
    """👍 / 👎: acknowledged at once; the first press for a question counts."""
    got = await pressed_button(update, context, _for_a_question)
    if got is None:
        return
    query, message, pressed, language = got
    question = pressed.question or ""
    if not context.services.feedback.first_time(question):
        await query.answer(context.text("feedback_again", language))
        return
    await query.answer(context.text("feedback_thanks", language))
    if context.question_log is not None:
        value = 1 if pressed.action is Action.THUMBS_UP else -1
        context.question_log.feedback(question, value)
    with contextlib.suppress(TelegramError):  # the message may be too old to edit
        await query.edit_message_reply_markup(without_feedback(message.reply_markup))


async def on_none_of_these_button(update: Update, context: BotContext) -> None:
    """None of the suggestions fits: noted, and the suggestions become "I don't know"."""
    got = await pressed_button(update, context, _for_a_question)
    if got is None:
        return
    query, _, pressed, language = got
    await query.answer()
    if context.question_log is not None and pressed.question:
        context.question_log.none_of_these(pressed.question)
    reply = context.assistant.dont_know(language)
    await query.edit_message_text(
        split_html(reply_html(reply))[0],
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard_for(context.knowledge, reply),
    )


async def on_stale_button(update: Update, context: BotContext) -> None:
    """Data no handler above took: a button of an older version of the bot, or forged."""
    await pressed_button(update, context, lambda pressed: False)


HANDLERS = (
    (Action.ANSWER, on_entry_button),
    (Action.SUGGESTION, on_entry_button),
    (Action.LANGUAGE, on_language_button),
    (Action.THUMBS_UP, on_feedback_button),
    (Action.THUMBS_DOWN, on_feedback_button),
    (Action.NONE_OF_THESE, on_none_of_these_button),
)
