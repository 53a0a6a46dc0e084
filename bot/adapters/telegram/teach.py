"""Teaching the bot in Telegram: /ubesvarede (/unanswered) and its buttons, for admins only.

/ubesvarede sends each group of questions the bot did not answer well (`bot.teaching`'s
`suggestions`, the groups `klippekort-bot suggest` lists) as a message of its own, with a
button per likely entry (by title, in the admin's language), "another entry…" (every entry,
with back and cancel) and "ignore". A press teaches the group's questions to the entry through
`bot.teaching.learn_group`, as `klippekort-bot learn --group` does: validated as `check` does,
written atomically under the file's lock, and kept in the audit with the admin's Telegram id.
The knowledge-file watcher then takes the new file at once, and the message is edited to say
what was done. A group whose phrasing sits closer to another entry is refused with that
entry's name, and a "teach anyway" button.

Anyone but an admin who presses such a button gets a polite refusal, and nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.adapters.telegram.buttons import pressed_button
from bot.adapters.telegram.formatting import escaped_within
from bot.adapters.telegram.keyboards import (
    Action,
    Callback,
    every_entry_keyboard,
    teach_anyway_keyboard,
    teach_keyboard,
)
from bot.adapters.telegram.replies import send_text
from bot.adapters.telegram.services import BotContext, Services
from bot.logreader import LogReadError, open_reader
from bot.report import printable
from bot.teaching import (
    Group,
    Outcome,
    Skip,
    TeachingError,
    TeachingLog,
    dismiss,
    learn_group,
    suggestions,
)

UNANSWERED_DAYS = 30
# Groups sent by one /ubesvarede, most asked first: each is a message with its own buttons.
MAX_GROUPS = 10
# Wordings shown of a group (all of them are taught).
SHOWN_WORDINGS = 3


async def unanswered(message: Message, context: BotContext, language: str) -> None:
    """/ubesvarede: a heading, then each group as a message with its buttons."""
    if context.question_log is None:
        await send_text(message, context.text("log_off", language))
        return
    try:
        groups = await asyncio.to_thread(_read_groups, context.services, None)
    except LogReadError as error:
        await send_text(message, context.text("log_unreadable", language, error=error))
        return
    except TeachingError as error:
        await send_text(message, context.text("teach_failed", language, error=error))
        return
    heading = context.text("unanswered_heading", language, days=UNANSWERED_DAYS)
    if not groups:
        await send_text(message, f"{heading}\n{context.text('unanswered_none', language)}")
        return
    await send_text(message, heading)
    for group in groups:
        text, markup = _asking(group, context, language)
        await message.reply_text(
            escaped_within(text), parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=False
        )


def _asking(group: Group, context: BotContext, language: str) -> tuple[str, InlineKeyboardMarkup]:
    """A group as /ubesvarede shows it: its wordings, the question, a button per likely entry."""
    candidates = [candidate.entry_id for candidate in group.candidates]
    return (
        f"{summary(group)}\n\n{context.text('teach_question', language)}",
        teach_keyboard(context.knowledge, group.id, candidates, language),
    )


def summary(group: Group) -> str:
    """A group as the admin sees it: how often, and its most frequent wordings."""
    lines = [f"{group.count} × {group.questions[0]}"]
    lines += [f"    – {wording}" for wording in group.questions[1:SHOWN_WORDINGS]]
    return "\n".join(lines)


def _read_groups(services: Services, group_id: str | None) -> list[Group]:
    """The groups worth teaching (or only `group_id`), from the question log. Blocking."""
    log_file = services.question_log
    if log_file is None:
        return []
    log_file.flush()
    audit = TeachingLog(services.settings.teaching_audit)
    # Where the bot writes it: PostgreSQL with DATABASE_URL, else the SQLite file.
    with open_reader(log_file.path, log_file.database_url) as db:
        return suggestions(
            db,
            services.knowledge.assistant,
            audit,
            UNANSWERED_DAYS,
            limit=None if group_id else MAX_GROUPS,
            group_id=group_id,
        )


# -- the buttons -----------------------------------------------------------------------------


class _Press:
    """An admin's press of a teaching button, with the group it is about."""

    def __init__(
        self, query: CallbackQuery, pressed: Callback, language: str, admin_id: int
    ) -> None:
        self.query = query
        self.pressed = pressed
        self.language = language
        self.admin_id = admin_id

    @property
    def group_id(self) -> str:
        return self.pressed.question or ""


