"""A console conversation over the same core as the Telegram bot.

Suggestions and related topics become numbered choices: typing the number answers that entry,
as pressing a button does in Telegram. The reply's sections are shown as plain text; the words
around them come from the knowledge base's `ui:` section.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.assistant import Assistant, Choice, Reply
from bot.followup import Conversations
from bot.matcher import Outcome

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit", "afslut", "/afslut"})


class ConsoleChat:
    """Reads questions, prints answers; `read` raises EOFError when input ends."""

    def __init__(
        self,
        assistant: Assistant,
        read: Callable[[str], str] = input,
        write: Callable[[str], None] = print,
        language: str | None = None,
    ) -> None:
        self.assistant = assistant
        self.read = read
        self.write = write
        self.language = language
        self.choices: tuple[Choice, ...] = ()
        self.conversation = Conversations()
        self.choice_language = language

    def run(self) -> int:
        language = self.language or self.assistant.default_language
        self.write(self.assistant.knowledge.text("console_greeting", language))
        while True:
            try:
                line = self.read("> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.write("")
                return 0
            if line.casefold() in QUIT_WORDS:
                return 0
            if line:
                self.write(self.respond(line))

    def respond(self, line: str) -> str:
        """The text shown for one line typed by the user."""
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            chosen = self.choices[int(line) - 1]
            reply = self.assistant.answer(chosen.entry_id, self.choice_language)
        else:
            reply = self.assistant.converse(line, self.conversation, "console", self.language)
        return self.render(reply)

    def render(self, reply: Reply) -> str:
        self.choice_language = reply.language
        if reply.outcome is Outcome.SUGGESTED:
            self.choices = reply.suggestions
            return reply.text
        lines: list[str] = []
        for section in reply.sections:
            if lines:
                lines.append("")
            lines.append(section.body)
            if section.source:
                lines += ["", section.source]
        self.choices = reply.related
        if self.choices:
            lines += ["", self.assistant.knowledge.text("related", reply.language)]
            lines += [f"  {n}. {choice.title}" for n, choice in enumerate(self.choices, 1)]
        return "\n".join(lines)
