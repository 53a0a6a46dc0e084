"""The public commands, each in Danish and English: answers (/timer, /forbrug ...), /sprog,
/glem, the command menu, and the answer for a command the bot does not know."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, Update

from bot.adapters.telegram.chats import in_group
from bot.adapters.telegram.keyboards import language_choices, language_keyboard
from bot.adapters.telegram.questions import send_chart_later, wants_chart
from bot.adapters.telegram.replies import send_reply, send_text
from bot.adapters.telegram.services import BotContext
from bot.adapters.telegram.user_language import language_for, set_language
from bot.assistant import Assistant, Choice, Reply
from bot.model import KnowledgeBase
from bot.normalize import Period, normalize

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    """A command, its Danish and English names, and the entry it answers (None: its own)."""

    da: str
    en: str
    entry: str | None
    description: str | None = None  # a `ui:` key; else the entry's title


ANSWER_COMMANDS = (
    Command("start", "start", "greeting", "start_command"),
    Command("hjaelp", "help", "help", "help_command"),
    Command("timer", "hours", "remaining_hours"),
    Command("forbrug", "usage", "usage"),
    Command("omkostninger", "costs", "interface_costs"),
    Command("kontakt", "contact", "contact"),
    Command("om", "about", "what_is"),
)
LANGUAGE = Command("sprog", "language", None, "language_command")
FORGET = Command("glem", "forget", None, "forget_command")
# In the order of the command menu.
COMMANDS = (*ANSWER_COMMANDS, LANGUAGE, FORGET)
# What /sprog takes typed: /sprog en, /sprog dansk, /language auto.
LANGUAGE_WORDS = {"dansk": "da", "danish": "da", "english": "en", "engelsk": "en"}


def names(command: Command) -> list[tuple[str, str | None]]:
    """Each name of the command and the language it is in (None: both, like /start)."""
    if command.da == command.en:
        return [(command.da, None)]
    return [(command.da, "da"), (command.en, "en")]


def menu(knowledge: KnowledgeBase, assistant: Assistant, language: str) -> list[BotCommand]:
    """The public command menu in `language`."""
    titles = assistant.titles(language)
    return [
        BotCommand(
            getattr(command, language),
            knowledge.text(command.description, language)
            if command.description
            else titles[command.entry or ""],
        )
        for command in COMMANDS
    ]


def answer_command(command: Command, name_language: str | None) -> Handler:
    """The handler of a command that answers an entry; /forbrug takes years."""
    entry_id = command.entry or ""

    async def handle(update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is None:
            return
        # A name shared by both languages (/start) says nothing about the user's language.
        language = await language_for(update, context, fallback=name_language)
        quote = in_group(message)
        periods: tuple[Period, ...] = ()
        if entry_id == "usage" and context.args:
            argument = " ".join(context.args)
            periods = normalize(argument).periods
            if not periods:
                notice = context.text("usage_argument", language, argument=argument[:50])
                await send_text(message, notice, quote=quote)
        reply = context.assistant.answer(entry_id, language, periods)
        if entry_id == "greeting":
            reply = with_core_topics(context.assistant, reply)
        await send_reply(message, context.knowledge, reply, quote=quote)
        if wants_chart(reply) and not context.args:
            send_chart_later(context, message.chat_id, language)

    return handle


def with_core_topics(assistant: Assistant, reply: Reply) -> Reply:
    titles = assistant.titles(reply.language)
    topics = tuple(Choice(e, titles[e]) for e in assistant.core_topics)
    return dataclasses.replace(reply, related=topics)


def language_command(name_language: str | None) -> Handler:
    """/sprog en, /sprog da, /sprog auto typed; a bare /sprog offers the three as buttons."""

    async def handle(update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is None:
            return
        language = await language_for(update, context, fallback=name_language)
        argument = " ".join(context.args or []).strip().lower()
        code = LANGUAGE_WORDS.get(argument, argument)
        if code in language_choices(context.knowledge):
            await set_language(update, context, code)
            notice = context.text(f"language_{code}", language)
            await send_text(message, notice, quote=in_group(message))
            return
        await message.reply_text(
            context.text("choose_language", language),
            reply_markup=language_keyboard(context.knowledge, language),
        )

    return handle


def forget_command(name_language: str | None) -> Handler:
    """/glem: everything kept about the user goes (their language, their follow-up contexts)."""

    async def handle(update: Update, context: BotContext) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        language = await language_for(update, context, fallback=name_language)
        await context.store.forget_user(user.id)
        await send_text(message, context.text("forgotten", language), quote=in_group(message))

    return handle


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command no handler took: said so in a private chat or when addressed to this bot."""
    message = update.effective_message
    if message is None or not message.text:
        return
    _, _, addressee = message.text.split()[0].partition("@")
    mine = (context.bot.username or "").lower()
    if addressee.lower() != mine and (addressee or in_group(message)):
        return  # another bot's command, or in a group a bare /command that may be one
    language = await language_for(update, context)
    notice = context.text("unknown_command", language)
    await send_text(message, notice, quote=in_group(message))
