"""The one error handler: log with context, tell the user politely, never show a trace."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.adapters.telegram.chats import in_group
from bot.adapters.telegram.replies import send_text
from bot.adapters.telegram.services import BotContext
from bot.adapters.telegram.user_language import language_for

log = logging.getLogger("klippekort.telegram")

# The kinds of update the bot asks Telegram for.
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
]


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    where = describe(update)
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.warning("Telegram could not be reached (%s): %s", where, error)
        return
    if isinstance(error, Forbidden):
        log.warning("Telegram refused (%s): %s", where, error)
        return
    log.error("Error while handling %s", where, exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            language = await language_for(update, context)
            message = update.effective_message
            await send_text(message, context.text("error", language), quote=in_group(message))
        except Exception as notice_error:  # the notice is a courtesy; never let it loop
            log.warning("Could not tell the user about the error: %s", notice_error)


def describe(update: object) -> str:
    """What an update was, for a log line: its kind, id and chat (never its text)."""
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
