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


class Action(enum.StrEnum):
    """What a button asks for: the first field of its callback data."""

    ANSWER = "a"  # a related topic: answered in a new message
    SUGGESTION = "s"  # a chosen suggestion: replaces "did you mean ..."
    LANGUAGE = "l"  # da, en or auto
    THUMBS_UP = "u"
    THUMBS_DOWN = "d"
    NONE_OF_THESE = "n"  # none of the suggestions fits

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
    question: str | None = None  # the question's id in the question log

    def encode(self) -> str:
        parts = [self.action.value, self.value, self.language]
        if self.question:
            parts.append(self.question)
        return SEPARATOR.join(parts)

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
