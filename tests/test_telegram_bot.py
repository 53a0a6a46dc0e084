"""The Telegram adapter end to end: the real Application talks HTTP to the Bot API stand-in.

Every test asserts on what a user would see: the text and its parse mode, the buttons, whether
the answer is a reply to the question. `settle` waits until every queued update has been fetched
*and* fully handled, so "nothing was sent" is checked without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram.error import NetworkError

from bot.adapters.telegram.application import build_application
from bot.adapters.telegram.formatting import (
    MAX_MESSAGE,
    reply_html,
    split_html,
    to_html,
    utf16_length,
)
from bot.adapters.telegram.main import configure_logging
from bot.adapters.telegram.redaction import RedactingFormatter
from bot.adapters.telegram.settings import Settings
from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import MatchSettings, Outcome
from tests.conftest import StartBot
from tests.telegram_api_stub import (
    DEFAULT_GROUP_ID,
    DEFAULT_SUPERGROUP_ID,
    DEFAULT_USER_ID,
    TelegramApiStub,
    parse_html,
)
from tests.telegram_helpers import SUGGESTING_QUESTION, RunningBot, ui

JSON = dict[str, Any]
asyncio_test = pytest.mark.asyncio(loop_scope="function")

CORE_TOPICS = ["remaining_hours", "usage", "interface_costs", "contact"]
STALE_DA = ui("stale", "da")
TEXT_ONLY_DA = ui("text_only", "da")
ERROR_DA = ui("error", "da")
TOO_MANY_DA = ui("too_many", "da")


# -- helpers ---------------------------------------------------------------------------------------


async def ask(bot: RunningBot, text: str, **kwargs: Any) -> list[JSON]:
    """Push one text message, wait until it is handled; return what the bot sent for it."""
    before = len(bot.stub.sent)
    bot.stub.push_message(text, **kwargs)
    await bot.settle()
    return bot.stub.sent[before:]


async def press(bot: RunningBot, data: str, message: JSON, **kwargs: Any) -> list[JSON]:
    """Press a button (callback data) under `message`; return what the bot sent or edited."""
    before = len(bot.stub.sent)
    bot.stub.push_callback_query(data, message=message, **kwargs)
    await bot.settle()
    return bot.stub.sent[before:]


def buttons(record: JSON) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button under a sent message."""
    markup = record.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data"))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def plain(html_text: str) -> str:
    return parse_html(html_text)[0]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def title(knowledge: KnowledgeBase, entry_id: str, language: str = "da") -> str:
    return knowledge.entries[entry_id].title[language]


