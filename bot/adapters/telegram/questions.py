"""Questions typed as text: in a private chat, in a group when the bot is named, and the note
for anything that is not text."""

from __future__ import annotations

import time

from telegram import Update

from bot.adapters.telegram.chats import addressed, without_mentions
from bot.adapters.telegram.replies import send_reply, send_text
from bot.adapters.telegram.services import BotContext
from bot.adapters.telegram.user_language import chosen_language, client_language, language_for
from bot.assistant import Reply
from bot.matcher import Outcome
from bot.questionlog import LoggedQuestion, new_question_id
from bot.state import ChatUser


async def ask(question: str, update: Update, context: BotContext) -> Reply:
    """Answer one message with the asker's follow-up context, and keep the context it leaves."""
    chosen = await chosen_language(update, context)
    hint = chosen or client_language(update)
    chat, user = update.effective_chat, update.effective_user
    # Per person and chat: two people in a group do not continue each other's questions.
    who = ChatUser(chat.id if chat else 0, user.id if user else 0)
    assistant = context.assistant
    before = await context.store.context(who)
    reply = assistant.reply(question, hint, fixed_language=chosen is not None, context=before)
    after = assistant.context_after(reply, before)
    if after is None:
        if before is not None:
            await context.store.forget_context(who)
    elif after is not before:
        await context.store.remember(who, after)
    return reply


def log_question(context: BotContext, question: str, reply: Reply, chat_type: str) -> str | None:
    """Queue the question for the log (never waits); its id, for feedback buttons."""
    question_log = context.question_log
    if question_log is None:
        return None
    question_id = new_question_id()
    question_log.record(
        LoggedQuestion(
            question_id,
            time.time(),
            reply.language,
            chat_type,
            question,
            str(reply.outcome),
            reply.entry_id,
            reply.score,
        )
    )
    return question_id


def wants_chart(reply: Reply) -> bool:
    """The usage answer over all years comes with the chart."""
    return reply.outcome is Outcome.ANSWERED and reply.entry_id == "usage" and not reply.periods


def send_chart_later(context: BotContext, chat_id: int, language: str) -> None:
    """The chart follows the text answer, in a task of its own, so the text never waits."""
    send = context.charts.send(context.bot, context.knowledge, chat_id, language)
    context.application.create_task(send)


async def on_private_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    reply = await ask(message.text, update, context)
    question = log_question(context, message.text, reply, "private")
    await send_reply(message, context.knowledge, reply, quote=False, question=question)
    if wants_chart(reply):
        send_chart_later(context, message.chat_id, reply.language)


async def on_group_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not message.text or not addressed(message, context):
        return  # chatter between people is none of the bot's business
    question = without_mentions(message)
    reply = await ask(question, update, context)
    question_id = log_question(context, question, reply, "group")
    await send_reply(message, context.knowledge, reply, quote=True, question=question_id)


async def on_other_content(update: Update, context: BotContext) -> None:
    """A photo, a sticker, a voice message: the bot reads text only, and says so."""
    message = update.effective_message
    if message is not None:
        language = await language_for(update, context)
        await send_text(message, context.text("text_only", language))
