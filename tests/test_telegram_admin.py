"""The Telegram adapter's staff side, end to end over HTTP against the Bot API stand-in.

The question log as Telegram fills it (and that it holds no identity), 👍 / 👎 and "none of
these", the usage chart after the text answer, the admin commands (/stats, /ubesvarede,
/reload) and what everyone else sees of them, reloading the knowledge base (command and
SIGHUP), and a question log that cannot be written. `settle` waits until every queued update
has been fetched and handled; `ChartWatch` until every chart the bot started has been sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import admin as admin_tools
from bot.adapters.telegram.application import build_application
from bot.adapters.telegram.commands import COMMANDS
from bot.adapters.telegram.services import Services
from bot.adapters.telegram.settings import Settings
from bot.assistant import Assistant
from bot.chart import render_chart
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, KnowledgeBase, load_knowledge
from tests.conftest import StartBot
from tests.helpers import line_of
from tests.telegram_api_stub import TelegramApiStub
from tests.telegram_helpers import SUGGESTING_QUESTION, RunningBot, ui

JSON = dict[str, Any]
asyncio_test = pytest.mark.asyncio(loop_scope="function")

# Identities the stand-in sends; none of them may end up in the question log.
USER_ID = 918_273_645
FIRST_NAME = "Zorblaxia"
USERNAME = "zorblax_hemmelig"
GROUP_ID = -4_918_273_001
ADMIN_ID = 5_550_001
SECOND_ADMIN_ID = 5_550_002
USER = {"user_id": USER_ID, "first_name": FIRST_NAME, "username": USERNAME}
ADMIN = {"user_id": ADMIN_ID, "first_name": "Chefen", "username": "chefen"}
ADMIN_NAMES = {"stats", "ubesvarede", "unanswered", "reload"}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OLD_PHONE = "3334 9432"
NEW_PHONE = "1234 5678"
UNKNOWN_QUESTIONS = ["Hvem vandt VM i 2014?", "Hvem vandt VM i 2014?", "hvem vandt vm 2014"]
REMAINING = "Hvor mange timer er der tilbage?"
USAGE_QUESTION = "Hvordan er timerne fordelt på årene?"
COLUMNS = {
    "id",
    "asked_at",
    "language",
    "chat_type",
    "question",
    "outcome",
    "entry_id",
    "score",
    "feedback",
    "none_of_these",
    "chosen_entry",
}


# -- helpers ---------------------------------------------------------------------------------------


async def ask(bot: RunningBot, text: str, **kwargs: Any) -> list[JSON]:
    """Push one text message (from USER unless told), wait; return what the bot sent for it."""
    before = len(bot.stub.sent)
    bot.stub.push_message(text, **({**USER, **kwargs}))
    await bot.settle()
    return bot.stub.sent[before:]


async def press(bot: RunningBot, data: str, message: JSON, **kwargs: Any) -> list[JSON]:
    """Press a button under `message`; return what the bot sent or edited."""
    before = len(bot.stub.sent)
    bot.stub.push_callback_query(data, message=message, **({**USER, **kwargs}))
    await bot.settle()
    return bot.stub.sent[before:]


def buttons(record: JSON) -> list[tuple[str, str]]:
    markup = record.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data"))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def feedback_data(record: JSON) -> list[str]:
    return [data for _, data in buttons(record) if data.startswith(("u|", "d|"))]


def question_id_of(record: JSON) -> str:
    """The question id carried by the 👍 / 👎 (or "none of these") buttons."""
    ids = {data.split("|")[3] for _, data in buttons(record) if data.count("|") == 3}
    assert len(ids) == 1, buttons(record)
    return ids.pop()


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def flushed(bot: RunningBot) -> None:
    question_log = bot.services.question_log
    assert question_log is not None
    assert await asyncio.to_thread(question_log.flush)


def read_rows(path: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM questions ORDER BY rowid").fetchall()
    finally:
        db.close()


async def logged(bot: RunningBot, path: Path) -> dict[str, sqlite3.Row]:
    """Every logged question by its id, once the log has written what it was given."""
    await flushed(bot)
    return {row["id"]: row for row in read_rows(path)}


def unknown_command_text(language: str = "da") -> str:
    return ui("unknown_command", language)


def public_command_names() -> list[str]:
    return [command.da for command in COMMANDS]


class ChartWatch:
    """Records every chart the bot starts sending, so that a test can wait until all are sent.

    The bot sends the chart in a task of its own; the watch only wraps `Charts.send`, so the
    real sending code runs unchanged.
    """

    def __init__(self, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
        self.requests: list[tuple[int, str]] = []
        self._done: list[asyncio.Future[None]] = []
        original = services.charts.send

        def watched(
            telegram: Any, knowledge: KnowledgeBase, chat_id: int, language: str
        ) -> Coroutine[Any, Any, None]:
            self.requests.append((chat_id, language))
            finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._done.append(finished)

            async def run() -> None:
                try:
                    await original(telegram, knowledge, chat_id, language)
                finally:
                    finished.set_result(None)

            return run()

        monkeypatch.setattr(services.charts, "send", watched)

    async def wait(self, timeout: float = 15.0) -> None:
        await asyncio.wait_for(asyncio.gather(*self._done), timeout)


def photos(stub: TelegramApiStub) -> list[JSON]:
    return [record for record in stub.sent if record["method"] == "sendPhoto"]


@asynccontextmanager
async def bot_on(
    stub: TelegramApiStub, knowledge_path: Path, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """A polling bot whose assistant was loaded from `knowledge_path`, so /reload re-reads it."""
    settings = Settings(
        token=stub.token,
        api_base_url=stub.base_url,
        knowledge_path=knowledge_path,
        **overrides,
    )
    assistant = Assistant(load_knowledge(knowledge_path))
    application = build_application(settings, assistant, telegram_limits=False, retry_backoff=0.01)
    bot = RunningBot(application, stub, settings)
    await application.initialize()
    try:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    path = tmp_path / "klippekort.yaml"
    shutil.copyfile(DEFAULT_KNOWLEDGE_PATH, path)
    return path


def with_new_phone(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(f'"{OLD_PHONE}"') == 1
    path.write_text(text.replace(f'"{OLD_PHONE}"', f'"{NEW_PHONE}"'), encoding="utf-8")


def broken(path: Path) -> str:
    """Make the contact entry relate to an entry that does not exist; the expected problem."""
    text = path.read_text(encoding="utf-8")
    assert text.count("related: [final_report]") == 1
    text = text.replace("related: [final_report]", "related: [no_such_entry]")
    path.write_text(text, encoding="utf-8")
    line = line_of(text, "related: [no_such_entry]")
    return f"{path}:{line}: entry 'contact' relates to unknown entry 'no_such_entry'"


@pytest.fixture
def sighup_guard() -> Iterator[None]:
    """A harmless SIGHUP handler underneath the bot's, so a missing one cannot end the run."""
    previous = signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGHUP, lambda *_: None)
    yield
    signal.signal(signal.SIGHUP, previous)


