"""Staff tools in Telegram: /stats, /ubesvarede (/unanswered, in teach.py) and /reload, and
reloading the knowledge base: on SIGHUP, and when its file changes (the watcher).

The commands are registered behind `admin_only` (the user ids of ADMIN_USER_IDS, in a private
chat): for anyone else they do not match, and the update falls through to the answer for an
unknown command, so the commands do not even show that they exist. They are in the admins' own
command menu only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, filters

from bot.adapters.telegram import teach
from bot.adapters.telegram.formatting import escaped_within
from bot.adapters.telegram.replies import send_text
from bot.adapters.telegram.services import BotContext, Services, services_of
from bot.adapters.telegram.user_language import language_for
from bot.assistant import Assistant
from bot.knowledge import KnowledgeError, Problem, load_knowledge
from bot.logreader import LogReadError, open_reader
from bot.report import Report, build_report, render_report
from bot.watch import DEFAULT_EVERY_SECONDS, KnowledgeWatcher, stamp_of

log = logging.getLogger("klippekort.telegram.admin")

STATS_DAYS = 7
# The language of the admins' menu and of a reload notice nobody asked for (SIGHUP).
STAFF_LANGUAGE = "da"

StaffAction = Callable[[Message, BotContext, str], Coroutine[Any, Any, None]]


def admin_only(admin_user_ids: frozenset[int]) -> filters.BaseFilter:
    """Updates from an admin in a private chat (reports hold what people asked: never in a
    group). With no admins configured it matches nobody."""
    return filters.User(user_id=admin_user_ids) & filters.ChatType.PRIVATE


def admin_command(action: StaffAction) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is not None:
            await action(message, context, await language_for(update, context))

    return handle


async def stats(message: Message, context: BotContext, language: str) -> None:
    report = await _report(message, context, language, STATS_DAYS)
    if report is not None:
        await _send_pre(message, render_report(report, limit=5))


async def reload_command(message: Message, context: BotContext, language: str) -> None:
    problems = await reload(context.services)
    bot, chat_id = message.get_bot(), message.chat_id
    await _send_reload_result(context.services, bot, chat_id, problems, language)


@dataclass(frozen=True)
class AdminCommand:
    da: str
    en: str
    description: str  # a `ui:` key
    action: StaffAction


ADMIN_COMMANDS = (
    AdminCommand("stats", "stats", "stats_command", stats),
    AdminCommand("ubesvarede", "unanswered", "unanswered_command", teach.unanswered),
    AdminCommand("reload", "reload", "reload_command", reload_command),
)


async def _report(message: Message, context: BotContext, language: str, days: int) -> Report | None:
    log_file = context.question_log
    if log_file is None:
        await send_text(message, context.text("log_off", language))
        return None

    def read() -> Report:
        log_file.flush()
        # Where the bot writes it: PostgreSQL with DATABASE_URL, else the SQLite file.
        with open_reader(log_file.path, log_file.database_url) as reader:
            return build_report(reader, days)

    try:
        return await asyncio.to_thread(read)
    except LogReadError as error:
        await send_text(message, context.text("log_unreadable", language, error=error))
        return None


async def _send_pre(message: Message, text: str) -> None:
    # Monospaced, and cut to fit one message: a report is for a glance on a phone.
    body = escaped_within(text, 3900)
    await message.reply_text(f"<pre>{body}</pre>", parse_mode=ParseMode.HTML)


# -- reloading ---------------------------------------------------------------------------------


async def reload(services: Services) -> list[Problem]:
    """Load and validate the knowledge base again; swap it in only if it is sound."""
    holder = services.knowledge
    async with holder.reloading:
        current = holder.assistant
        path = current.knowledge.path
        # Taken before reading: the watcher then does not load (or report) this content again.
        stamp = await asyncio.to_thread(stamp_of, path)
        try:
            knowledge = await asyncio.to_thread(load_knowledge, path)
            assistant = await asyncio.to_thread(
                Assistant, knowledge, current.settings, current.default_language
            )
        except KnowledgeError as error:
            for problem in error.problems:
                log.error("Reload refused: %s", problem)
            return error.problems
        finally:
            if services.watcher is not None:
                services.watcher.remember(stamp)
        holder.swap(assistant)
        log.info("Knowledge base reloaded from %s: %d entries", path, len(knowledge.entries))
        return []


async def reload_and_tell_admins(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> list[Problem]:
    """For SIGHUP and the watcher: reload, and tell the admins if it failed."""
    services = services_of(application)
    problems = await reload(services)
    for admin in services.settings.admin_user_ids if problems else ():
        await _send_reload_result(services, application.bot, admin, problems, STAFF_LANGUAGE)
    return problems


def knowledge_watcher(application: Application[Any, Any, Any, Any, Any, Any]) -> KnowledgeWatcher:
    """A watcher of the knowledge file in use: a change is reloaded as /reload does, and a
    change that fails is told to the admins while the old knowledge base stays."""
    services = services_of(application)

    async def reload_changed() -> list[Problem]:
        return await reload_and_tell_admins(application)

    every = services.settings.knowledge_watch_seconds or DEFAULT_EVERY_SECONDS
    return KnowledgeWatcher(services.knowledge.knowledge.path, reload_changed, every)


async def _send_reload_result(
    services: Services, bot: Bot, chat_id: int, problems: list[Problem], language: str
) -> None:
    knowledge = services.knowledge.knowledge
    if not problems:
        text = knowledge.text("reloaded", language, entries=len(knowledge.entries))
    else:
        lines = [knowledge.text("not_reloaded", language), *(str(p) for p in problems[:20])]
        text = "\n".join(lines)
    try:
        await bot.send_message(chat_id, escaped_within(text), parse_mode=ParseMode.HTML)
    except TelegramError as error:
        log.warning("Could not tell admin %s about the reload: %s", chat_id, error)


def watch_sighup(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """SIGHUP reloads the knowledge base (where the platform has the signal)."""
    if not hasattr(signal, "SIGHUP"):
        return
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(
            signal.SIGHUP,
            lambda: application.create_task(reload_and_tell_admins(application)),
        )


async def set_admin_menu(
    application: Application[Any, Any, Any, Any, Any, Any], public: list[BotCommand]
) -> None:
    """Admins see their commands too, in their own chats only."""
    services = services_of(application)
    knowledge = services.knowledge.knowledge
    commands = public + [
        BotCommand(command.da, knowledge.text(command.description, STAFF_LANGUAGE))
        for command in ADMIN_COMMANDS
    ]
    for admin in services.settings.admin_user_ids:
        try:
            await application.bot.set_my_commands(commands, scope=BotCommandScopeChat(admin))
        except TelegramError as error:  # an admin who never wrote to the bot
            log.info("No admin menu for %s: %s", admin, error)
