"""The Telegram adapter: turns updates into calls of the core and replies into messages.

Small handlers in the style of python-telegram-bot's examples, one error handler, and
`build_application` to put them together. Every answer comes from `Assistant`; this module only
decides who gets which answer, in which language, with which buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import logging
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import (
    BotCommand,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.adapters.telegram.admin import ADMIN_COMMANDS, AdminTools
from bot.adapters.telegram.formatting import (
    Callback,
    entry_keyboard,
    language_keyboard,
    split_html,
    without_feedback,
)
from bot.adapters.telegram.request import AiohttpRequest
from bot.adapters.telegram.settings import Settings
from bot.assistant import Assistant, Choice, Reply
from bot.chart import ChartCache
from bot.followup import Conversations
from bot.matcher import Outcome
from bot.normalize import normalize
from bot.questionlog import LoggedQuestion, QuestionLog, new_question_id

log = logging.getLogger("klippekort.telegram")

# The bot's own words around the core's answers (the answers themselves live in knowledge/).
TEXTS: dict[str, dict[str, str]] = {
    "text_only": {
        "da": "Jeg kan kun læse tekst. Skriv dit spørgsmål om Klippekortet.",
        "en": "I can only read text. Please type your question about Klippekortet.",
    },
    "too_many": {
        "da": "Du har stillet mange spørgsmål på kort tid. Vent et minut, så svarer jeg igen.",
        "en": "You have asked a lot of questions in a short time. Wait a minute and ask again.",
    },
    "error": {
        "da": "Beklager, noget gik galt. Prøv igen om lidt.",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
    "stale": {
        "da": "Den knap virker ikke længere. Skriv dit spørgsmål igen.",
        "en": "That button no longer works. Please type your question again.",
    },
    "choose_language": {
        "da": "Vælg sprog / Choose language:",
        "en": "Choose language / Vælg sprog:",
    },
    "language_da": {"da": "Jeg svarer nu på dansk.", "en": "Jeg svarer nu på dansk."},
    "language_en": {"da": "I will answer in English now.", "en": "I will answer in English now."},
    "language_auto": {
        "da": "Jeg svarer nu på det sprog, du skriver på.",
        "en": "I will now answer in the language you write in.",
    },
    "usage_argument": {
        "da": "Jeg forstod ikke »{argument}« som et år. Skriv fx /forbrug 2014 eller "
        "/forbrug 2010-2012. Her er hele forbruget:",
        "en": "I did not understand “{argument}” as a year. Try /usage 2014 or "
        "/usage 2010-2012. Here is all the usage:",
    },
    "help_command": {"da": "Hjælp og eksempler", "en": "Help and examples"},
    "feedback_thanks": {"da": "Tak for din vurdering!", "en": "Thank you for your feedback!"},
    "feedback_again": {
        "da": "Din vurdering er allerede noteret.",
        "en": "Your feedback has already been noted.",
    },
    "start_command": {"da": "Start", "en": "Start"},
    "language_command": {"da": "Vælg dansk eller engelsk", "en": "Choose Danish or English"},
}


@dataclass(frozen=True)
class Command:
    """A command, its Danish and English names and the entry it answers."""

    da: str
    en: str
    entry: str | None
    description: str | None = None  # a key of TEXTS; else the entry's title


COMMANDS = (
    Command("start", "start", "greeting", "start_command"),
    Command("hjaelp", "help", "help", "help_command"),
    Command("timer", "hours", "remaining_hours"),
    Command("forbrug", "usage", "usage"),
    Command("omkostninger", "costs", "interface_costs"),
    Command("kontakt", "contact", "contact"),
    Command("om", "about", "what_is"),
    Command("sprog", "language", None, "language_command"),
)
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
]
# Updates handled at once. Each answer is one HTTPS round trip to Telegram (50-150 ms), so 16
# in flight covers Telegram's own limit of about 30 messages a second with room to spare, while
# more would only add connections for httpx to keep track of (measured by `make bench`).
CONCURRENT_UPDATES = 16


def text(key: str, language: str) -> str:
    return TEXTS[key].get(language) or TEXTS[key]["da"]


class QuestionLimiter:
    """At most `per_minute` questions per user in any 60 seconds; one notice when exceeded."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.asked: dict[int, deque[float]] = defaultdict(deque)
        self.warned: dict[int, float] = {}

    def allow(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, send the notice now)."""
        now = self.clock()
        times = self.asked[user_id]
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) < self.per_minute:
            times.append(now)
            self.warned.pop(user_id, None)
            return True, False
        if user_id in self.warned and now - self.warned[user_id] < 60:
            return False, False
        self.warned[user_id] = now
        return False, True


class RetryingRateLimiter(AIORateLimiter):
    """python-telegram-bot's flood control plus retries of sends that failed on the network.

    A 429 is retried after its retry_after (AIORateLimiter); a dropped connection, a time-out or
    a 5xx is retried with backoff, so a question is still answered once. A 400 is not retried.
    """

    def __init__(
        self,
        network_retries: int = 4,
        backoff: float = 0.5,
        telegram_limits: bool = True,
        **kwargs: Any,
    ) -> None:
        if not telegram_limits:
            kwargs |= {"overall_max_rate": 0, "group_max_rate": 0}
        super().__init__(max_retries=kwargs.pop("max_retries", 5), **kwargs)
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (BadRequest, RetryAfter):
                raise
            except NetworkError as error:
                if attempt >= self.network_retries:
                    raise
                delay = self.backoff * 2**attempt
                attempt += 1
                log.warning("%s failed (%s); retry %d in %.1f s", endpoint, error, attempt, delay)
                await asyncio.sleep(delay)


class TelegramBot:
    """The handlers, sharing one assistant and the per-user state."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.limiter = QuestionLimiter(settings.user_questions_per_minute)
        # The last answer per user in each chat, for follow-ups: two people in a group don't mix.
        self.conversations = Conversations(settings.follow_up_minutes * 60)
        self.started = datetime.now(UTC)
        # The HTTP transports (answers, long polling), closed by whoever runs the application.
        self.requests: tuple[AiohttpRequest, ...] = ()
        self.question_log = (
            QuestionLog(settings.question_log, settings.question_log_days)
            if settings.question_log is not None
            else None
        )
        self.charts = ChartCache()
        self.chart_file_ids: dict[tuple[int, str], str] = {}
        self.admin = AdminTools(self)
        # Questions whose 👍 / 👎 was pressed: a second press changes nothing.
        self.feedback_given: OrderedDict[str, None] = OrderedDict()

    # -- language -------------------------------------------------------------------------------

    @staticmethod
    def chosen_language(context: ContextTypes.DEFAULT_TYPE) -> str | None:
        language = (context.user_data or {}).get("language")
        return language if language in ("da", "en") else None

    def language_for(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, fallback: str | None = None
    ) -> str:
        """The user's choice, else `fallback`, else their client's language, else the default."""
        chosen = self.chosen_language(context)
        if chosen:
            return chosen
        if fallback in ("da", "en"):
            return fallback
        user = update.effective_user
        code = (user.language_code or "").split("-")[0] if user else ""
        return code if code in ("da", "en") else self.settings.default_language

    def ask(self, question: str, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Reply:
        chosen = self.chosen_language(context)
        user = update.effective_user
        hint = chosen or (user.language_code if user else None)
        chat = update.effective_chat
        key = (chat.id if chat else 0, user.id if user else 0)
        return self.assistant.converse(
            question, self.conversations, key, hint, fixed_language=chosen is not None
        )

    # -- guards ---------------------------------------------------------------------------------

    async def guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every handler: skips stale updates and users over their limit."""
        message = update.message or update.edited_message
        if message is not None:
            sent = message.edit_date or message.date
            age = (datetime.now(UTC) - sent).total_seconds()
            if age > self.settings.max_update_age:
                log.info("skipping update %s: %d s old", update.update_id, age)
                raise ApplicationHandlerStop
        user = update.effective_user
        asks = message is not None or update.callback_query or update.inline_query
        if user is None or not asks or not self.is_for_me(update, context):
            return
        allowed, notify = self.limiter.allow(user.id)
        if allowed:
            return
        log.info("user over the question limit; update %s dropped", update.update_id)
        if notify and message is not None:
            language = self.language_for(update, context)
            await self.send_text(message, text("too_many", language), quote=self.in_group(message))
        elif update.callback_query:
            await update.callback_query.answer(text("too_many", self.language_for(update, context)))
        raise ApplicationHandlerStop

    def is_for_me(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Whether the bot would answer this update (group chatter does not count)."""
        message = update.message or update.edited_message
        if message is None or not self.in_group(message):
            return True
        return self.addressed(message, context) or bool(
            message.text and message.text.startswith("/")
        )

    # -- sending --------------------------------------------------------------------------------

    @staticmethod
    def in_group(message: Message) -> bool:
        return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)

    def keyboard_for(self, reply: Reply, question: str | None = None) -> Any:
        if reply.outcome is Outcome.SUGGESTED:
            return entry_keyboard(reply.suggestions, reply.language, "s", question)
        if reply.outcome is Outcome.ANSWERED:
            return entry_keyboard(reply.related, reply.language, "a", question)
        return entry_keyboard(reply.related, reply.language)

    async def send_reply(
        self, message: Message, reply: Reply, quote: bool, question: str | None = None
    ) -> None:
        chunks = split_html(reply.html)
        for number, chunk in enumerate(chunks, 1):
            await message.reply_text(
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=self.keyboard_for(reply, question) if number == len(chunks) else None,
                do_quote=quote and number == 1,
            )

    def log_question(self, question: str, reply: Reply, chat_type: str) -> str | None:
        """Queue the question for the log (never waits); its id, for feedback buttons."""
        if self.question_log is None:
            return None
        question_id = new_question_id()
        self.question_log.record(
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

    def wants_chart(self, reply: Reply) -> bool:
        return reply.outcome is Outcome.ANSWERED and reply.entry_id == "usage" and not reply.periods

    def send_chart_later(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, language: str
    ) -> None:
        """The chart follows the text answer, in a task of its own, so the text never waits."""
        context.application.create_task(self.send_chart(context.bot, chat_id, language))

    async def send_chart(self, bot: Any, chat_id: int, language: str) -> None:
        knowledge = self.assistant.knowledge
        key = (id(knowledge), language)
        caption = knowledge.ui["chart_title"][language]
        try:
            file_id = self.chart_file_ids.get(key)
            if file_id is not None:
                await bot.send_photo(chat_id, photo=file_id, caption=caption)
                return
            png = await asyncio.to_thread(self.charts.get, knowledge, language)
            sent = await bot.send_photo(chat_id, photo=png, caption=caption)
            if sent.photo:
                # Telegram keeps the picture: later charts are sent by reference.
                self.chart_file_ids[key] = sent.photo[-1].file_id
        except TelegramError as error:
            if isinstance(error, BadRequest):
                # A file_id Telegram refuses would fail every later chart: upload next time.
                self.chart_file_ids.pop(key, None)
            log.warning("Could not send the usage chart to a chat: %s", error)

    async def send_text(self, message: Message, plain: str, quote: bool = False) -> None:
        await message.reply_text(
            html.escape(plain, quote=False), parse_mode=ParseMode.HTML, do_quote=quote
        )

    # -- handlers -------------------------------------------------------------------------------

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        reply = self.ask(message.text, update, context)
        question = self.log_question(message.text, reply, "private")
        await self.send_reply(message, reply, quote=False, question=question)
        if self.wants_chart(reply):
            self.send_chart_later(context, message.chat_id, reply.language)

    def addressed(self, message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Whether a group message mentions the bot or replies to it."""
        username = (context.bot.username or "").lower()
        mentions = message.parse_entities(["mention"]).values()
        if any(m.lower() == f"@{username}" for m in mentions):
            return True
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)

    async def on_group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text or not self.addressed(message, context):
            return  # chatter between people is none of the bot's business
        question = message.text
        for mention in message.parse_entities(["mention"]).values():
            question = question.replace(mention, " ")
        question = " ".join(question.split())
        reply = self.ask(question, update, context)
        question_id = self.log_question(question, reply, "group")
        await self.send_reply(message, reply, quote=True, question=question_id)

    async def on_other_content(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            await self.send_text(message, text("text_only", self.language_for(update, context)))

    def command_handler(
        self, command: Command, language: str
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None:
                return
            # A name shared by both languages (/start) says nothing about the user's language.
            fallback = language if command.da != command.en else None
            lang = self.language_for(update, context, fallback=fallback)
            quote = self.in_group(message)
            if command.entry is None:
                await self.choose_language(message, context, lang)
                return
            periods: tuple[Any, ...] = ()
            if command.entry == "usage" and context.args:
                argument = " ".join(context.args)
                periods = normalize(argument).periods
                if not periods:
                    notice = text("usage_argument", lang).format(argument=argument[:50])
                    await self.send_text(message, notice, quote=quote)
            reply = self.assistant.answer(command.entry, lang, periods)
            if command.entry == "greeting":
                reply = self.with_core_topics(reply)
            await self.send_reply(message, reply, quote=quote)
            if self.wants_chart(reply) and not context.args:
                self.send_chart_later(context, message.chat_id, lang)

        return handle

    def with_core_topics(self, reply: Reply) -> Reply:
        titles = self.assistant.titles(reply.language)
        topics = tuple(Choice(e, titles[e]) for e in self.assistant.core_topics)
        return dataclasses.replace(reply, related=topics)

    async def choose_language(
        self, message: Message, context: ContextTypes.DEFAULT_TYPE, language: str
    ) -> None:
        argument = " ".join(context.args or []).strip().lower()
        if argument in ("da", "en", "auto", "dansk", "english", "danish"):
            code = {"dansk": "da", "danish": "da", "english": "en"}.get(argument, argument)
            self.set_language(context, code)
            await self.send_text(
                message, text(f"language_{code}", language), quote=self.in_group(message)
            )
            return
        await message.reply_text(
            text("choose_language", language), reply_markup=language_keyboard(language)
        )

    @staticmethod
    def set_language(context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
        if context.user_data is None:
            return
        if code == "auto":
            context.user_data.pop("language", None)
        else:
            context.user_data["language"] = code

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        pressed = Callback.decode(query.data)
        language = self.language_for(update, context, pressed.language if pressed else None)
        entries = self.assistant.knowledge.entries
        valid = pressed is not None and (
            (pressed.action == "l" and pressed.value in ("da", "en", "auto"))
            or (pressed.action in ("a", "s") and pressed.value in entries)
            or (pressed.action in ("u", "d", "n") and bool(pressed.question))
        )
        message = query.message
        if pressed is None or not valid or not isinstance(message, Message):
            await query.answer(text("stale", language))
            return
        if pressed.action in ("u", "d"):
            await self.on_feedback(query, message, pressed, language)
            return
        await query.answer()  # at once, so the button stops spinning
        if pressed.action == "l":
            self.set_language(context, pressed.value)
            reply_language = self.language_for(update, context, language)
            await query.edit_message_text(text(f"language_{pressed.value}", reply_language))
            return
        if pressed.action == "n":
            if self.question_log is not None and pressed.question:
                self.question_log.none_of_these(pressed.question)
            reply = self.assistant.dont_know(language)
            await query.edit_message_text(
                split_html(reply.html)[0],
                parse_mode=ParseMode.HTML,
                reply_markup=self.keyboard_for(reply),
            )
            return
        reply = self.assistant.answer(
            pressed.value, self.language_for(update, context, pressed.language)
        )
        if pressed.action == "s" and pressed.question and self.question_log is not None:
            self.question_log.suggestion_chosen(pressed.question, pressed.value)
        chunks = split_html(reply.html)
        if pressed.action == "s" and len(chunks) == 1:
            # A chosen suggestion replaces the question "did you mean ...".
            await query.edit_message_text(
                chunks[0], parse_mode=ParseMode.HTML, reply_markup=self.keyboard_for(reply)
            )
            return
        await self.send_reply(message, reply, quote=False)

    async def on_feedback(
        self, query: Any, message: Message, pressed: Callback, language: str
    ) -> None:
        """👍 / 👎: acknowledged at once; the first press for a question counts."""
        question = pressed.question or ""
        if question in self.feedback_given:
            await query.answer(text("feedback_again", language))
            return
        self.feedback_given[question] = None
        while len(self.feedback_given) > 10_000:
            self.feedback_given.popitem(last=False)
        await query.answer(text("feedback_thanks", language))
        if self.question_log is not None:
            self.question_log.feedback(question, 1 if pressed.action == "u" else -1)
        with contextlib.suppress(TelegramError):  # the message may be too old to edit
            await query.edit_message_reply_markup(without_feedback(message.reply_markup))

    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inline = update.inline_query
        if inline is None:
            return
        question = inline.query.strip()
        if question:
            user = update.effective_user
            hint = self.chosen_language(context) or (user.language_code if user else None)
            replies = self.assistant.best_answers(question, hint, limit=5)
        else:
            language = self.language_for(update, context)
            replies = [self.assistant.answer(e, language) for e in self.assistant.core_topics]
        results = [
            InlineQueryResultArticle(
                id=f"{reply.entry_id}-{number}",
                title=reply.title or "",
                description=reply.text.split("\n")[0][:120],
                input_message_content=InputTextMessageContent(
                    split_html(reply.html)[0], parse_mode=ParseMode.HTML
                ),
            )
            for number, reply in enumerate(replies)
        ]
        await inline.answer(
            results, cache_time=300, is_personal=bool(self.chosen_language(context))
        )

    async def on_inline_choice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline answer someone shared: logged as the inline question (needs /setinlinefeedback
        at BotFather; queries themselves arrive per keystroke and are not logged)."""
        chosen = update.chosen_inline_result
        if chosen is None or self.question_log is None:
            return
        entry_id = chosen.result_id.rsplit("-", 1)[0]
        if entry_id not in self.assistant.knowledge.entries:
            return
        user = update.effective_user
        hint = self.chosen_language(context) or (user.language_code if user else None)
        reply = self.assistant.reply(chosen.query, hint)
        reply = dataclasses.replace(reply, outcome=Outcome.ANSWERED, entry_id=entry_id)
        self.log_question(chosen.query, reply, "inline")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error handler: log with context, tell the user, never show a trace."""
        error = context.error
        where = _describe(update)
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            log.warning("Telegram could not be reached (%s): %s", where, error)
            return
        if isinstance(error, Forbidden):
            log.warning("Telegram refused (%s): %s", where, error)
            return
        log.error("Error while handling %s", where, exc_info=error)
        if isinstance(update, Update) and update.effective_message is not None:
            language = self.language_for(update, context)
            try:
                message = update.effective_message
                await self.send_text(message, text("error", language), quote=self.in_group(message))
            except Exception as notice_error:  # the notice is a courtesy; never let it loop
                log.warning("Could not tell the user about the error: %s", notice_error)

    async def post_init(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """At start: the command menus, and SIGHUP for reloading the knowledge base."""
        await self.set_commands(application)
        self.admin.watch_sighup(application)

    async def post_shutdown(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """At stop: what the question log still holds is written."""
        if self.question_log is not None:
            await asyncio.to_thread(self.question_log.close)

    async def set_commands(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The command menu, in Danish, in English and for everyone else (Danish)."""
        for language_code, language in (("da", "da"), ("en", "en"), (None, "da")):
            commands = [
                BotCommand(
                    getattr(command, language),
                    text(command.description, language)
                    if command.description
                    else self.assistant.titles(language)[command.entry or ""],
                )
                for command in COMMANDS
            ]
            await application.bot.set_my_commands(commands, language_code=language_code)
            if language_code is None:
                await self.admin.set_admin_menu(application, commands)


def telegram_bot(application: Application[Any, Any, Any, Any, Any, Any]) -> TelegramBot:
    """The TelegramBot whose handlers `application` runs."""
    bot: TelegramBot = application.bot_data["telegram_bot"]
    return bot


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return "no update" if update is None else type(update).__name__
    kind = next(
        (
            name
            for name in [*ALLOWED_UPDATES, "channel_post", "my_chat_member"]
            if getattr(update, name, None)
        ),
        "update",
    )
    chat = update.effective_chat
    where = f" in {chat.type} chat {chat.id}" if chat else ""
    return f"{kind} {update.update_id}{where}"


def build_application(
    settings: Settings,
    assistant: Assistant,
    *,
    telegram_limits: bool = True,
    network_retries: int = 4,
    retry_backoff: float = 0.5,
    concurrency: int = CONCURRENT_UPDATES,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A ready-to-start Application with every handler; nothing touches the network yet."""
    bot = TelegramBot(assistant, settings)
    bot.requests = (AiohttpRequest(connection_pool_size=concurrency + 4), AiohttpRequest(2))
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(settings.token)
        .rate_limiter(
            RetryingRateLimiter(network_retries, retry_backoff, telegram_limits=telegram_limits)
        )
        .concurrent_updates(concurrency)
        .request(bot.requests[0])
        .get_updates_request(bot.requests[1])
        .post_init(bot.post_init)
        .post_shutdown(bot.post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    application = builder.build()
    application.bot_data["telegram_bot"] = bot
    admin = bot.admin

    application.add_handler(TypeHandler(Update, bot.guard), group=-1)
    for command in COMMANDS:
        for language in ("da", "en"):
            name = getattr(command, language)
            if language == "en" and name == command.da:
                continue
            application.add_handler(CommandHandler(name, bot.command_handler(command, language)))
    text_messages = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGES
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & text_messages, bot.on_private_text)
    )
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & text_messages, bot.on_group_text)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.TEXT
            & ~filters.COMMAND,
            bot.on_other_content,
        )
    )
    for da, en, _ in ADMIN_COMMANDS:
        action = {
            "stats": admin.stats,
            "ubesvarede": admin.unanswered,
            "reload": admin.reload_command,
        }
        application.add_handler(CommandHandler([da, en], admin.command(action[da])))
    # Last among the commands: anything no handler above took.
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, admin.unknown_command)
    )
    application.add_handler(CallbackQueryHandler(bot.on_button))
    application.add_handler(InlineQueryHandler(bot.on_inline_query))
    application.add_handler(ChosenInlineResultHandler(bot.on_inline_choice))
    application.add_error_handler(bot.on_error)
    return application