# -- 1. the question log, filled through Telegram --------------------------------------------------


@asyncio_test
async def test_questions_are_logged_with_what_happened_and_no_identity(
    start_bot: StartBot, knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    bot = await start_bot(question_log=path)
    assistant = Assistant(knowledge)
    started = time.time()

    answered = (await ask(bot, REMAINING))[0]
    english = (await ask(bot, "How many hours are left?"))[0]
    suggested = (await ask(bot, SUGGESTING_QUESTION))[0]
    unknown = (await ask(bot, UNKNOWN_QUESTIONS[0]))[0]
    in_group = await ask(
        bot, "@klippekort_bot hvor mange timer er der tilbage?", chat_type="group", chat_id=GROUP_ID
    )
    assert len(in_group) == 1
    assert in_group[0]["chat_id"] == GROUP_ID
    bot.stub.push_update(
        {
            "chosen_inline_result": {
                "result_id": "remaining_hours-0",
                "from": {
                    "id": USER_ID,
                    "is_bot": False,
                    "first_name": FIRST_NAME,
                    "username": USERNAME,
                    "language_code": "da",
                },
                "query": "timer tilbage",
            }
        }
    )
    # An id the knowledge base does not know (an old result) is not logged.
    bot.stub.push_update(
        {
            "chosen_inline_result": {
                "result_id": "no_such_entry-1",
                "from": {"id": USER_ID, "is_bot": False, "first_name": FIRST_NAME},
                "query": "hvad som helst",
            }
        }
    )
    await bot.settle()

    rows = await logged(bot, path)
    assert len(rows) == 6
    by_id = {
        question_id_of(answered): ("private", REMAINING, "answered", "remaining_hours", "da"),
        question_id_of(english): (
            "private",
            "How many hours are left?",
            "answered",
            "remaining_hours",
            "en",
        ),
        question_id_of(suggested): ("private", SUGGESTING_QUESTION, "suggested", None, "da"),
        question_id_of(in_group[0]): ("group", None, "answered", "remaining_hours", "da"),
    }
    assert set(by_id) < set(rows)
    for question_id, (chat_type, question, outcome, entry_id, language) in by_id.items():
        row = rows[question_id]
        assert row["chat_type"] == chat_type
        assert row["outcome"] == outcome
        assert row["language"] == language
        assert started - 2 <= row["asked_at"] <= time.time() + 2
        assert row["feedback"] is None
        assert row["none_of_these"] == 0
        assert row["chosen_entry"] is None
        if question is not None:
            assert row["question"] == question
            expected = assistant.reply(question, "da")
            assert row["score"] == round(expected.score, 1)
            assert row["entry_id"] == expected.entry_id
        if entry_id is not None:
            assert row["entry_id"] == entry_id
    # A don't-know answer has nothing to rate: no 👍 / 👎, but it is logged all the same.
    assert not feedback_data(unknown)
    (unknown_row,) = [row for row in rows.values() if row["outcome"] == "unknown"]
    assert unknown_row["question"] == UNKNOWN_QUESTIONS[0]
    assert unknown_row["chat_type"] == "private"
    assert unknown_row["language"] == "da"
    assert unknown_row["score"] == 0
    assert unknown_row["entry_id"] is None
    # In a group the bot's own @name is not part of the question.
    group_row = rows[question_id_of(in_group[0])]
    assert group_row["question"].strip() == "hvor mange timer er der tilbage?"
    assert "@" not in group_row["question"]
    assert group_row["score"] > 0

    (inline,) = [row for row in rows.values() if row["chat_type"] == "inline"]
    assert inline["question"] == "timer tilbage"
    assert inline["outcome"] == "answered"
    assert inline["entry_id"] == "remaining_hours"
    assert inline["language"] == "da"

    # No identity anywhere: not as a column, not in any value of any table.
    db = sqlite3.connect(path)
    try:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        assert tables == ["questions"]
        columns = {row[1] for row in db.execute("PRAGMA table_info(questions)")}
        assert columns == COLUMNS
        values = [
            value
            for table in tables
            for row in db.execute(f"SELECT * FROM {table}")
            for value in row
        ]
    finally:
        db.close()
    assert values
    secrets = [str(USER_ID), str(GROUP_ID), str(abs(GROUP_ID)), FIRST_NAME, USERNAME, "Testgruppe"]
    for value in values:
        assert value not in (USER_ID, GROUP_ID)
        for secret in secrets:
            assert secret.lower() not in str(value).lower(), (secret, value)


@asyncio_test
async def test_without_a_question_log_answers_come_without_feedback_buttons(
    start_bot: StartBot, knowledge: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(question_log=None)
    tb = bot.services
    assert tb.question_log is None

    answer = await ask(bot, REMAINING)
    assert len(answer) == 1
    assert "Der er 0 timer tilbage" in answer[0]["plain_text"]
    assert buttons(answer[0]) == [
        (knowledge.entries[r].title["da"], f"a|{r}|da")
        for r in knowledge.entries["remaining_hours"].related
    ]
    suggestions = await ask(bot, SUGGESTING_QUESTION)
    assert buttons(suggestions[0])
    assert all(
        data.startswith("s|") and data.count("|") == 2 for _, data in buttons(suggestions[0])
    )

    bot.stub.push_update(
        {
            "chosen_inline_result": {
                "result_id": "remaining_hours-0",
                "from": {"id": USER_ID, "is_bot": False, "first_name": FIRST_NAME},
                "query": "timer tilbage",
            }
        }
    )
    await bot.settle()
    assert not errors(caplog)


# -- 2. feedback and "none of these" ---------------------------------------------------------------


@asyncio_test
async def test_thumbs_down_is_thanked_stored_once_and_the_buttons_go(
    start_bot: StartBot, knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    bot = await start_bot(question_log=path)
    stub = bot.stub
    answer = (await ask(bot, REMAINING))[0]
    question_id = question_id_of(answer)
    related = [
        (knowledge.entries[r].title["da"], f"a|{r}|da")
        for r in knowledge.entries["remaining_hours"].related
    ]
    assert buttons(answer) == [
        *related,
        ("👍", f"u|-|da|{question_id}"),
        ("👎", f"d|-|da|{question_id}"),
    ]
    assert answer["reply_markup"]["inline_keyboard"][-1] == [
        {"text": "👍", "callback_data": f"u|-|da|{question_id}"},
        {"text": "👎", "callback_data": f"d|-|da|{question_id}"},
    ]

    calls_before = len(stub.calls)
    changes = await press(bot, f"d|-|da|{question_id}", answer["message"])
    assert stub.callback_answers == [
        {
            "callback_query_id": stub.callback_answers[0]["callback_query_id"],
            "text": ui("feedback_thanks", "da"),
        }
    ]
    assert [c["method"] for c in changes] == ["editMessageReplyMarkup"]
    assert changes[0]["message_id"] == answer["message_id"]
    assert buttons(changes[0]) == related  # related topics stay, 👍 / 👎 go
    methods = [name for name, _ in stub.calls[calls_before:]]
    assert methods.index("answerCallbackQuery") < methods.index("editMessageReplyMarkup")
    shown = stub.message(USER_ID, answer["message_id"])
    assert shown is not None
    assert not feedback_data(shown)
    assert (await logged(bot, path))[question_id]["feedback"] == -1

    # A second press (the other thumb, or the same again) only gets a notice.
    for data in (f"u|-|da|{question_id}", f"d|-|da|{question_id}"):
        assert await press(bot, data, answer["message"]) == []
        assert stub.callback_answers[-1]["text"] == ui("feedback_again", "da")
    row = (await logged(bot, path))[question_id]
    assert row["feedback"] == -1
    assert len(stub.callback_answers) == 3


@asyncio_test
async def test_thumbs_up_on_an_answer_without_related_topics_removes_the_keyboard(
    start_bot: StartBot, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    bot = await start_bot(question_log=path)
    answer = (await ask(bot, "How many hours are left?", language_code="en"))[0]
    question_id = question_id_of(answer)
    assert feedback_data(answer) == [f"u|-|en|{question_id}", f"d|-|en|{question_id}"]
    changes = await press(bot, f"u|-|en|{question_id}", answer["message"], language_code="en")
    assert bot.stub.callback_answers[-1]["text"] == ui("feedback_thanks", "en")
    assert [c["method"] for c in changes] == ["editMessageReplyMarkup"]
    assert not feedback_data(changes[0])
    assert (await logged(bot, path))[question_id]["feedback"] == 1


@asyncio_test
async def test_none_of_these_is_stored_and_turns_into_the_dont_know_answer(
    start_bot: StartBot, knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    bot = await start_bot(question_log=path)
    expected = Assistant(knowledge).reply(SUGGESTING_QUESTION, "da")
    assert expected.suggestions, "pick another question that gives suggestions"
    question = (await ask(bot, SUGGESTING_QUESTION))[0]
    assert "Mente du" in question["text"]
    question_id = question_id_of(question)
    assert buttons(question) == [
        *((c.title, f"s|{c.entry_id}|da|{question_id}") for c in expected.suggestions),
        ("Ingen af disse", f"n|-|da|{question_id}"),
    ]
    assert not feedback_data(question)

    changes = await press(bot, f"n|-|da|{question_id}", question["message"])
    assert [c["method"] for c in changes] == ["editMessageText"]
    edited = changes[0]
    assert edited["message_id"] == question["message_id"]
    dont_know = Assistant(knowledge).dont_know("da")
    assert edited["plain_text"] == dont_know.text
    assert "Det kan jeg desværre ikke" in edited["plain_text"]
    assert OLD_PHONE in edited["plain_text"]
    assert all(data.startswith("a|") for _, data in buttons(edited))
    assert "text" not in bot.stub.callback_answers[-1]
    row = (await logged(bot, path))[question_id]
    assert row["none_of_these"] == 1
    assert row["chosen_entry"] is None


@asyncio_test
async def test_a_chosen_suggestion_is_stored(
    start_bot: StartBot, knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    bot = await start_bot(question_log=path)
    question = (await ask(bot, SUGGESTING_QUESTION))[0]
    question_id = question_id_of(question)
    _, data = buttons(question)[1]
    chosen = data.split("|")[1]
    changes = await press(bot, data, question["message"])
    assert [c["method"] for c in changes] == ["editMessageText"]
    assert changes[0]["text"].startswith(f"<b>{knowledge.entries[chosen].title['da']}</b>")
    row = (await logged(bot, path))[question_id]
    assert row["chosen_entry"] == chosen
    assert row["none_of_these"] == 0
    assert row["outcome"] == "suggested"


# -- 3. the usage chart ----------------------------------------------------------------------------


@asyncio_test
async def test_usage_without_a_year_sends_the_chart_after_the_text_and_reuses_it(
    start_bot: StartBot,
    knowledge: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot()
    stub = bot.stub
    tb = bot.services
    charts = ChartWatch(tb, monkeypatch)

    calls_before, sent_before = len(stub.calls), len(stub.sent)
    await ask(bot, "/forbrug")
    await charts.wait()
    sent = stub.sent[sent_before:]
    assert [m["method"] for m in sent] == ["sendMessage", "sendPhoto"]
    text, first = sent
    assert "• 2014: 16.880 timer" in text["plain_text"]
    sends = [n for n, _ in stub.calls[calls_before:] if n in ("sendMessage", "sendPhoto")]
    assert sends == ["sendMessage", "sendPhoto"]
    assert first["chat_id"] == USER_ID
    assert first["uploaded"] is True
    assert first["plain_text"] == knowledge.ui["chart_title"]["da"]
    png = first["params"]["photo"].data
    assert png.startswith(PNG_SIGNATURE)
    assert png == render_chart(knowledge, "da")
    assert stub.files[first["photo_file_id"]] == png

    # The same chart again (free text this time): by file_id, not uploaded again.
    sent = await ask(bot, USAGE_QUESTION)
    await charts.wait()
    assert sent[0]["method"] == "sendMessage"
    assert sent[0]["text"].startswith(f"<b>{knowledge.entries['usage'].title['da']}</b>")
    second = photos(stub)[-1]
    assert len(photos(stub)) == 2
    assert second["uploaded"] is False
    assert second["params"]["photo"] == first["photo_file_id"]
    assert stub.sent.index(second) > stub.sent.index(sent[0])

    # English is a chart of its own.
    sent = await ask(bot, "/usage")
    await charts.wait()
    assert "• 2014: 16,880 hours" in sent[0]["plain_text"]
    english = photos(stub)[-1]
    assert len(photos(stub)) == 3
    assert english["uploaded"] is True
    assert english["plain_text"] == knowledge.ui["chart_title"]["en"]
    assert english["params"]["photo"].data == render_chart(knowledge, "en")
    assert english["params"]["photo"].data != png
    await ask(bot, "/usage")
    await charts.wait()
    assert photos(stub)[-1]["params"]["photo"] == english["photo_file_id"]
    assert len([p for p in photos(stub) if p["uploaded"]]) == 2
    assert charts.requests == [(USER_ID, "da"), (USER_ID, "da"), (USER_ID, "en"), (USER_ID, "en")]
    assert not errors(caplog)


@asyncio_test
async def test_no_chart_for_a_year_a_group_question_or_another_answer(
    start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await start_bot()
    charts = ChartWatch(bot.services, monkeypatch)
    assert len(await ask(bot, "/forbrug 2014")) == 1
    assert len(await ask(bot, "/usage 2014")) == 1
    assert len(await ask(bot, "Hvor mange timer blev brugt i 2014?")) == 1
    assert len(await ask(bot, REMAINING)) == 1
    group = await ask(bot, f"@klippekort_bot {USAGE_QUESTION}", chat_type="group", chat_id=GROUP_ID)
    assert len(group) == 1
    assert "• 2014: 16.880 timer" in group[0]["plain_text"]  # the answer, without the chart
    await charts.wait()
    assert charts.requests == []
    assert photos(bot.stub) == []


@asyncio_test
async def test_a_chart_that_cannot_be_sent_costs_only_the_chart(
    start_bot: StartBot,
    knowledge: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot()
    stub = bot.stub
    charts = ChartWatch(bot.services, monkeypatch)
    caplog.set_level(logging.WARNING)

    # 5xx every time: retried, then given up with a warning; the text was sent.
    stub.fail_next("sendPhoto", "500", times=5)
    sent = await ask(bot, "/forbrug")
    await charts.wait()
    assert stub.failures_served == 5
    assert [m["method"] for m in sent] == ["sendMessage"]
    assert photos(stub) == []
    assert "• 2014: 16.880 timer" in sent[0]["plain_text"]
    assert any("usage chart" in r.getMessage() for r in caplog.records)

    # Next time it works (uploaded, as nothing was kept).
    await ask(bot, "/forbrug")
    await charts.wait()
    assert [p["uploaded"] for p in photos(stub)] == [True]

    # Telegram no longer knows the kept file (a 400): the text still comes, nothing crashes,
    # and the chart after that is uploaded again rather than failing forever.
    stub.files.clear()
    sent = await ask(bot, USAGE_QUESTION)
    await charts.wait()
    assert [m["method"] for m in sent] == ["sendMessage"]
    assert len(photos(stub)) == 1
    assert len(stub.calls_of("sendPhoto")) == 5 + 1 + 1
    await ask(bot, USAGE_QUESTION)
    await charts.wait()
    assert [p["uploaded"] for p in photos(stub)] == [True, True]
    assert photos(stub)[-1]["params"]["photo"].data == render_chart(knowledge, "da")

    # Still answering after all that.
    assert "Der er 0 timer tilbage" in (await ask(bot, REMAINING))[0]["plain_text"]
    assert not errors(caplog)


# -- 4. admin commands -----------------------------------------------------------------------------


@asyncio_test
async def test_admin_gets_stats_and_unanswered_questions(
    start_bot: StartBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(question_log=tmp_path / "q.sqlite3", admin_user_ids=frozenset({ADMIN_ID}))
    for question in UNKNOWN_QUESTIONS:
        await ask(bot, question)
    answer = (await ask(bot, REMAINING))[0]
    await press(bot, f"d|-|da|{question_id_of(answer)}", answer["message"])
    suggested = (await ask(bot, SUGGESTING_QUESTION))[0]
    await press(bot, f"n|-|da|{question_id_of(suggested)}", suggested["message"])
    await ask(bot, "@klippekort_bot hvem vandt vm i 2014", chat_type="group", chat_id=GROUP_ID)

    stats = await ask(bot, "/stats", **ADMIN)
    assert len(stats) == 1
    report = stats[0]
    assert report["chat_id"] == ADMIN_ID
    assert report["text"].startswith("<pre>")
    assert report["text"].endswith("</pre>")
    assert report["message"]["entities"][0]["type"] == "pre"
    text = report["plain_text"]
    assert "Spørgsmål de sidste 7 dage: 6" in text
    assert "unknown: 4" in text
    assert "answered: 1" in text
    assert "suggested: 1" in text
    assert "private: 5" in text
    assert "group: 1" in text
    assert "4 × " in text  # the four wordings of the same question are one group
    assert "Hvem vandt VM i 2014?" in text
    assert "remaining_hours: 1 👎, 0 👍" in text
    assert f"1 × {SUGGESTING_QUESTION}" in text

    for command in ("/ubesvarede", "/unanswered"):
        # A heading, then each group of questions not answered well as a message with buttons.
        sent = await ask(bot, command, **ADMIN)
        assert sent[0]["plain_text"] == "Ubesvarede spørgsmål, 30 dage:"
        groups = sent[1:]
        assert groups
        assert all(record["chat_id"] == ADMIN_ID and buttons(record) for record in groups)
        lines = groups[0]["plain_text"].splitlines()
        assert lines[0].startswith("4 × ")
        wordings = {lines[0].removeprefix("4 × ")} | {
            line.strip().removeprefix("– ") for line in lines[1:] if line.startswith("    – ")
        }
        assert {"Hvem vandt VM i 2014?", "hvem vandt vm 2014"} <= wordings
        # A question answered only with suggestions counts too, and one that got a 👎.
        shown = "\n".join(record["plain_text"] for record in groups)
        assert SUGGESTING_QUESTION in shown
        assert REMAINING in shown
    assert not errors(caplog)


@asyncio_test
async def test_admin_commands_look_unknown_to_everyone_else(
    start_bot: StartBot, tmp_path: Path
) -> None:
    bot = await start_bot(question_log=tmp_path / "q.sqlite3", admin_user_ids=frozenset({ADMIN_ID}))
    tb = bot.services
    assistant = tb.knowledge.assistant
    for question in UNKNOWN_QUESTIONS:
        await ask(bot, question)

    unknown = await ask(bot, "/noget_ukendt")
    assert [m["plain_text"] for m in unknown] == [unknown_command_text()]
    for command in ("/stats", "/ubesvarede", "/unanswered", "/reload", "/stats@klippekort_bot"):
        sent = await ask(bot, command)
        assert [m["plain_text"] for m in sent] == [unknown_command_text()], command
        assert sent[0]["text"] == unknown[0]["text"]
        assert "<pre>" not in sent[0]["text"]
        assert "Hvem vandt" not in sent[0]["plain_text"]
    english = await ask(bot, "/stats", language_code="en", user_id=31337)
    assert [m["plain_text"] for m in english] == [unknown_command_text("en")]
    assert tb.knowledge.assistant is assistant  # /reload did nothing
    # In a group, a bare admin command from someone else may be another bot's: no answer.
    assert await ask(bot, "/stats", chat_type="group", chat_id=GROUP_ID) == []
    # Reports hold what people asked: not even an admin gets one in a group.
    in_group = await ask(bot, "/stats@klippekort_bot", chat_type="group", chat_id=GROUP_ID, **ADMIN)
    assert [m["plain_text"] for m in in_group] == [unknown_command_text()]
    # The admin gets the unknown-command answer for commands that do not exist, too.
    assert [m["plain_text"] for m in await ask(bot, "/noget_ukendt", **ADMIN)] == [
        unknown_command_text()
    ]


@asyncio_test
async def test_a_refusal_full_of_markup_characters_still_reaches_the_admin(
    telegram_stub: TelegramApiStub, kb_copy: Path
) -> None:
    # Escaped, 3,000 "<" are 12,000 characters: a cut after escaping ended inside "&lt;".
    name = "<" * 3000
    async with bot_on(telegram_stub, kb_copy, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        text = kb_copy.read_text(encoding="utf-8")
        kb_copy.write_text(
            text.replace("related: [final_report]", f'related: ["{name}"]'), encoding="utf-8"
        )
        await admin_tools.reload_and_tell_admins(bot.application)
        told = bot.stub.sent_to(ADMIN_ID)
        assert len(told) == 1, bot.stub.describe_sent()
        plain = told[0]["plain_text"]
        assert plain.startswith(ui("not_reloaded", "da"))
        assert "related '<<<" in plain
        assert len(plain) <= 4096


@asyncio_test
@pytest.mark.usefixtures("sighup_guard")
async def test_admin_commands_are_only_in_the_admins_menu(
    start_bot: StartBot, tmp_path: Path
) -> None:
    bot = await start_bot(
        question_log=tmp_path / "q.sqlite3",
        admin_user_ids=frozenset({ADMIN_ID, SECOND_ADMIN_ID}),
    )
    application = bot.application
    assert application.post_init is not None
    try:
        await application.post_init(application)
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    stub = bot.stub
    public = public_command_names()
    for language_code in ("", "da", "en"):
        names = [c["command"] for c in stub.get_commands(language_code=language_code)]
        assert len(names) == len(public)
        assert not ADMIN_NAMES & set(names), language_code
    for admin in (ADMIN_ID, SECOND_ADMIN_ID):
        menu = stub.get_commands(scope={"type": "chat", "chat_id": admin})
        assert [c["command"] for c in menu] == [*public, "stats", "ubesvarede", "reload"]
        assert all(c["description"] for c in menu)
    assert stub.get_commands(scope={"type": "chat", "chat_id": USER_ID}) == []


@asyncio_test
async def test_stats_say_when_the_log_is_off(start_bot: StartBot) -> None:
    bot = await start_bot(question_log=None, admin_user_ids=frozenset({ADMIN_ID}))
    await ask(bot, REMAINING)
    for command in ("/stats", "/ubesvarede"):
        sent = await ask(bot, command, **ADMIN)
        assert [m["plain_text"] for m in sent] == [ui("log_off", "da")]
    english = await ask(bot, "/unanswered", **{**ADMIN, "language_code": "en"})
    assert [m["plain_text"] for m in english] == [ui("log_off", "en")]


# -- 5. reloading the knowledge base ---------------------------------------------------------------


@asyncio_test
async def test_reload_swaps_in_a_sound_file_and_keeps_the_old_one_otherwise(
    telegram_stub: TelegramApiStub,
    kb_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admins = frozenset({ADMIN_ID})
    async with bot_on(telegram_stub, kb_copy, admin_user_ids=admins) as bot:
        tb = bot.services
        charts = ChartWatch(tb, monkeypatch)
        assert OLD_PHONE in (await ask(bot, "/kontakt"))[0]["plain_text"]
        await ask(bot, "/forbrug")
        await charts.wait()
        assert len(tb.charts.file_ids) == 1
        kept_charts = dict(tb.charts.file_ids)
        original = tb.knowledge.assistant

        # A broken file: refused with file:line: reason, the old facts stay.
        good_text = kb_copy.read_text(encoding="utf-8")
        problem = broken(kb_copy)
        sent = await ask(bot, "/reload", **ADMIN)
        assert len(sent) == 1
        assert sent[0]["chat_id"] == ADMIN_ID
        lines = sent[0]["plain_text"].splitlines()
        assert lines[0] == ui("not_reloaded", "da")
        assert "IKKE skiftet" in lines[0]
        assert problem in lines[1:]
        assert tb.knowledge.assistant is original
        assert tb.charts.file_ids == kept_charts
        assert OLD_PHONE in (await ask(bot, "/kontakt"))[0]["plain_text"]

        # A sound, changed file: swapped in; charts are drawn again from the new facts.
        kb_copy.write_text(good_text, encoding="utf-8")
        with_new_phone(kb_copy)
        sent = await ask(bot, "/reload", **ADMIN)
        entries = len(load_knowledge(kb_copy).entries)
        assert [m["plain_text"] for m in sent] == [f"Vidensbasen er genindlæst: {entries} emner."]
        assert "genindlæst" in sent[0]["plain_text"]
        assert tb.knowledge.assistant is not original
        assert tb.charts.file_ids == {}
        contact = (await ask(bot, "/kontakt"))[0]["plain_text"]
        assert NEW_PHONE in contact
        assert OLD_PHONE not in contact
        assert NEW_PHONE in (await ask(bot, "Hvem kan jeg kontakte?"))[0]["plain_text"]
        await ask(bot, "/forbrug")
        await charts.wait()
        assert [p["uploaded"] for p in photos(bot.stub)] == [True, True]

        # /reload in English.
        sent = await ask(bot, "/reload", **{**ADMIN, "language_code": "en"})
        assert [m["plain_text"] for m in sent] == [
            f"The knowledge base was reloaded: {entries} entries."
        ]


@asyncio_test
async def test_reload_by_someone_else_changes_nothing(
    telegram_stub: TelegramApiStub, kb_copy: Path
) -> None:
    async with bot_on(telegram_stub, kb_copy, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        tb = bot.services
        original = tb.knowledge.assistant
        with_new_phone(kb_copy)
        sent = await ask(bot, "/reload")
        assert [m["plain_text"] for m in sent] == [unknown_command_text()]
        assert tb.knowledge.assistant is original
        contact = (await ask(bot, "/kontakt"))[0]["plain_text"]
        assert OLD_PHONE in contact
        assert NEW_PHONE not in contact


@asyncio_test
async def test_a_failed_reload_is_told_to_every_admin(
    telegram_stub: TelegramApiStub, kb_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    third_admin = 5_550_003
    admins = frozenset({ADMIN_ID, SECOND_ADMIN_ID, third_admin})
    async with bot_on(telegram_stub, kb_copy, admin_user_ids=admins) as bot:
        tb = bot.services
        original = tb.knowledge.assistant

        # A sound file: reloaded, nobody is bothered.
        with_new_phone(kb_copy)
        await admin_tools.reload_and_tell_admins(bot.application)
        assert tb.knowledge.assistant is not original
        assert bot.stub.sent == []

        # A broken one: every admin hears of it, even when one of them has blocked the bot.
        current = tb.knowledge.assistant
        problem = broken(kb_copy)
        bot.stub.blocked_chats.add(third_admin)
        caplog.set_level(logging.WARNING)
        await admin_tools.reload_and_tell_admins(bot.application)
        assert tb.knowledge.assistant is current
        for admin in (ADMIN_ID, SECOND_ADMIN_ID):
            told = bot.stub.sent_to(admin)
            assert len(told) == 1
            assert told[0]["method"] == "sendMessage"
            assert told[0]["plain_text"].startswith(ui("not_reloaded", "da"))
            assert problem in told[0]["plain_text"].splitlines()
        assert bot.stub.sent_to(third_admin) == []
        assert any(
            "Could not tell admin" in r.getMessage() and r.levelno == logging.WARNING
            for r in caplog.records
        )
        assert NEW_PHONE in (await ask(bot, "/kontakt"))[0]["plain_text"]


@asyncio_test
@pytest.mark.usefixtures("sighup_guard")
async def test_sighup_reloads_the_knowledge_base(
    telegram_stub: TelegramApiStub, kb_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with bot_on(telegram_stub, kb_copy, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        tb = bot.services
        original = tb.knowledge.assistant
        reloads: asyncio.Queue[list[Any]] = asyncio.Queue()
        real_reload = admin_tools.reload

        async def watched_reload(services: Services) -> list[Any]:
            problems = await real_reload(services)
            reloads.put_nowait(problems)
            return problems

        monkeypatch.setattr(admin_tools, "reload", watched_reload)
        guard = signal.getsignal(signal.SIGHUP)
        loop = asyncio.get_running_loop()
        admin_tools.watch_sighup(bot.application)
        try:
            assert signal.getsignal(signal.SIGHUP) is not guard  # the bot's handler is in place
            with_new_phone(kb_copy)
            os.kill(os.getpid(), signal.SIGHUP)
            assert await asyncio.wait_for(reloads.get(), 10) == []
            assert tb.knowledge.assistant is not original
            assert NEW_PHONE in (await ask(bot, "/kontakt"))[0]["plain_text"]

            problem = broken(kb_copy)
            os.kill(os.getpid(), signal.SIGHUP)
            assert await asyncio.wait_for(reloads.get(), 10)
            told = await bot.stub.wait_for(lambda sent: bool(bot.stub.sent_to(ADMIN_ID)))
            assert problem in told[-1]["plain_text"].splitlines()
            assert NEW_PHONE in (await ask(bot, "/kontakt"))[0]["plain_text"]
        finally:
            loop.remove_signal_handler(signal.SIGHUP)


# -- 6. a question log that cannot be written ------------------------------------------------------


@asyncio_test
@pytest.mark.parametrize("kind", ["under_a_file", "corrupt"])
async def test_an_unusable_question_log_never_stops_an_answer(
    start_bot: StartBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    if kind == "under_a_file":
        (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
        path = tmp_path / "a_file" / "q.sqlite3"
    else:
        path = tmp_path / "q.sqlite3"
        path.write_bytes(b"this is not a database\n" * 200)
    caplog.set_level(logging.WARNING)
    bot = await start_bot(question_log=path, admin_user_ids=frozenset({ADMIN_ID}))

    answer = await ask(bot, REMAINING)
    assert len(answer) == 1
    assert "Der er 0 timer tilbage" in answer[0]["plain_text"]
    question_id = question_id_of(answer[0])
    changes = await press(bot, f"u|-|da|{question_id}", answer[0]["message"])
    assert bot.stub.callback_answers[-1]["text"] == ui("feedback_thanks", "da")
    assert [c["method"] for c in changes] == ["editMessageReplyMarkup"]
    suggested = (await ask(bot, SUGGESTING_QUESTION))[0]
    changes = await press(bot, f"n|-|da|{question_id_of(suggested)}", suggested["message"])
    assert [c["method"] for c in changes] == ["editMessageText"]
    assert OLD_PHONE in changes[0]["plain_text"]
    await ask(bot, UNKNOWN_QUESTIONS[0], chat_type="group", chat_id=GROUP_ID)  # not addressed
    group = await ask(bot, "@klippekort_bot timer tilbage?", chat_type="group", chat_id=GROUP_ID)
    assert len(group) == 1

    stats = await ask(bot, "/stats", **ADMIN)
    assert len(stats) == 1
    assert stats[0]["plain_text"].startswith("Spørgsmålsloggen kan ikke læses: ")
    await flushed(bot)
    if kind == "corrupt":
        assert path.read_bytes() == b"this is not a database\n" * 200
    assert not errors(caplog)
    warnings = [r for r in caplog.records if r.name == "klippekort.questionlog"]
    assert len(warnings) == 1  # one warning, not one per question
    assert warnings[0].levelno == logging.WARNING
    assert "cannot be used" in warnings[0].getMessage()
