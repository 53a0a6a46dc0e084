"""The usage chart in Telegram: drawn once per knowledge base and language, then sent by id."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.chart import ChartCache
from bot.model import KnowledgeBase

log = logging.getLogger("klippekort.telegram")


class Charts:
    """PNGs drawn by the core, and the file ids Telegram gave them once uploaded."""

    def __init__(self) -> None:
        self.pictures = ChartCache()
        self.file_ids: dict[tuple[int, str], str] = {}

    def clear(self) -> None:
        """Forget every chart: for a new knowledge base, whose figures may differ."""
        self.pictures.clear()
        self.file_ids.clear()

    async def send(self, bot: Bot, knowledge: KnowledgeBase, chat_id: int, language: str) -> None:
        """Send the chart; a failure costs only the chart, never the answer before it."""
        key = (id(knowledge), language)
        caption = knowledge.text("chart_title", language)
        try:
            file_id = self.file_ids.get(key)
            if file_id is not None:
                await bot.send_photo(chat_id, photo=file_id, caption=caption)
                return
            png = await asyncio.to_thread(self.pictures.get, knowledge, language)
            sent = await bot.send_photo(chat_id, photo=png, caption=caption)
            if sent.photo:
                # Telegram keeps the picture: later charts are sent by reference.
                self.file_ids[key] = sent.photo[-1].file_id
        except TelegramError as error:
            if isinstance(error, BadRequest):
                # A file_id Telegram refuses would fail every later chart: upload next time.
                self.file_ids.pop(key, None)
            log.warning("Could not send the usage chart to a chat: %s", error)
