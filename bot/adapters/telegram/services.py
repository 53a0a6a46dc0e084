"""What every handler shares, typed: the knowledge, the state store, the question log, the charts.

The Application is built with `BotContext` as its context class (python-telegram-bot's
`ContextTypes`, as in its contexttypesbot example), so a handler reads `context.assistant`,
`context.store` or `context.text(...)` with their types, instead of reaching into one big
object. The services themselves live once in `bot_data`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot
from telegram.request import BaseRequest

from bot.adapters.telegram.charts import Charts
from bot.adapters.telegram.limits import QuestionLimiter
from bot.adapters.telegram.settings import Settings
from bot.assistant import Assistant
from bot.model import KnowledgeBase
from bot.questionlog import QuestionLog
from bot.state import StateStore
from bot.watch import KnowledgeWatcher

SERVICES = "services"
# Questions whose 👍 / 👎 was pressed, remembered at most.
MAX_FEEDBACK_REMEMBERED = 10_000


class KnowledgeHolder:
    """The assistant in use. `swap` replaces it in one assignment, so a question is answered
    wholly by the old knowledge base or wholly by the new, and drops the charts of the old."""

    def __init__(self, assistant: Assistant, charts: Charts) -> None:
        self._assistant = assistant
        self._charts = charts
        self.reloading = asyncio.Lock()

    @property
    def assistant(self) -> Assistant:
        return self._assistant

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._assistant.knowledge

    def swap(self, assistant: Assistant) -> None:
        self._assistant = assistant
        self._charts.clear()


class SeenOnce:
    """Keys seen before, the oldest forgotten past `limit`: a second 👍 changes nothing."""

    def __init__(self, limit: int = MAX_FEEDBACK_REMEMBERED) -> None:
        self.limit = limit
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)
        return True


@dataclass
class Services:
    """The bot's shared parts, made once by `build_application`."""

    settings: Settings
    knowledge: KnowledgeHolder
    store: StateStore
    question_log: QuestionLog | None
    charts: Charts
    limiter: QuestionLimiter
    feedback: SeenOnce = field(default_factory=SeenOnce)
    # The HTTP transports (answers, long polling), closed by whoever runs the application.
    requests: tuple[BaseRequest, ...] = ()
    # Background work started at start-up (purging, watching), stopped at shutdown.
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Watches the knowledge file and reloads it when it changes (set by build_application).
    watcher: KnowledgeWatcher | None = None


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The services whose handlers `application` runs."""
    services: Services = application.bot_data[SERVICES]
    return services


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler gets: the shared services as typed properties."""

    @property
    def services(self) -> Services:
        services: Services = self.bot_data[SERVICES]
        return services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def assistant(self) -> Assistant:
        return self.services.knowledge.assistant

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.services.knowledge.knowledge

    @property
    def store(self) -> StateStore:
        return self.services.store

    @property
    def question_log(self) -> QuestionLog | None:
        return self.services.question_log

    @property
    def charts(self) -> Charts:
        return self.services.charts

    def text(self, key: str, language: str, **values: object) -> str:
        """The bot's words for `key` (the knowledge base's `ui:`), in `language`."""
        return self.knowledge.text(key, language, **values)
