"""Staff tools in Telegram: /stats, /ubesvarede (/unanswered) and /reload, and hot reload.

Only users in ADMIN_USER_IDS may use them; anyone else gets the answer for an unknown command,
so the commands do not even show that they exist. They are not in the public command menu.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeChat, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.adapters.telegram.formatting import escaped_within
from bot.assistant import Assistant
from bot.knowledge import KnowledgeError, Problem, load_knowledge
from bot.questionlog import open_for_reading
from bot.report import Report, build_report, render_report

if TYPE_CHECKING:
    from bot.adapters.telegram.handlers import TelegramBot

log = logging.getLogger("klippekort.telegram.admin")

ADMIN_COMMANDS = (
    ("stats", "stats", "Statistik over spørgsmålene"),
    ("ubesvarede", "unanswered", "Spørgsmål uden svar"),
    ("reload", "reload", "Genindlæs vidensbasen"),
)
TEXTS = {
    "unknown_command": {
        "da": "Den kommando kender jeg ikke. Skriv /hjaelp for at se, hvad jeg kan.",
        "en": "I don't know that command. Type /help to see what I can do.",
    },
    "log_off": {
        "da": "Spørgsmålsloggen er slået fra (QUESTION_LOG=off).",
        "en": "The question log is off (QUESTION_LOG=off).",
    },
    "log_unreadable": {
        "da": "Spørgsmålsloggen kan ikke læses: {error}",
        "en": "The question log cannot be read: {error}",
    },
    "reloaded": {
        "da": "Vidensbasen er genindlæst: {entries} emner.",
        "en": "The knowledge base was reloaded: {entries} entries.",
    },
    "not_reloaded": {
        "da": "Vidensbasen blev IKKE skiftet; den gamle bruges stadig. Fejl:",
        "en": "The knowledge base was NOT replaced; the old one is still in use. Problems:",
    },
}
STATS_DAYS = 7
UNANSWERED_DAYS = 30


def say(key: str, language: str, **values: object) -> str:
    return TEXTS[key].get(language, TEXTS[key]["da"]).format(**values)


class AdminTools:
    """The admin commands and knowledge-base reloading for one TelegramBot."""

    def __init__(self, bot: TelegramBot) -> None:
        self.bot = bot
        self._reloading = asyncio.Lock()

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.bot.settings.admin_user_ids

    def command(
        self, action: Callable[[Message, str], Coroutine[Any, Any, None]]
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
        """A handler that runs `action` for admins and answers everyone else as for any
        unknown command."""

        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None:
                return
            language = self.bot.language_for(update, context)
            # Reports hold what people asked: they go to an admin's private chat, never a group.
            if not self.is_admin(update) or self.bot.in_group(message):
                await self.unknown_command(update, context)
                return
            await action(message, language)

        return handle

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        _, _, addressee = message.text.split()[0].partition("@")
        mine = (context.bot.username or "").lower()
        if addressee.lower() != mine and (addressee or self.bot.in_group(message)):
            return  # another bot's command, or in a group a bare /command that may be one
        language = self.bot.language_for(update, context)
        await self.bot.send_text(
            message, say("unknown_command", language), quote=self.bot.in_group(message)
        )

    # -- the commands ---------------------------------------------------------------------------

    async def stats(self, message: Message, language: str) -> None:
        report = await self._report(message, language, STATS_DAYS)
        if report is not None:
            text = render_report(report, limit=5)
            await self._send_pre(message, text)

    async def unanswered(self, message: Message, language: str) -> None:
        report = await self._report(message, language, UNANSWERED_DAYS)
        if report is None:
            return
        lines = [f"Ubesvarede spørgsmål, {UNANSWERED_DAYS} dage:"]
        for group in report.unanswered[:15]:
            lines.append(f"{group.count} × {group.examples[0]}")
            lines += [f"    – {example}" for example in group.examples[1:]]
        if len(lines) == 1:
            lines.append("(ingen)")
        await self._send_pre(message, "\n".join(lines))

    async def reload_command(self, message: Message, language: str) -> None:
        problems = await self.reload()
        await self._send_reload_result(message.get_bot(), message.chat_id, problems, language)

    async def _report(self, message: Message, language: str, days: int) -> Report | None:
        log_file = self.bot.question_log
        if log_file is None:
            await self.bot.send_text(message, say("log_off", language))
            return None

        def read() -> Report:
            log_file.flush()
            with contextlib.closing(open_for_reading(log_file.path)) as db:
                return build_report(db, days)

        try:
            return await asyncio.to_thread(read)
        except sqlite3.Error as error:
            await self.bot.send_text(message, say("log_unreadable", language, error=error))
            return None

    async def _send_pre(self, message: Message, text: str) -> None:
        # Monospaced, and cut to fit one message: a report is for a glance on a phone.
        body = escaped_within(text, 3900)
        await message.reply_text(f"<pre>{body}</pre>", parse_mode=ParseMode.HTML)

    # -- reloading -----------------------------------------------------------------------------

    async def reload(self) -> list[Problem]:
        """Load and validate the knowledge base again; swap it in only if it is sound."""
        async with self._reloading:
            current = self.bot.assistant
            path = current.knowledge.path
            try:
                knowledge = await asyncio.to_thread(load_knowledge, path)
                assistant = await asyncio.to_thread(
                    Assistant, knowledge, current.settings, current.default_language
                )
            except KnowledgeError as error:
                for problem in error.problems:
                    log.error("Reload refused: %s", problem)
                return error.problems
            # One assignment: a question is answered wholly by the old or wholly by the new.
            self.bot.assistant = assistant
            self.bot.charts.clear()
            self.bot.chart_file_ids.clear()
            log.info("Knowledge base reloaded from %s: %d entries", path, len(knowledge.entries))
            return []

    async def reload_and_tell_admins(
        self, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> None:
        """For SIGHUP: reload, and tell the admins if it failed."""
        problems = await self.reload()
        if not problems:
            return
        for admin in self.bot.settings.admin_user_ids:
            await self._send_reload_result(application.bot, admin, problems, "da")

    async def _send_reload_result(
        self, bot: Any, chat_id: int, problems: list[Problem], language: str
    ) -> None:
        if not problems:
            entries = len(self.bot.assistant.knowledge.entries)
            text = say("reloaded", language, entries=entries)
        else:
            lines = [say("not_reloaded", language), *(str(p) for p in problems[:20])]
            text = "\n".join(lines)
        try:
            await bot.send_message(chat_id, escaped_within(text), parse_mode=ParseMode.HTML)
        except TelegramError as error:
            log.warning("Could not tell admin %s about the reload: %s", chat_id, error)

    def watch_sighup(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """SIGHUP reloads the knowledge base (where the platform has the signal)."""
        if not hasattr(signal, "SIGHUP"):
            return
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(
                signal.SIGHUP,
                lambda: application.create_task(self.reload_and_tell_admins(application)),
            )

    async def set_admin_menu(
        self, application: Application[Any, Any, Any, Any, Any, Any], public: list[BotCommand]
    ) -> None:
        """Admins see their commands too, in their own chats only."""
        commands = public + [BotCommand(da, description) for da, _, description in ADMIN_COMMANDS]
        for admin in self.bot.settings.admin_user_ids:
            try:
                await application.bot.set_my_commands(commands, scope=BotCommandScopeChat(admin))
            except TelegramError as error:  # an admin who never wrote to the bot
                log.info("No admin menu for %s: %s", admin, error)
