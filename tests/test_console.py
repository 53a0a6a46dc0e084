"""The console chat: plain text from the same structured replies, its words from `ui:`."""

from __future__ import annotations

from bot.adapters.console import ConsoleChat
from bot.assistant import Assistant


def chat(assistant: Assistant, *lines: str, language: str | None = None) -> list[str]:
    """What the console writes for `lines` typed one after another."""
    typed = iter(lines)
    written: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    ConsoleChat(assistant, read, written.append, language).run()
    return written


def test_the_greeting_comes_from_the_knowledge_base(assistant: Assistant) -> None:
    knowledge = assistant.knowledge
    assert chat(assistant)[0] == knowledge.text("console_greeting", "da")
    assert chat(assistant, language="en")[0] == knowledge.text("console_greeting", "en")


def test_an_answer_is_plain_text_with_its_source_and_numbered_topics(
    assistant: Assistant,
) -> None:
    answer = chat(assistant, "Hvor mange timer er der tilbage?")[1]
    reply = assistant.reply("Hvor mange timer er der tilbage?", "da")
    assert "<" not in answer
    assert answer.startswith(reply.text)
    assert f"\n\n{reply.source}\n\n{assistant.knowledge.text('related', 'da')}\n" in answer
    assert f"  1. {reply.related[0].title}" in answer


def test_a_number_chooses_and_a_follow_up_continues(assistant: Assistant) -> None:
    written = chat(assistant, "Hvor mange timer blev brugt i 2014?", "og året efter?", "1")
    assert "16.880" in written[1]
    assert "I 2015 blev der brugt" in written[2]
    first_topic = assistant.answer("usage", "da").related[0]
    assert written[3].startswith(assistant.answer(first_topic.entry_id, "da").text)


def test_two_topics_in_one_message_show_each_with_its_source(assistant: Assistant) -> None:
    question = "Hvor mange timer er der tilbage, og hvem skal jeg kontakte?"
    reply = assistant.reply(question, "da")
    assert len(reply.sections) == 2
    answer = chat(assistant, question)[1]
    for section in reply.sections:
        assert f"{section.body}\n\n{section.source}" in answer