def related_buttons(
    knowledge: KnowledgeBase, entry_id: str, language: str
) -> list[tuple[str, str]]:
    return [
        (title(knowledge, r, language), f"a|{r}|{language}")
        for r in knowledge.entries[entry_id].related
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@asynccontextmanager
async def custom_bot(
    stub: TelegramApiStub, assistant: Assistant, poll: bool = True, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """A bot on its own assistant (another knowledge base or match settings), polling."""
    settings = Settings(token=stub.token, api_base_url=stub.base_url, **overrides)
    application = build_application(settings, assistant, telegram_limits=False, retry_backoff=0.01)
    bot = RunningBot(application, stub, settings)
    await application.initialize()
    try:
        await application.start()
        if poll:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
        yield bot
    finally:
        await bot.stop()


# -- 1. private free text --------------------------------------------------------------------------


@asyncio_test
async def test_danish_question_gets_html_answer_with_danish_figures_and_buttons(
    running_bot: RunningBot, knowledge: KnowledgeBase
) -> None:
    sent = await ask(running_bot, "Hvor mange timer blev brugt i 2014?")
    assert len(sent) == 1
    answer = sent[0]
    assert answer["method"] == "sendMessage"
    assert answer["chat_id"] == DEFAULT_USER_ID
    assert answer["parse_mode"] == "HTML"
    heading = title(knowledge, "usage", "da")
    assert answer["text"].startswith(f"<b>{heading}</b>\n")
    assert "16.880" in answer["text"]
    assert "16,880" not in answer["text"]
    # The user sees a bold title (entity computed by the stand-in from the HTML).
    entities = answer["message"]["entities"]
    assert {"type": "bold", "offset": 0, "length": len(heading)} in entities
    assert answer["reply_to_message_id"] is None  # no quoting in a private chat
    assert buttons(answer) == related_buttons(knowledge, "usage", "da")


@asyncio_test
async def test_english_question_gets_english_figures(
    running_bot: RunningBot, knowledge: KnowledgeBase
) -> None:
    sent = await ask(running_bot, "How many hours were used in 2014?")  # client language "da"
    assert len(sent) == 1
    assert sent[0]["text"].startswith(f"<b>{title(knowledge, 'usage', 'en')}</b>")
    assert "16,880" in sent[0]["text"]
    assert "16.880" not in sent[0]["text"]
    assert buttons(sent[0]) == related_buttons(knowledge, "usage", "en")


@asyncio_test
@pytest.mark.parametrize(
    "question",
    [
        "Hvor mange timer er der tilbage? <b>fed</b> & <i>",
        "Hvad koster <b>snitfladerne</b> & hvem betaler? </a> &amp; &bogus;",
    ],
)
async def test_user_text_with_html_is_never_sent_unescaped(
    running_bot: RunningBot, question: str
) -> None:
    sent = await ask(running_bot, question)
    assert len(sent) == 1  # the stand-in only records messages whose HTML it accepted
    assert sent[0]["parse_mode"] == "HTML"
    assert "<b>fed" not in sent[0]["text"]
    assert "<b>snitfladerne" not in sent[0]["text"]
    parse_html(sent[0]["text"])


@asyncio_test
async def test_echoed_command_argument_is_escaped(running_bot: RunningBot) -> None:
    sent = await ask(running_bot, "/forbrug <b>x & y</b>")
    assert len(sent) == 2
    notice = sent[0]
    assert notice["parse_mode"] == "HTML"
    assert "&lt;b&gt;x &amp; y&lt;/b&gt;" in notice["text"]
    assert "»<b>x & y</b>«" in notice["plain_text"]  # what the user reads


# -- 2. did you mean -------------------------------------------------------------------------------


@asyncio_test
async def test_suggestions_are_buttons_and_choosing_one_edits_the_message(
    running_bot: RunningBot, knowledge: KnowledgeBase
) -> None:
    expected = Assistant(knowledge).reply(SUGGESTING_QUESTION, "da")
    assert expected.outcome is Outcome.SUGGESTED, "pick another question that gives suggestions"
    assert len(expected.suggestions) >= 2

    sent = await ask(running_bot, SUGGESTING_QUESTION)
    assert len(sent) == 1
    question = sent[0]
    assert "Mente du" in question["text"]
    assert buttons(question) == [(c.title, f"s|{c.entry_id}|da") for c in expected.suggestions]

    chosen = expected.suggestions[0].entry_id
    changes = await press(running_bot, f"s|{chosen}|da", question["message"])
    assert [c["method"] for c in changes] == ["editMessageText"]
    edited = changes[0]
    assert edited["message_id"] == question["message_id"]
    assert edited["parse_mode"] == "HTML"
    assert edited["text"].startswith(f"<b>{title(knowledge, chosen)}</b>")
    assert buttons(edited) == related_buttons(knowledge, chosen, "da")
    stored = running_bot.stub.message(DEFAULT_USER_ID, question["message_id"])
    assert stored is not None
    assert stored["text"].startswith(title(knowledge, chosen))  # the user sees the answer now
    assert len(running_bot.stub.callback_answers) == 1
    assert "text" not in running_bot.stub.callback_answers[0]  # just stops the spinner


@asyncio_test
async def test_related_topic_button_sends_a_new_message(
    running_bot: RunningBot, knowledge: KnowledgeBase
) -> None:
    answer = (await ask(running_bot, "Hvor mange timer er der tilbage?"))[0]
    label, data = buttons(answer)[0]
    entry_id = data.split("|")[1]
    changes = await press(running_bot, data, answer["message"])
    assert [c["method"] for c in changes] == ["sendMessage"]
    assert changes[0]["message_id"] != answer["message_id"]
    assert changes[0]["text"].startswith(f"<b>{label}</b>")
    assert buttons(changes[0]) == related_buttons(knowledge, entry_id, "da")
    assert len(running_bot.stub.callback_answers) == 1


@asyncio_test
async def test_strict_match_settings_give_suggestions_that_can_be_chosen(
    telegram_stub: TelegramApiStub, knowledge: KnowledgeBase
) -> None:
    # Without the classifier, which may answer a suggestion it is sure of.
    assistant = Assistant(knowledge, MatchSettings(answer_at=101, suggest_at=10), signal=False)
    async with custom_bot(telegram_stub, assistant) as bot:
        sent = await ask(bot, "Hvor mange timer er der tilbage?")
        assert len(sent) == 1
        offered = buttons(sent[0])
        assert offered
        assert offered[0] == (title(knowledge, "remaining_hours"), "s|remaining_hours|da")
        changes = await press(bot, offered[0][1], sent[0]["message"])
        assert [c["method"] for c in changes] == ["editMessageText"]
        assert "Der er 0 timer tilbage" in changes[0]["text"]


@asyncio_test
@pytest.mark.parametrize("data", ["a|no_such_entry|da", "xyz", "s|status|fr", "l|klingon|da"])
async def test_unknown_or_stale_button_gets_a_short_notice(
    running_bot: RunningBot, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    answer = (await ask(running_bot, "Hvor mange timer er der tilbage?"))[0]
    changes = await press(running_bot, data, answer["message"])
    assert changes == []  # no error reply, no edit
    notices = running_bot.stub.callback_answers
    assert len(notices) == 1
    assert notices[0].get("text") in (STALE_DA, ui("stale", "en"))
    assert not errors(caplog)


# -- 3. commands -----------------------------------------------------------------------------------


@asyncio_test
@pytest.mark.parametrize(("command", "language"), [("/start", "da"), ("/start", "en")])
async def test_start_greets_with_the_core_topics(
    running_bot: RunningBot, knowledge: KnowledgeBase, command: str, language: str
) -> None:
    sent = await ask(running_bot, command, language_code=language)
    assert len(sent) == 1
    greeting = "Hej! Jeg svarer" if language == "da" else "Hello! I answer"
    assert greeting in sent[0]["text"]
    assert sent[0]["parse_mode"] == "HTML"
    assert buttons(sent[0]) == [
        (title(knowledge, e, language), f"a|{e}|{language}") for e in CORE_TOPICS
    ]


COMMAND_ANSWERS = [
    ("/hjaelp", "help", "da", ["Skriv dit spørgsmål"]),
    ("/help", "help", "en", ["Ask in your own words"]),
    ("/timer", "remaining_hours", "da", ["Der er 0 timer tilbage", "100.000"]),
    ("/hours", "remaining_hours", "en", ["There are 0 hours left", "100,000"]),
    ("/forbrug", "usage", "da", ["• 2014: 16.880 timer", "I alt (rapporteret): 100.000 timer"]),
    ("/usage", "usage", "en", ["• 2014: 16,880 hours", "Total (reported): 100,000 hours"]),
    ("/omkostninger", "interface_costs", "da", ["basismodulet"]),
    ("/costs", "interface_costs", "en", ["base module"]),
    ("/kontakt", "contact", "da", ["projektchefen", "3334 9432"]),
    ("/contact", "contact", "en", ["project manager", "3334 9432"]),
    ("/om", "what_is", "da", ["Transitionsaftale", "100.000"]),
    ("/about", "what_is", "en", ["transition agreement", "100,000"]),
]


@asyncio_test
@pytest.mark.parametrize(
    ("command", "entry_id", "language", "fragments"),
    COMMAND_ANSWERS,
    ids=[c[0] for c in COMMAND_ANSWERS],
)
async def test_command_answers_in_the_command_language(
    running_bot: RunningBot,
    knowledge: KnowledgeBase,
    command: str,
    entry_id: str,
    language: str,
    fragments: list[str],
) -> None:
    sent = await ask(running_bot, command)  # the client says "da"; an English alias wins
    assert len(sent) == 1
    answer = sent[0]
    assert answer["parse_mode"] == "HTML"
    assert answer["text"].startswith(f"<b>{title(knowledge, entry_id, language)}</b>")
    for fragment in fragments:
        assert fragment in answer["plain_text"]
    assert buttons(answer) == related_buttons(knowledge, entry_id, language)


USAGE_ARGUMENTS = [
    ("/forbrug 2014", ["16.880"], ["2013", "17.011"]),
    ("/usage 2014", ["16,880"], ["16.880", "2013"]),
    ("/forbrug 2011", ["ikke et tal for 2011 alene", "47.746"], []),
    ("/forbrug 1999", ["ikke noget forbrug for 1999"], ["16.880"]),
]


@asyncio_test
@pytest.mark.parametrize(
    ("command", "present", "absent"), USAGE_ARGUMENTS, ids=[u[0] for u in USAGE_ARGUMENTS]
)
async def test_usage_with_a_year(
    running_bot: RunningBot, command: str, present: list[str], absent: list[str]
) -> None:
    sent = await ask(running_bot, command)
    assert len(sent) == 1
    for fragment in present:
        assert fragment in sent[0]["plain_text"]
    for fragment in absent:
        assert fragment not in sent[0]["plain_text"]


@asyncio_test
async def test_usage_with_a_bad_argument_explains_and_shows_the_table(
    running_bot: RunningBot,
) -> None:
    sent = await ask(running_bot, "/forbrug abc")
    assert len(sent) == 2
    assert "Jeg forstod ikke »abc« som et år" in sent[0]["plain_text"]
    assert "/forbrug 2014" in sent[0]["plain_text"]
    assert "• 2014: 16.880 timer" in sent[1]["plain_text"]


@asyncio_test
async def test_language_keyboard_and_choice_last_for_later_questions(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    keyboard = (await ask(bot, "/sprog"))[0]
    assert "Vælg sprog" in keyboard["text"]
    assert [data for _, data in buttons(keyboard)] == ["l|da|da", "l|en|da", "l|auto|da"]

    changes = await press(bot, "l|en|da", keyboard["message"])
    assert [c["method"] for c in changes] == ["editMessageText"]
    assert changes[0]["text"] == ui("language_en", "en")
    assert len(bot.stub.callback_answers) == 1

    english = await ask(bot, "Hvor mange timer blev brugt i 2014?")
    assert "16,880" in english[0]["text"]
    assert english[0]["text"].startswith("<b>Usage per year</b>")

    back = await ask(bot, "/sprog auto")
    assert back[0]["plain_text"] in (ui("language_auto", "da"), ui("language_auto", "en"))
    danish = await ask(bot, "Hvor mange timer blev brugt i 2014?")
    assert "16.880" in danish[0]["text"]


@asyncio_test
async def test_language_command_with_argument(running_bot: RunningBot) -> None:
    bot = running_bot
    chosen = await ask(bot, "/sprog en")
    assert chosen[0]["plain_text"] == ui("language_en", "en")
    assert buttons(chosen[0]) == []
    assert "16,880" in (await ask(bot, "Hvor mange timer blev brugt i 2014?"))[0]["text"]

    chosen = await ask(bot, "/language da")
    assert chosen[0]["plain_text"] == ui("language_da", "da")
    assert "16.880" in (await ask(bot, "How many hours were used in 2014?"))[0]["text"]

    keyboard = await ask(bot, "/language")
    assert [data for _, data in buttons(keyboard[0])] == ["l|da|da", "l|en|da", "l|auto|da"]


@asyncio_test
async def test_command_menu_is_set_in_danish_english_and_default(running_bot: RunningBot) -> None:
    # post_init runs from run_polling/run_webhook; the fixture starts the bot step by step.
    application = running_bot.application
    assert application.post_init is not None
    await application.post_init(application)
    stub = running_bot.stub
    assert len(stub.calls_of("setMyCommands")) == 3
    danish = [c["command"] for c in stub.get_commands(language_code="da")]
    english = [c["command"] for c in stub.get_commands(language_code="en")]
    default = [c["command"] for c in stub.get_commands()]
    assert danish == [
        "start",
        "hjaelp",
        "timer",
        "forbrug",
        "omkostninger",
        "kontakt",
        "om",
        "sprog",
        "glem",
    ]
    assert english == [
        "start",
        "help",
        "hours",
        "usage",
        "costs",
        "contact",
        "about",
        "language",
        "forget",
    ]
    assert default == danish
    assert all(c["description"] for c in stub.get_commands(language_code="en"))
    descriptions = {c["command"]: c["description"] for c in stub.get_commands(language_code="en")}
    assert descriptions["contact"] == "Contact"


# -- 4. language hints -----------------------------------------------------------------------------


@asyncio_test
async def test_client_language_is_only_a_hint(running_bot: RunningBot) -> None:
    danish = await ask(running_bot, "Hvor mange timer blev brugt i 2014?", language_code="en")
    assert "16.880" in danish[0]["text"]
    assert danish[0]["text"].startswith("<b>Forbrug pr. år</b>")

    ambiguous = await ask(running_bot, "KMD", language_code="en")
    assert ambiguous[0]["plain_text"].startswith("Sorry")
    assert buttons(ambiguous[0])[0][1] == "a|remaining_hours|en"

    ambiguous_da = await ask(running_bot, "KMD", language_code="da")
    assert ambiguous_da[0]["plain_text"].startswith("Det kan jeg desværre ikke")


# -- 5. groups -------------------------------------------------------------------------------------

GROUPS = [("group", DEFAULT_GROUP_ID), ("supergroup", DEFAULT_SUPERGROUP_ID)]


@asyncio_test
@pytest.mark.parametrize(("chat_type", "chat_id"), GROUPS, ids=[g[0] for g in GROUPS])
async def test_group_answers_only_when_addressed_and_as_a_reply(
    running_bot: RunningBot, knowledge: KnowledgeBase, chat_type: str, chat_id: int
) -> None:
    bot = running_bot
    in_group = {"chat_type": chat_type}

    assert await ask(bot, "Hvor mange timer er der tilbage?", **in_group) == []
    assert await ask(bot, "@anden_bruger hvor mange timer er der tilbage?", **in_group) == []

    before = len(bot.stub.sent)
    update = bot.stub.push_message("@klippekort_bot hvor mange timer er der tilbage?", **in_group)
    await bot.settle()
    sent = bot.stub.sent[before:]
    assert len(sent) == 1
    answer = sent[0]
    assert answer["chat_id"] == chat_id
    assert answer["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert answer["text"].startswith(f"<b>{title(knowledge, 'remaining_hours')}</b>")

    before = len(bot.stub.sent)
    reply = bot.stub.push_message(
        "Hvor mange timer blev brugt i 2014?", reply_to_message=answer["message"], **in_group
    )
    await bot.settle()
    sent = bot.stub.sent[before:]
    assert len(sent) == 1
    assert sent[0]["reply_to_message_id"] == reply["message"]["message_id"]
    assert "16.880" in sent[0]["text"]

    # A reply to a person (not to the bot) is chatter.
    person = bot.stub.push_message("Hej alle", user_id=555, **in_group)
    await bot.settle()
    to_person = {"reply_to_message": person["message"], **in_group}
    assert await ask(bot, "Hvor mange timer er der tilbage?", **to_person) == []


@asyncio_test
@pytest.mark.parametrize(("chat_type", "chat_id"), GROUPS, ids=[g[0] for g in GROUPS])
@pytest.mark.parametrize("command", ["/timer", "/timer@klippekort_bot", "/sprog en", "/sprog"])
async def test_group_commands_are_answered_as_replies(
    running_bot: RunningBot, chat_type: str, chat_id: int, command: str
) -> None:
    bot = running_bot
    update = bot.stub.push_message(command, chat_type=chat_type)
    await bot.settle()
    assert len(bot.stub.sent) == 1
    assert bot.stub.sent[0]["chat_id"] == chat_id
    assert bot.stub.sent[0]["reply_to_message_id"] == update["message"]["message_id"]


@asyncio_test
async def test_group_command_for_another_bot_is_ignored(running_bot: RunningBot) -> None:
    assert await ask(running_bot, "/timer@anden_bot", chat_type="group") == []


# -- 6. inline mode --------------------------------------------------------------------------------


async def inline(bot: RunningBot, query: str, **kwargs: Any) -> JSON:
    before = len(bot.stub.inline_answers)
    bot.stub.push_inline_query(query, **kwargs)
    await bot.settle()
    assert len(bot.stub.inline_answers) == before + 1
    return bot.stub.inline_answers[-1]


@asyncio_test
async def test_inline_query_returns_best_answers_first(
    running_bot: RunningBot, knowledge: KnowledgeBase
) -> None:
    answer = await inline(running_bot, "timer tilbage")
    results = answer["results"]
    assert 1 <= len(results) <= 5
    expected = [r.entry_id for r in Assistant(knowledge).best_answers("timer tilbage", "da")]
    assert [r["id"].rsplit("-", 1)[0] for r in results] == expected[:5]
    first = results[0]
    assert first["id"].startswith("remaining_hours")
    assert first["type"] == "article"
    assert first["title"] == title(knowledge, "remaining_hours")
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].startswith(f"<b>{first['title']}</b>")
    assert "Der er 0 timer tilbage" in content["message_text"]
    assert len({r["id"] for r in results}) == len(results)
    assert running_bot.stub.sent == []  # inline answers are not messages


@asyncio_test
async def test_empty_inline_query_offers_the_core_topics(
    running_bot: RunningBot, knowledge: KnowledgeBase
) -> None:
    results = (await inline(running_bot, ""))["results"]
    assert [r["title"] for r in results] == [title(knowledge, e) for e in CORE_TOPICS]
    for result in results:
        assert result["input_message_content"]["parse_mode"] == "HTML"
    english = (await inline(running_bot, "", language_code="en"))["results"]
    assert [r["title"] for r in english] == [title(knowledge, e, "en") for e in CORE_TOPICS]


@asyncio_test
async def test_nonsense_inline_query_gets_no_results(running_bot: RunningBot) -> None:
    assert (await inline(running_bot, "xqzv blorp"))["results"] == []


# -- 7. other content and other updates ------------------------------------------------------------


@asyncio_test
async def test_photo_sticker_voice_and_document_get_a_text_only_note(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    pushes = [
        lambda: bot.stub.push_photo(),
        lambda: bot.stub.push_photo("Hvor mange timer er der tilbage?"),
        lambda: bot.stub.push_sticker(),
        lambda: bot.stub.push_content(
            {"voice": {"file_id": "AwACAgQ1", "file_unique_id": "v1", "duration": 3}}
        ),
        lambda: bot.stub.push_content(
            {"document": {"file_id": "BQACAgQ1", "file_unique_id": "d1", "file_name": "x.pdf"}}
        ),
    ]
    for push in pushes:
        before = len(bot.stub.sent)
        push()
        await bot.settle()
        sent = bot.stub.sent[before:]
        assert len(sent) == 1
        assert sent[0]["plain_text"] == TEXT_ONLY_DA
        assert buttons(sent[0]) == []


@asyncio_test
async def test_edited_question_is_answered_again(running_bot: RunningBot) -> None:
    bot = running_bot
    first = bot.stub.push_message("Hvor mange timer blev brugt i 2013?")
    await bot.settle()
    assert "17.011" in bot.stub.sent[-1]["text"]
    sent = await ask(
        bot,
        "Hvor mange timer blev brugt i 2014?",
        edited=True,
        message_id=first["message"]["message_id"],
    )
    assert len(sent) == 1
    assert "16.880" in sent[0]["text"]


@asyncio_test
async def test_channel_posts_and_membership_changes_are_ignored(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    stub = running_bot.stub
    stub.push_channel_post("Hvor mange timer er der tilbage? @klippekort_bot")
    stub.push_channel_post("/timer")
    stub.push_my_chat_member(new_status="kicked", user_id=777)
    stub.push_my_chat_member(
        new_status="member", old_status="left", chat_type="group", chat_id=-4000000077
    )
    await running_bot.settle()
    assert stub.sent == []
    assert stub.callback_answers == []
    assert not errors(caplog)


# -- 8. long answers -------------------------------------------------------------------------------


def check_split(source: str) -> list[str]:
    pieces = split_html(source)
    assert len(pieces) > 1
    for piece in pieces:
        assert len(piece) <= MAX_MESSAGE
        parse_html(piece)  # raises HtmlParseError on broken tags or entities
    assert squash("".join(plain(p) for p in pieces)) == squash(plain(source))
    return pieces


def test_html_escapes_text_and_keeps_markup() -> None:
    html = to_html("A <title>", "x < y & z", "source")
    assert html == "<b>A &lt;title&gt;</b>\n\nx &lt; y &amp; z\n\n<i>source</i>"


def test_split_html_keeps_short_messages_whole() -> None:
    text = "<b>Kontakt</b>\n\nRing &amp; spørg.\n\n<i>Kilde</i>"
    assert split_html(text) == [text]


def test_split_html_cuts_between_lines() -> None:
    lines = [f"• Linje {i}: 47.746 timer &amp; 3334 9432 – &lt;ok&gt; «x»" for i in range(600)]
    source = "<b>Forbrug pr. år</b>\n\n" + "\n".join(lines) + "\n\n<i>Kilde: teksten</i>"
    pieces = check_split(source)
    # every piece is made of whole lines of the source
    for piece in pieces:
        for line in piece.split("\n"):
            assert line in source.split("\n")


@pytest.mark.parametrize("shift", range(8))
def test_split_html_never_cuts_inside_an_entity(shift: int) -> None:
    no_spaces = "x" * shift + "&amp;" * 2500
    check_split(no_spaces)
    with_spaces = "y" * shift + " ".join(["ord&amp;ord &lt;og&gt;"] * 800)
    check_split(with_spaces)
    near_cut = "z" * (MAX_MESSAGE - 3 - shift) + "&amp;&quot;" + " slut" * 10
    check_split(near_cut)


@pytest.mark.parametrize("inner", [" ".join(f"ord{i} &amp;" for i in range(1500)), "y" * 9000])
def test_split_html_rewraps_a_long_bold_line(inner: str) -> None:
    source = f"<b>{inner}</b>\n\nbrødtekst"
    pieces = check_split(source)
    bold = [p for p in pieces if p.startswith("<b>")]
    assert len(bold) >= 2
    for piece in pieces:
        _, entities = parse_html(piece)
        first_line = piece.split("\n")[0]
        if first_line.startswith("<b>"):
            assert first_line.endswith("</b>")
            assert entities[0]["type"] == "bold"
            assert entities[0]["offset"] == 0


@pytest.mark.parametrize("body", ["😀" * 5000, "<b>" + "😀 " * 3000 + "</b>", "ø😀 " * 2000])
def test_split_html_counts_utf16_units_like_telegram(body: str) -> None:
    pieces = check_split(body)
    assert all(utf16_length(piece) <= MAX_MESSAGE for piece in pieces)
    assert len(pieces) >= 2


LONG_CONTACT_PARAGRAPH = (
    "Afsnit {n}: Kontakt {{contact_role}} på tlf. {{contact_phone}} & spørg om <Klippekortet>."
)


@asyncio_test
async def test_a_long_answer_is_sent_in_several_messages_with_buttons_on_the_last(
    telegram_stub: TelegramApiStub, kb_text: str, tmp_path: Path
) -> None:
    original = next(line for line in kb_text.splitlines() if "Kontakt {contact_role}" in line)
    # Paragraphs numbered in letters: an answer may not write out a figure.
    body = "\\n".join(
        LONG_CONTACT_PARAGRAPH.format(n="".join(chr(ord("a") + int(d)) for d in str(n)))
        for n in range(250)
    )
    path = tmp_path / "long.yaml"
    path.write_text(kb_text.replace(original, f'      da: "{body}"'), encoding="utf-8")
    knowledge = load_knowledge(path)
    assistant = Assistant(knowledge)
    expected = assistant.answer("contact", "da")
    assert len(reply_html(expected)) > 2 * MAX_MESSAGE

    async with custom_bot(telegram_stub, assistant) as bot:
        sent = await ask(bot, "/kontakt")
    assert len(sent) >= 3
    assert sent[0]["text"].startswith("<b>Kontakt</b>")
    for message in sent:
        assert message["method"] == "sendMessage"
        assert message["parse_mode"] == "HTML"
        assert len(message["text"]) <= MAX_MESSAGE
    assert all(buttons(m) == [] for m in sent[:-1])
    assert buttons(sent[-1]) == related_buttons(knowledge, "contact", "da")
    assert squash("".join(m["plain_text"] for m in sent)) == squash(plain(reply_html(expected)))
    assert "& spørg om <Klippekortet>" in sent[0]["plain_text"]


# -- 9. per-user flood limit -----------------------------------------------------------------------


@asyncio_test
async def test_a_user_over_the_limit_gets_one_polite_notice(start_bot: StartBot) -> None:
    bot = await start_bot(user_questions_per_minute=3)
    for year in range(2010, 2016):
        bot.stub.push_message(f"Hvor mange timer blev brugt i {year}?")
    await bot.settle()
    texts = [m["plain_text"] for m in bot.stub.sent_to(DEFAULT_USER_ID)]
    assert len(texts) == 4
    assert texts.count(TOO_MANY_DA) == 1
    assert sum("timer" in t and t != TOO_MANY_DA for t in texts) == 3

    other = await ask(bot, "Hvor mange timer er der tilbage?", user_id=31337)
    assert len(other) == 1
    assert other[0]["chat_id"] == 31337
    assert "Der er 0 timer tilbage" in other[0]["plain_text"]
    assert len(bot.stub.sent_to(DEFAULT_USER_ID)) == 4


# -- 10. old updates -------------------------------------------------------------------------------


@asyncio_test
async def test_old_updates_are_skipped_and_queued_fresh_ones_answered(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(max_update_age=60, poll=False)
    stub = bot.stub
    stub.push_message("Hvor mange timer blev brugt i 2013?", date=time.time() - 2 * 3600)
    fresh = stub.push_message("Hvor mange timer blev brugt i 2014?", user_id=2024)
    stub.push_message("Hvor mange timer blev brugt i 2015?", user_id=2025, date=time.time() - 30)
    assert bot.application.updater is not None
    await bot.application.updater.start_polling(poll_interval=0, timeout=1)
    await bot.settle()
    assert stub.sent_to(DEFAULT_USER_ID) == []
    assert len(stub.sent_to(2024)) == 1
    assert "16.880" in stub.sent_to(2024)[0]["text"]
    assert fresh["message"]["chat"]["id"] == 2024
    assert len(stub.sent_to(2025)) == 1
    assert "16.060" in stub.sent_to(2025)[0]["text"]
    assert not stub.last_drop_pending_updates
    assert not any(c.get("drop_pending_updates") for c in stub.calls_of("deleteWebhook"))


# -- 11. resilience --------------------------------------------------------------------------------


@asyncio_test
@pytest.mark.parametrize("kind", ["429", "500", "502", "drop"])
async def test_a_failed_send_is_retried_and_answered_exactly_once(
    running_bot: RunningBot, kind: Any
) -> None:
    stub = running_bot.stub
    stub.fail_next("sendMessage", kind, retry_after=1)
    await ask(running_bot, "Hvor mange timer blev brugt i 2014?")
    assert stub.failures_served == 1
    answers = stub.sent_to(DEFAULT_USER_ID)
    assert len(answers) == 1
    assert "16.880" in answers[0]["text"]
    assert len(stub.calls_of("sendMessage")) == 2


@asyncio_test
async def test_a_failed_poll_does_not_lose_the_question(running_bot: RunningBot) -> None:
    stub = running_bot.stub
    stub.fail_next("getUpdates", "502")
    # let the current long poll end so the next one meets the failure, then ask
    await stub.wait_for_calls("getUpdates", len(stub.calls_of("getUpdates")) + 1, timeout=3)
    assert stub.failures_served == 1
    await ask(running_bot, "Hvor mange timer blev brugt i 2014?")
    answers = stub.sent_to(DEFAULT_USER_ID)
    assert len(answers) == 1
    assert "16.880" in answers[0]["text"]


@asyncio_test
async def test_many_failures_in_a_row_still_answer_once(running_bot: RunningBot) -> None:
    stub = running_bot.stub
    stub.fail_next("sendMessage", "drop")
    stub.fail_next("sendMessage", "500")
    stub.fail_next("sendMessage", "502")
    await ask(running_bot, "Hvor mange timer er der tilbage?")
    assert stub.failures_served == 3
    assert len(stub.sent_to(DEFAULT_USER_ID)) == 1


# -- 12. concurrency -------------------------------------------------------------------------------

FIGURES = {2013: "17.011", 2014: "16.880", 2015: "16.060", 2016: "3.031"}


@asyncio_test
async def test_many_chats_at_once_each_get_every_answer_once(running_bot: RunningBot) -> None:
    stub = running_bot.stub
    chats = [10_000 + n for n in range(50)]
    years = [2013 + (q % 4) for q in range(10)]
    for year in years:
        for chat in chats:
            stub.push_message(f"Hvor mange timer blev brugt i {year}?", user_id=chat)
    await stub.wait_for(500, timeout=60)
    await running_bot.settle(timeout=10)
    assert len(stub.sent) == 500
    per_chat = Counter(m["chat_id"] for m in stub.sent)
    assert per_chat == dict.fromkeys(chats, 10)
    expected = Counter(FIGURES[y] for y in years)
    for chat in chats:
        got = Counter(
            next(f for f in FIGURES.values() if f in m["text"]) for m in stub.sent_to(chat)
        )
        assert got == expected
    assert len({(m["chat_id"], m["message_id"]) for m in stub.sent}) == 500


# -- 13. the error handler -------------------------------------------------------------------------


@asyncio_test
async def test_an_unexpected_error_is_logged_and_the_user_gets_a_polite_message(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    holder = running_bot.services.knowledge

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("matcher exploded: secret internals")

    monkeypatch.setattr(holder.assistant, "reply", broken)
    caplog.set_level(logging.WARNING)
    sent = await ask(running_bot, "Hvor mange timer er der tilbage?")
    assert len(sent) == 1
    assert sent[0]["plain_text"] == ERROR_DA
    assert "noget gik galt" in sent[0]["plain_text"]
    for leak in ("Traceback", "RuntimeError", "exploded", "secret internals"):
        assert leak not in sent[0]["text"]
    records = errors(caplog)
    assert len(records) == 1
    record = records[0]
    assert record.name == "klippekort.telegram"
    assert f"in private chat {DEFAULT_USER_ID}" in record.getMessage()
    assert record.getMessage().startswith("Error while handling message ")
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


@asyncio_test
async def test_the_error_notice_in_a_group_is_a_reply(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = running_bot.services.knowledge

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(holder.assistant, "reply", broken)
    before = len(running_bot.stub.sent)
    update = running_bot.stub.push_message("@klippekort_bot timer tilbage?", chat_type="group")
    await running_bot.settle()
    sent = running_bot.stub.sent[before:]
    assert [m["plain_text"] for m in sent] == [ERROR_DA]
    assert sent[0]["reply_to_message_id"] == update["message"]["message_id"]


@asyncio_test
async def test_a_network_error_is_one_warning_line(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    holder = running_bot.services.knowledge

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise NetworkError("connection reset")

    monkeypatch.setattr(holder.assistant, "reply", unreachable)
    caplog.set_level(logging.WARNING)
    sent = await ask(running_bot, "Hvor mange timer er der tilbage?")
    assert sent == []
    assert not errors(caplog)
    warnings = [r for r in caplog.records if r.name == "klippekort.telegram"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert not warnings[0].exc_info
    assert "\n" not in warnings[0].getMessage()
    assert "connection reset" in warnings[0].getMessage()


# -- 14. webhook mode ------------------------------------------------------------------------------


@asyncio_test
async def test_webhook_mode_checks_the_secret(
    telegram_stub: TelegramApiStub, knowledge: KnowledgeBase
) -> None:
    stub = telegram_stub
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    settings = Settings(
        token=stub.token,
        api_base_url=stub.base_url,
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret="s3cret",
    )
    application = build_application(
        settings, Assistant(knowledge), telegram_limits=False, retry_backoff=0.01
    )
    bot = RunningBot(application, stub, settings)
    await application.initialize()
    try:
        await application.start()
        assert application.updater is not None
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=settings.webhook_path,
            webhook_url=url,
            secret_token="s3cret",
        )
        assert stub.webhook["url"] == url
        assert stub.webhook["secret_token"] == "s3cret"
        assert stub.calls_of("setWebhook")[-1]["secret_token"] == "s3cret"

        def update(text: str, user_id: int) -> JSON:
            user = {"id": user_id, "is_bot": False, "first_name": "Web", "language_code": "da"}
            chat = {"id": user_id, "type": "private", "first_name": "Web"}
            message = {
                "message_id": 1,
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            return {"message": message}

        question = "Hvor mange timer blev brugt i 2014?"
        assert await stub.deliver_via_webhook(update(question, 801), url, "wrong") == 403
        assert await stub.deliver_via_webhook(update(question, 802), url) == 403
        assert await stub.deliver_via_webhook(update(question, 803), url, "s3cret") == 200
        await stub.wait_for(1)
        await asyncio.wait_for(application.update_queue.join(), 5)
        assert [m["chat_id"] for m in stub.sent] == [803]
        assert "16.880" in stub.sent[0]["text"]
    finally:
        await bot.stop()


# -- 15. the token never appears in logs -----------------------------------------------------------


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@asyncio_test
@pytest.mark.usefixtures("restore_logging")
async def test_the_token_never_appears_in_the_logs(
    telegram_stub: TelegramApiStub, knowledge: KnowledgeBase
) -> None:
    stub = telegram_stub
    settings = Settings(token=stub.token, api_base_url=stub.base_url, log_level="DEBUG")
    configure_logging(settings)
    root = logging.getLogger()
    formatter = root.handlers[0].formatter
    assert isinstance(formatter, RedactingFormatter)
    capture = ListHandler()
    capture.setFormatter(formatter)
    root.addHandler(capture)
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING

    async with custom_bot(stub, Assistant(knowledge), log_level="DEBUG") as bot:
        await ask(bot, "/start")
        stub.fail_next("sendMessage", "drop")  # a retried failure logs the endpoint too
        await ask(bot, "Hvor mange timer blev brugt i 2014?")
        logging.getLogger("klippekort").debug("requested %s/getMe", stub.api_url)

    assert len(stub.sent) == 2
    assert len(capture.lines) > 20
    assert any(
        r.name.startswith("telegram") and r.levelno == logging.DEBUG for r in capture.records
    )
    assert not any(r.name.startswith(("httpx", "httpcore")) for r in capture.records)
    for line in capture.lines:
        assert stub.token not in line
    assert any("<hidden>" in line for line in capture.lines)
