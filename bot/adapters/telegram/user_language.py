"""Which language to answer a user in: their `/sprog` choice (kept in the state store), else a
hint, else their Telegram client's language, else DEFAULT_LANGUAGE."""

from __future__ import annotations

from telegram import Update

from bot.adapters.telegram.keyboards import AUTOMATIC
from bot.adapters.telegram.services import BotContext


async def chosen_language(update: Update, context: BotContext) -> str | None:
    """The language the user chose with /sprog, if they chose one."""
    user = update.effective_user
    if user is None:
        return None
    language = await context.store.language(user.id)
    return language if language in context.knowledge.languages else None


async def set_language(update: Update, context: BotContext, code: str) -> None:
    """Keep the user's choice; "auto" removes it (the language they write in counts again)."""
    user = update.effective_user
    if user is not None:
        await context.store.set_language(user.id, None if code == AUTOMATIC else code)


def client_language(update: Update) -> str | None:
    """The language of the user's Telegram client ("da-DK" -> "da"), a hint only."""
    user = update.effective_user
    code = (user.language_code or "").split("-")[0] if user else ""
    return code or None


async def language_for(update: Update, context: BotContext, fallback: str | None = None) -> str:
    """The user's choice, else `fallback`, else their client's language, else the default."""
    languages = context.knowledge.languages
    chosen = await chosen_language(update, context)
    if chosen:
        return chosen
    if fallback in languages:
        assert fallback is not None
        return fallback
    client = client_language(update)
    if client in languages:
        assert client is not None
        return client
    return context.settings.default_language
