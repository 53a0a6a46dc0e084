"""`build_application`: the services, every handler in its place, start-up and shutdown.

Where each update goes, in order: the guards (claim, age, limit; `guards.py`), the public
commands (`commands.py`), the admin commands (`admin.py`, `teach.py`), text questions
(`questions.py`), any other command (unknown), button presses by action (`buttons.py`, and
the admins' teaching buttons in `teach.py`), inline mode (`inline.py`); errors to `errors.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.adapters.telegram import admin, buttons, commands, guards, inline, questions, teach
from bot.adapters.telegram.charts import Charts
from bot.adapters.telegram.errors import on_error
from bot.adapters.telegram.limits import QuestionLimiter
from bot.adapters.telegram.request import AiohttpRequest
from bot.adapters.telegram.services import (
    SERVICES,
    BotContext,
    KnowledgeHolder,
    Services,
    services_of,
)
from bot.adapters.telegram.settings import Settings
from bot.assistant import Assistant
from bot.questionlog import QuestionLog
from bot.state import StateStore
from bot.state_factory import open_state_store

log = logging.getLogger("klippekort.telegram")

# Updates handled at once. Each answer is one HTTPS round trip to Telegram (50-150 ms), so 16
# in flight covers Telegram's own limit of about 30 messages a second with room to spare, while
# more would only add connections for httpx to keep track of (measured by `make bench`).
CONCURRENT_UPDATES = 16
# How often expired state (contexts, unused language choices, old update ids) is deleted.
HOUSEKEEPING_SECONDS = 3600.0


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


def build_application(
    settings: Settings,
    assistant: Assistant,
    *,
    store: StateStore | None = None,
    requests: tuple[BaseRequest, BaseRequest] | None = None,
    telegram_limits: bool = True,
    network_retries: int = 4,
    retry_backoff: float = 0.5,
    concurrency: int = CONCURRENT_UPDATES,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A ready-to-start Application with every handler; nothing touches the network yet.

    `store` keeps languages, follow-up contexts and handled update ids (by default the one the
    settings name: DATABASE_URL, STATE_DB or memory); it is started in `post_init` and closed in
    `post_shutdown`. `requests` are the transports for
    answers and for long polling (aiohttp by default; tests give a recording one).
    """
    charts = Charts()
    services = Services(
        settings=settings,
        knowledge=KnowledgeHolder(assistant, charts),
        store=store
        or open_state_store(
            settings.database_url,
            settings.state_db,
            settings.follow_up_minutes * 60,
            settings.state_days,
        ),
        question_log=(
            QuestionLog(
                settings.question_log,
                settings.question_log_days,
                database_url=settings.database_url,
            )
            if settings.question_log is not None
            else None
        ),
        charts=charts,
        limiter=QuestionLimiter(settings.user_questions_per_minute),
        requests=requests
        or (AiohttpRequest(connection_pool_size=concurrency + 4), AiohttpRequest(2)),
    )
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(settings.token)
        .context_types(ContextTypes(context=BotContext))
        .rate_limiter(
            RetryingRateLimiter(network_retries, retry_backoff, telegram_limits=telegram_limits)
        )
        .concurrent_updates(concurrency)
        .request(services.requests[0])
        .get_updates_request(services.requests[1])
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    application = builder.build()
    application.bot_data[SERVICES] = services
    services.watcher = admin.knowledge_watcher(application)
    add_handlers(application, settings)
    application.add_error_handler(on_error)
    return application


def add_handlers(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> None:
    application.add_handler(TypeHandler(Update, guards.claim_update), group=guards.CLAIM_GROUP)
    application.add_handler(TypeHandler(Update, guards.skip_stale), group=guards.AGE_GROUP)
    application.add_handler(TypeHandler(Update, guards.limit_questions), group=guards.LIMIT_GROUP)

    for command in commands.ANSWER_COMMANDS:
        for name, language in commands.names(command):
            application.add_handler(
                CommandHandler(name, commands.answer_command(command, language))
            )
    for name, language in commands.names(commands.LANGUAGE):
        application.add_handler(CommandHandler(name, commands.language_command(language)))
    for name, language in commands.names(commands.FORGET):
        application.add_handler(CommandHandler(name, commands.forget_command(language)))

    staff = admin.admin_only(settings.admin_user_ids)
    for staff_command in admin.ADMIN_COMMANDS:
        application.add_handler(
            CommandHandler(
                [staff_command.da, staff_command.en],
                admin.admin_command(staff_command.action),
                filters=staff,
            )
        )

    text_messages = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGES
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & text_messages, questions.on_private_text)
    )
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & text_messages, questions.on_group_text)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.TEXT
            & ~filters.COMMAND,
            questions.on_other_content,
        )
    )
    # Last among the commands: anything no handler above took (an admin command included, for
    # anyone who is not an admin).
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, commands.unknown_command)
    )

    for action, handler in (*buttons.HANDLERS, *teach.HANDLERS):
        application.add_handler(CallbackQueryHandler(handler, pattern=action.pattern))
    application.add_handler(CallbackQueryHandler(buttons.on_stale_button))
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
    application.add_handler(ChosenInlineResultHandler(inline.on_inline_choice))


async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start: the state store, the command menus, SIGHUP for reloading, housekeeping, and
    the watch of the knowledge file (every KNOWLEDGE_WATCH_SECONDS; 0 turns it off)."""
    services = services_of(application)
    await services.store.start()
    await set_commands(application)
    admin.watch_sighup(application)
    services.tasks.append(asyncio.create_task(housekeeping(services)))
    if services.watcher is not None and services.settings.knowledge_watch_seconds > 0:
        services.tasks.append(asyncio.create_task(services.watcher.run()))


async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At stop: housekeeping and the watch end, what the question log still holds is written,
    the store closes."""
    services = services_of(application)
    for task in services.tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    services.tasks.clear()
    if services.question_log is not None:
        await asyncio.to_thread(services.question_log.close)
    await services.store.close()


async def housekeeping(services: Services) -> None:
    """Hourly, expired state goes: contexts, unused language choices, old update ids. (The
    question log purges itself, taking its turn in its own database when replicas share it.)"""
    while True:
        await asyncio.sleep(HOUSEKEEPING_SECONDS)
        try:
            await services.store.purge()
        except Exception as error:  # a failed purge is retried next time; never stops the bot
            log.warning("Could not delete expired state: %s", error)


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu in each language, and for everyone else in the first (Danish)."""
    services = services_of(application)
    knowledge, assistant = services.knowledge.knowledge, services.knowledge.assistant
    menus: list[tuple[str | None, str]] = [(code, code) for code in knowledge.languages]
    for language_code, language in [*menus, (None, knowledge.languages[0])]:
        menu = commands.menu(knowledge, assistant, language)
        await application.bot.set_my_commands(menu, language_code=language_code)
        if language_code is None:
            await admin.set_admin_menu(application, menu)