async def _admin_press(
    update: Update, context: BotContext, valid: Callable[[Callback], bool]
) -> _Press | None:
    """The press, if it is an admin's and its data is sound; anyone else gets a polite
    refusal (and nothing changes), old or forged data the "no longer works" notice."""
    got = await pressed_button(update, context, lambda p: bool(p.question) and valid(p))
    if got is None:
        return None
    query, _, pressed, language = got
    user = update.effective_user
    if user is None or user.id not in context.settings.admin_user_ids:
        await query.answer(context.text("teach_admins_only", language), show_alert=True)
        return None
    await query.answer()  # at once, so the button stops spinning while the work is done
    return _Press(query, pressed, language, user.id)


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    with contextlib.suppress(BadRequest):  # "not modified": a second press of the same button
        await query.edit_message_text(
            escaped_within(text), parse_mode=ParseMode.HTML, reply_markup=markup
        )


async def _admin_press_on_group(update: Update, context: BotContext) -> tuple[_Press, Group] | None:
    """An admin's press with the group it is about, as the question log has it now; None
    when the press is refused or the group is gone (and the admin told so)."""
    press = await _admin_press(update, context, _any)
    if press is None:
        return None
    group = await _group(press, context)
    return None if group is None else (press, group)


async def _group(press: _Press, context: BotContext) -> Group | None:
    """The pressed group as the question log has it now; None (and the admin told why) when
    it is no longer listed or the log cannot be read."""
    language = press.language
    try:
        groups = await asyncio.to_thread(_read_groups, context.services, press.group_id)
    except LogReadError as error:
        await _edit(press.query, context.text("log_unreadable", language, error=error))
        return None
    except TeachingError as error:
        await _edit(press.query, context.text("teach_failed", language, error=error))
        return None
    if not groups:
        await _edit(press.query, context.text("teach_gone", language))
        return None
    return groups[0]


def _is_entry(context: BotContext) -> Callable[[Callback], bool]:
    return lambda pressed: pressed.value in context.knowledge.entries


def _any(pressed: Callback) -> bool:
    return True


async def on_teach_button(update: Update, context: BotContext) -> None:
    """Teach the group to the entry pressed (or, "teach anyway", even if it sits closer to
    another entry)."""
    press = await _admin_press(update, context, _is_entry(context))
    if press is None:
        return
    group = await _group(press, context)
    if group is None:
        return
    entry_id = press.pressed.value
    force = press.pressed.action is Action.TEACH_ANYWAY
    knowledge, language = context.knowledge, press.language
    audit = TeachingLog(context.settings.teaching_audit)
    try:
        outcome = await asyncio.to_thread(
            learn_group,
            knowledge.path,
            group,
            entry_id,
            force,
            audit=audit,
            who=str(press.admin_id),
            settings=context.assistant.settings,
        )
    except TeachingError as error:
        failed = context.text("teach_failed", language, error=error)
        candidates = [candidate.entry_id for candidate in group.candidates]
        markup = teach_keyboard(knowledge, group.id, candidates, language)
        await _edit(press.query, f"{summary(group)}\n\n{failed}", markup)
        return
    live = True
    watcher = context.services.watcher
    if outcome.changed and watcher is not None:
        # The file changed: the watcher takes it now rather than at its next look.
        live = await watcher.poll() is not False
    await _edit(press.query, *_outcome_message(context, group, outcome, language, live))


