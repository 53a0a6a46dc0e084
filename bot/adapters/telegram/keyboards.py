"""The buttons under a message, and what their callback data says.

Each button's data starts with an `Action` code; `bot.adapters.telegram.buttons` routes a press
to the handler of its action by that code (`Action.pattern`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.assistant import Choice
from bot.model import KnowledgeBase

SEPARATOR = "|"
NO_VALUE = "-"
# Telegram's limit for a button's callback data.
MAX_CALLBACK_BYTES = 64


class Action(enum.StrEnum):
    """What a button asks for: the first field of its callback data."""

    ANSWER = "a"  # a related topic: answered in a new message
    SUGGESTION = "s"  # a chosen suggestion: replaces "did you mean ..."
    LANGUAGE = "l"  # da, en or auto
    THUMBS_UP = "u"
    THUMBS_DOWN = "d"
    NONE_OF_THESE = "n"  # none of the suggestions fits
    # An admin teaching a group of unanswered questions (/ubesvarede); the fourth field is
    # the group's id.
    TEACH = "t"  # teach the group to the entry
    TEACH_ANYWAY = "f"  # teach it although its phrasing sits closer to another entry
    OTHER_ENTRY = "o"  # show every entry to choose from
    BACK = "b"  # back to the group's likely entries
    CANCEL = "c"  # leave the group as it is
    IGNORE = "i"  # dismiss the group: never suggested again

    @property
    def pattern(self) -> re.Pattern[str]:
        """Matches the callback data of this action's buttons (for CallbackQueryHandler)."""
        return re.compile(rf"^{self.value}{re.escape(SEPARATOR)}")


FEEDBACK = {Action.THUMBS_UP: "👍", Action.THUMBS_DOWN: "👎"}
# Besides the knowledge base's languages: answer in the language the user writes in.
AUTOMATIC = "auto"
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def language_choices(knowledge: KnowledgeBase) -> tuple[str, ...]:
    """What /sprog offers: each language of the knowledge base, and automatic."""
    return (*knowledge.languages, AUTOMATIC)


@dataclass(frozen=True)
class Callback:
    """What a button press asks for; encoded in at most 64 bytes of callback data."""

    action: Action
    value: str
    language: str
    # The question's id in the question log, or (for the teaching actions) a group's id.
    question: str | None = None

    def encode(self) -> str:
        parts = [self.action.value, self.value, self.language]
        if self.question:
            parts.append(self.question)
        data = SEPARATOR.join(parts)
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: object) -> Callback | None:
        """The press, or None for data no button of this bot makes (old or forged)."""
        parts = data.split(SEPARATOR) if isinstance(data, str) else []
        if len(parts) not in (3, 4) or not _LANGUAGE_CODE.match(parts[2]):
            return None
        try:
            action = Action(parts[0])
        except ValueError:
            return None
        return cls(action, parts[1], parts[2], parts[3] if len(parts) == 4 else None)


def entry_keyboard(
    knowledge: KnowledgeBase,
    choices: Iterable[Choice],
    language: str,
    action: Action = Action.ANSWER,
    question: str | None = None,
) -> InlineKeyboardMarkup | None:
    """One button per entry, one per row so titles stay readable on a phone.

    With the id of a logged `question`, an answer gets 👍 / 👎 and suggestions get "none of
    these".
    """
    suggesting = action is Action.SUGGESTION
    rows = [
        [
            InlineKeyboardButton(
                choice.title,
                callback_data=Callback(
                    action, choice.entry_id, language, question if suggesting else None
                ).encode(),
            )
        ]
        for choice in choices
    ]
    if question and suggesting:
        data = Callback(Action.NONE_OF_THESE, NO_VALUE, language, question).encode()
        label = knowledge.text("none_of_these", language)
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    elif question:
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=Callback(code, NO_VALUE, language, question).encode()
                )
                for code, label in FEEDBACK.items()
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same buttons without the 👍 / 👎 row, once feedback is given."""
    if markup is None:
        return None

    def is_feedback(button: InlineKeyboardButton) -> bool:
        pressed = Callback.decode(button.callback_data)
        return pressed is not None and pressed.action in FEEDBACK

    rows = [row for row in markup.inline_keyboard if not any(is_feedback(b) for b in row)]
    return InlineKeyboardMarkup(rows) if rows else None


def language_keyboard(knowledge: KnowledgeBase, current: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    knowledge.text(f"language_button_{code}", current),
                    callback_data=Callback(Action.LANGUAGE, code, current).encode(),
                )
            ]
            for code in language_choices(knowledge)
        ]
    )


# -- teaching (/ubesvarede, admins only) ------------------------------------------------------


def _button(
    label: str, action: Action, value: str, language: str, group_id: str
) -> list[InlineKeyboardButton]:
    data = Callback(action, value, language, group_id).encode()
    return [InlineKeyboardButton(label, callback_data=data)]


def teach_keyboard(
    knowledge: KnowledgeBase, group_id: str, entry_ids: Iterable[str], language: str
) -> InlineKeyboardMarkup:
    """A group's buttons: one per likely entry (by title), "another entry…" and "ignore"."""
    rows = [
        _button(
            knowledge.entries[entry_id].title[language], Action.TEACH, entry_id, language, group_id
        )
        for entry_id in entry_ids
        if entry_id in knowledge.entries
    ]
    rows.append(
        _button(
            knowledge.text("teach_other", language),
            Action.OTHER_ENTRY,
            NO_VALUE,
            language,
            group_id,
        )
    )
    rows.append(
        _button(
            knowledge.text("teach_ignore", language), Action.IGNORE, NO_VALUE, language, group_id
        )
    )
    return InlineKeyboardMarkup(rows)


def every_entry_keyboard(
    knowledge: KnowledgeBase, group_id: str, language: str
) -> InlineKeyboardMarkup:
    """Every entry by title, in the knowledge base's order, then back and cancel."""
    rows = [
        _button(entry.title[language], Action.TEACH, entry.id, language, group_id)
        for entry in knowledge.entries.values()
    ]
    rows.append(_back_and_cancel(knowledge, group_id, language))
    return InlineKeyboardMarkup(rows)


def teach_anyway_keyboard(
    knowledge: KnowledgeBase, group_id: str, entry_id: str, language: str
) -> InlineKeyboardMarkup:
    """For a group refused because it sits closer to another entry: teach it anyway."""
    label = knowledge.text("teach_anyway", language)
    return InlineKeyboardMarkup(
        [
            _button(label, Action.TEACH_ANYWAY, entry_id, language, group_id),
            _back_and_cancel(knowledge, group_id, language),
        ]
    )


def _back_and_cancel(
    knowledge: KnowledgeBase, group_id: str, language: str
) -> list[InlineKeyboardButton]:
    return [
        _button(knowledge.text("teach_back", language), Action.BACK, NO_VALUE, language, group_id)[
            0
        ],
        _button(
            knowledge.text("teach_cancel", language), Action.CANCEL, NO_VALUE, language, group_id
        )[0],
    ]
