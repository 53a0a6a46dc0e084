"""Who a message is for: a private chat is always the bot's; in a group, only what names it."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from bot.adapters.telegram.services import BotContext


def in_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def addressed(message: Message, context: BotContext) -> bool:
    """Whether a group message mentions the bot or replies to it."""
    username = (context.bot.username or "").lower()
    mentions = message.parse_entities(["mention"]).values()
    if any(m.lower() == f"@{username}" for m in mentions):
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)


def is_for_me(update: Update, context: BotContext) -> bool:
    """Whether the bot would answer this update (group chatter does not count)."""
    message = update.message or update.edited_message
    if message is None or not in_group(message):
        return True
    return addressed(message, context) or bool(message.text and message.text.startswith("/"))


def without_mentions(message: Message) -> str:
    """A group message's text with the @mentions taken out, spaces tidied."""
    question = message.text or ""
    for mention in message.parse_entities(["mention"]).values():
        question = question.replace(mention, " ")
    return " ".join(question.split())