def _outcome_message(
    context: BotContext, group: Group, outcome: Outcome, language: str, live: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the admin reads after a teach, and the buttons left (teach anyway, back, cancel)."""
    knowledge = context.knowledge
    entry_id = outcome.entry_id

    def title(entry: str | None) -> str:
        found = knowledge.entries.get(entry or "")
        return found.title[language] if found is not None else str(entry)

    lines: list[str] = []
    known = all(skipped.reason is Skip.DUPLICATE for skipped in outcome.skipped)
    if outcome.changed:
        lines.append(
            context.text("teach_done", language, count=len(outcome.added), entry=title(entry_id))
        )
        if live:
            lines.append(context.text("teach_live", language))
    elif known:
        lines.append(context.text("teach_known", language, entry=title(entry_id)))
    closer = False
    for skipped in outcome.skipped:
        if skipped.reason is Skip.CLOSER:
            closer = True
            lines.append(
                context.text(
                    "teach_closer",
                    language,
                    question=printable(skipped.text),
                    other=title(skipped.other_entry),
                    other_score=f"{skipped.other_score:.0f}",
                    entry=title(entry_id),
                    own_score=f"{skipped.own_score:.0f}",
                )
            )
        elif skipped.reason is Skip.UNUSABLE:
            lines.append(
                context.text(
                    "teach_unusable",
                    language,
                    question=printable(skipped.text),
                    reason=skipped.detail,
                )
            )
    markup: InlineKeyboardMarkup | None = None
    if not outcome.changed and closer:
        # Nothing of the group was taught, so it is still listed: it can be taught anyway.
        lines.append(context.text("teach_anyway_hint", language, entry=title(entry_id)))
        markup = teach_anyway_keyboard(knowledge, group.id, entry_id, language)
    elif not outcome.changed and not known:
        # Wordings that cannot be phrasings: another entry, or ignore.
        candidates = [candidate.entry_id for candidate in group.candidates]
        markup = teach_keyboard(knowledge, group.id, candidates, language)
    return f"{summary(group)}\n\n" + "\n".join(lines), markup


async def on_other_entry_button(update: Update, context: BotContext) -> None:
    """ "Another entry…": every entry by title, with back and cancel."""
    press = await _admin_press(update, context, _any)
    if press is None:
        return
    markup = every_entry_keyboard(context.knowledge, press.group_id, press.language)
    with contextlib.suppress(BadRequest):  # "not modified": pressed twice
        await press.query.edit_message_reply_markup(markup)


async def on_back_button(update: Update, context: BotContext) -> None:
    """Back to the group as /ubesvarede showed it."""
    pressed = await _admin_press_on_group(update, context)
    if pressed is None:
        return
    press, group = pressed
    await _edit(press.query, *_asking(group, context, press.language))


async def on_cancel_button(update: Update, context: BotContext) -> None:
    """Leave the group as it is: the buttons go, nothing changes."""
    pressed = await _admin_press_on_group(update, context)
    if pressed is None:
        return
    press, group = pressed
    await _edit(
        press.query, f"{summary(group)}\n\n{context.text('teach_cancelled', press.language)}"
    )


async def on_ignore_button(update: Update, context: BotContext) -> None:
    """Dismiss the group for good, as `klippekort-bot dismiss` does, in the admin's name."""
    pressed = await _admin_press_on_group(update, context)
    if pressed is None:
        return
    press, group = pressed
    language = press.language
    audit = TeachingLog(context.settings.teaching_audit)
    try:
        await asyncio.to_thread(dismiss, audit, group, str(press.admin_id))
    except TeachingError as error:
        await _edit(press.query, context.text("teach_failed", language, error=error))
        return
    await _edit(press.query, f"{summary(group)}\n\n{context.text('teach_ignored', language)}")


Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]

HANDLERS: tuple[tuple[Action, Handler], ...] = (
    (Action.TEACH, on_teach_button),
    (Action.TEACH_ANYWAY, on_teach_button),
    (Action.OTHER_ENTRY, on_other_entry_button),
    (Action.BACK, on_back_button),
    (Action.CANCEL, on_cancel_button),
    (Action.IGNORE, on_ignore_button),
)
