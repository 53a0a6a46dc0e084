"""What runs before any handler, in groups of their own: an update is claimed once (a
redelivery is ignored), a stale one skipped, and a user over the question limit stopped."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.adapters.telegram.chats import in_group, is_for_me
from bot.adapters.telegram.replies import send_text
from bot.adapters.telegram.services import BotContext
from bot.adapters.telegram.user_language import language_for

log = logging.getLogger("klippekort.telegram")

# Handler groups, run in this order before the handlers (group 0).
CLAIM_GROUP = -3
AGE_GROUP = -2
LIMIT_GROUP = -1


async def claim_update(update: Update, context: BotContext) -> None:
    """Each update is answered once, even when Telegram sends it again or several replicas
    share one state store: the first to claim its id handles it."""
    if not await context.store.claim_update(update.update_id):
        log.info("update %s was handled already; ignored", update.update_id)
        raise ApplicationHandlerStop


async def skip_stale(update: Update, context: BotContext) -> None:
    """A message older than MAX_UPDATE_AGE (queued while the bot was down) is not answered."""
    message = update.message or update.edited_message
    if message is None:
        return
    sent = message.edit_date or message.date
    age = (datetime.now(UTC) - sent).total_seconds()
    if age > context.settings.max_update_age:
        log.info("skipping update %s: %d s old", update.update_id, age)
        raise ApplicationHandlerStop


async def limit_questions(update: Update, context: BotContext) -> None:
    """USER_QUESTIONS_PER_MINUTE: past it, one polite notice, then silence for a minute."""
    message = update.message or update.edited_message
    user = update.effective_user
    asks = message is not None or update.callback_query or update.inline_query
    if user is None or not asks or not is_for_me(update, context):
        return
    allowed, notify = context.services.limiter.allow(user.id)
    if allowed:
        return
    log.info("user over the question limit; update %s dropped", update.update_id)
    if notify and message is not None:
        language = await language_for(update, context)
        await send_text(message, context.text("too_many", language), quote=in_group(message))
    elif update.callback_query:
        language = await language_for(update, context)
        await update.callback_query.answer(context.text("too_many", language))
    raise ApplicationHandlerStop
