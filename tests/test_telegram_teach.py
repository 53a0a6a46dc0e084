"""Teaching the bot in Telegram (issue 12 §3): /ubesvarede's buttons, and the watcher.

Offline (updates fed to `process_update`, no network): what an admin sees, a non-admin's press
refused, "ignore", "another entry…" with back and cancel, and "teach anyway". Over HTTP against
the Bot API stand-in: the whole loop (a question goes unanswered, an admin taps, the same and
a similar question are answered, the file gains only the taught lines and passes `check`), and
the watcher taking a change made by `klippekort-bot learn` while the bot runs. Every test
teaches a temporary copy of the knowledge base.
"""

from __future__ import annotations

import asyncio
import difflib
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.telegram.keyboards import MAX_CALLBACK_BYTES
from bot.assistant import Assistant
from bot.cli import main
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, load_knowledge
from bot.matcher import Outcome as Answered
from bot.questionlog import LoggedQuestion, QuestionLog, new_question_id
from bot.teaching import TeachingLog, learn
from tests.telegram_api_stub import TelegramApiStub
from tests.telegram_helpers import (
    JSON,
    OfflineBot,
    callback_update,
    message_update,
    offline_bot,
    ui,
)
from tests.test_telegram_admin import (  # noqa: F401 (sighup_guard: a fixture)
    ADMIN,
    ADMIN_ID,
    ask,
    bot_on,
    broken,
    buttons,
    press,
    sighup_guard,
)

asyncio_test = pytest.mark.asyncio(loop_scope="function")
OFFLINE_ADMIN = 7001
USER = 4242
# Unanswered (the matcher knows no entry for it); it belongs to interface_costs.
PRICE = "Hvor dyr er en ESDH integration?"
SIMILAR = "Hvor dyr bliver en integration til ESDH?"
# Only suggested; closer to interface_costs than to any other entry.
ESDH = ("Hvad koster en ESDH snitflade?", "hvad koster ESDH snitfladen")
FOOTBALL = "Hvem vandt VM i fodbold?"


def titles(entry_id: str, language: str = "da") -> str:
    return load_knowledge(DEFAULT_KNOWLEDGE_PATH).entries[entry_id].title[language]


def fill_log(path: Path, questions: dict[str, str]) -> None:
    """Questions as the bot logs them, asked just now: text -> outcome."""
    log = QuestionLog(path)
    for text, outcome in questions.items():
        log.record(
            LoggedQuestion(new_question_id(), time.time(), "da", "private", text, outcome, None, 0)
        )
    assert log.flush()
    log.close()


def added_lines(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if any line was removed or changed."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert not [line for line in diff if line.startswith("- ")], "a line was removed or changed"
    return [line[2:] for line in diff if line.startswith("+ ")]


@asynccontextmanager
async def teaching_bot(
    tmp_path: Path, kb: Path, asked: dict[str, str] | None = None
) -> AsyncIterator[OfflineBot]:
    """An offline bot on the copy `kb`, with an admin, a question log of `asked` (question:
    outcome; by default the ESDH group and two unanswered questions) and an audit."""
    log = tmp_path / "questions.sqlite3"
    if asked is None:
        asked = {**dict.fromkeys(ESDH, "suggested"), PRICE: "unknown", FOOTBALL: "unknown"}
    fill_log(log, asked)
    async with offline_bot(
        Assistant(load_knowledge(kb)),
        admin_user_ids=frozenset({OFFLINE_ADMIN}),
        question_log=log,
        teaching_db=tmp_path / "teaching.sqlite3",
        knowledge_path=kb,
    ) as bot:
        yield bot


def sent(calls: list[tuple[str, JSON]], method: str = "sendMessage") -> list[JSON]:
    return [parameters for name, parameters in calls if name == method]


def keyboard(parameters: JSON) -> list[tuple[str, str]]:
    markup = parameters.get("reply_markup") or {}
    return [
        (button["text"], button["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


async def group_message(bot: OfflineBot, wording: str, user: int = OFFLINE_ADMIN) -> JSON:
    """The message /ubesvarede sends for the group holding `wording`."""
    messages = sent(await bot.say("/ubesvarede", user))
    assert messages[0]["text"] == ui("unanswered_heading", days=30)
    found = [m for m in messages[1:] if wording in m["text"]]
    assert len(found) == 1, [m["text"] for m in messages]
    return found[0]


def group_id_of(message: JSON) -> str:
    ids = {data.split("|")[3] for _, data in keyboard(message)}
    assert len(ids) == 1
    return ids.pop()


def audit_of(tmp_path: Path) -> list[tuple[str, str, str | None]]:
    history = TeachingLog(tmp_path / "teaching.sqlite3").history()
    return [(record.who, record.action, record.entry_id) for record in history]


# -- offline: what an admin sees, and each button ------------------------------------------------


@asyncio_test
async def test_each_group_comes_with_its_likely_entries_another_entry_and_ignore(
    tmp_path: Path, kb: Path
) -> None:
    async with teaching_bot(tmp_path, kb) as bot:
        message = await group_message(bot, ESDH[0])
        group = group_id_of(message)
        assert message["text"].splitlines()[0] in (f"2 × {ESDH[0]}", f"2 × {ESDH[1]}")
        assert message["text"].endswith(ui("teach_question"))
        shown = keyboard(message)
        assert shown[0] == (titles("interface_costs"), f"t|interface_costs|da|{group}")
        assert shown[-2:] == [
            (ui("teach_other"), f"o|-|da|{group}"),
            (ui("teach_ignore"), f"i|-|da|{group}"),
        ]
        # In English for an admin whose app is in English: titles too.
        english = sent(
            await bot.feed(message_update("/unanswered", OFFLINE_ADMIN, language_code="en"))
        )
        assert english[0]["text"] == ui("unanswered_heading", "en", days=30)
        esdh = next(m for m in english if ESDH[0] in m["text"])
        assert keyboard(esdh)[0] == (
            titles("interface_costs", "en"),
            f"t|interface_costs|en|{group}",
        )
        assert esdh["text"].endswith(ui("teach_question", "en"))
        every = [data for m in english[1:] for _, data in keyboard(m)]
        assert every
        assert all(len(data.encode()) <= MAX_CALLBACK_BYTES for data in every)


@asyncio_test
async def test_a_non_admin_pressing_a_teaching_button_is_refused_and_nothing_changes(
    tmp_path: Path, kb: Path
) -> None:
    before = kb.read_bytes()
    async with teaching_bot(tmp_path, kb) as bot:
        group = group_id_of(await group_message(bot, PRICE))
        for data in (
            f"t|interface_costs|da|{group}",
            f"f|interface_costs|da|{group}",
            f"i|-|da|{group}",
            f"o|-|da|{group}",
            f"b|-|da|{group}",
            f"c|-|da|{group}",
        ):
            calls = await bot.feed(callback_update(data, USER))
            assert [a["text"] for a in sent(calls, "answerCallbackQuery")] == [
                ui("teach_admins_only")
            ], data
            assert [name for name, _ in calls] == ["answerCallbackQuery"], data
        assert kb.read_bytes() == before
        assert audit_of(tmp_path) == []
        # The group is still there for the admin.
        assert group_id_of(await group_message(bot, PRICE)) == group


@asyncio_test
async def test_ignore_dismisses_the_group_in_the_admins_name(tmp_path: Path, kb: Path) -> None:
    before = kb.read_bytes()
    async with teaching_bot(tmp_path, kb) as bot:
        group = group_id_of(await group_message(bot, FOOTBALL))
        calls = await bot.feed(callback_update(f"i|-|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        assert edit["text"] == f"1 × {FOOTBALL}\n\n{ui('teach_ignored')}"
        assert keyboard(edit) == []
        assert audit_of(tmp_path) == [(str(OFFLINE_ADMIN), "dismiss", None)]
        listed = sent(await bot.say("/ubesvarede", OFFLINE_ADMIN))
        assert not [m for m in listed if FOOTBALL in m["text"]]
        assert [m for m in listed if PRICE in m["text"]]  # the others stay
        # Pressed again (an old message): the group is gone, and says so.
        again = await bot.feed(callback_update(f"i|-|da|{group}", OFFLINE_ADMIN))
        assert [e["text"] for e in sent(again, "editMessageText")] == [ui("teach_gone")]
    assert kb.read_bytes() == before


@asyncio_test
async def test_another_entry_lists_every_entry_with_back_and_cancel(
    tmp_path: Path, kb: Path
) -> None:
    knowledge = load_knowledge(kb)
    before = kb.read_bytes()
    async with teaching_bot(tmp_path, kb) as bot:
        message = await group_message(bot, PRICE)
        group = group_id_of(message)
        calls = await bot.feed(callback_update(f"o|-|da|{group}", OFFLINE_ADMIN))
        [markup] = sent(calls, "editMessageReplyMarkup")
        listed = keyboard(markup)
        assert listed[:-2] == [
            (entry.title["da"], f"t|{entry.id}|da|{group}") for entry in knowledge.entries.values()
        ]
        assert len(listed) - 2 == len(knowledge.entries) == 21
        assert listed[-2:] == [
            (ui("teach_back"), f"b|-|da|{group}"),
            (ui("teach_cancel"), f"c|-|da|{group}"),
        ]
        assert all(len(data.encode()) <= MAX_CALLBACK_BYTES for _, data in listed)

        # Back: the group as /ubesvarede showed it.
        calls = await bot.feed(callback_update(f"b|-|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        assert edit["text"] == message["text"]
        assert keyboard(edit) == keyboard(message)

        # Cancel: the buttons go, nothing changes.
        calls = await bot.feed(callback_update(f"c|-|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        assert edit["text"].endswith(ui("teach_cancelled"))
        assert keyboard(edit) == []
        assert kb.read_bytes() == before
        assert audit_of(tmp_path) == []

        # An entry picked from the whole list is taught like a likely one.
        calls = await bot.feed(callback_update(f"t|interface_costs|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        done = ui("teach_done", count=1, entry=titles("interface_costs"))
        assert f"{done}\n{ui('teach_live')}" in edit["text"]
        assert added_lines(before.decode(), kb.read_text(encoding="utf-8")) == [
            f'        - "{PRICE}"'
        ]


@asyncio_test
async def test_a_group_closer_to_another_entry_is_refused_then_taught_anyway(
    tmp_path: Path, kb: Path
) -> None:
    before = kb.read_text(encoding="utf-8")
    async with teaching_bot(tmp_path, kb) as bot:
        group = group_id_of(await group_message(bot, ESDH[0]))
        calls = await bot.feed(callback_update(f"t|contact|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        text = edit["text"]
        costs, contact = titles("interface_costs"), titles("contact")
        for wording in ESDH:
            assert f"»{wording}« ligger tættere på »{costs}« (score " in text
        assert f"end på »{contact}« (score 0) og blev ikke lært." in text
        assert text.endswith(ui("teach_anyway_hint", entry=contact))
        assert keyboard(edit) == [
            (ui("teach_anyway"), f"f|contact|da|{group}"),
            (ui("teach_back"), f"b|-|da|{group}"),
            (ui("teach_cancel"), f"c|-|da|{group}"),
        ]
        assert kb.read_text(encoding="utf-8") == before
        assert audit_of(tmp_path) == []

        calls = await bot.feed(callback_update(f"f|contact|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        assert ui("teach_done", count=2, entry=contact) in edit["text"]
        assert keyboard(edit) == []
        added = added_lines(before, kb.read_text(encoding="utf-8"))
        assert sorted(added) == sorted(f'        - "{wording}"' for wording in ESDH)
        assert set(ESDH) <= set(load_knowledge(kb).entries["contact"].phrasings["da"])
        assert audit_of(tmp_path) == [(str(OFFLINE_ADMIN), "learn", "contact")] * 2
        # The running bot took the new file: the taught wording is now the contact entry's.
        assert bot.services.knowledge.assistant.reply(ESDH[0], "da").entry_id == "contact"


@asyncio_test
async def test_a_group_the_entry_knows_already_changes_nothing(tmp_path: Path, kb: Path) -> None:
    before = kb.read_bytes()
    async with teaching_bot(tmp_path, kb, {"Hvor mange timer er der tilbage?": "suggested"}) as bot:
        group = group_id_of(await group_message(bot, "Hvor mange timer er der tilbage?"))
        calls = await bot.feed(callback_update(f"t|remaining_hours|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        assert edit["text"].endswith(ui("teach_known", entry=titles("remaining_hours")))
    assert kb.read_bytes() == before


@asyncio_test
async def test_a_wording_that_cannot_be_a_phrasing_is_shown_harmless_and_left_out(
    tmp_path: Path, kb: Path
) -> None:
    hostile = "hvad koster\x00 ESDH snitfladen \u202eforkert"
    before = kb.read_text(encoding="utf-8")
    async with teaching_bot(tmp_path, kb, {ESDH[0]: "suggested", hostile: "suggested"}) as bot:
        group = group_id_of(await group_message(bot, ESDH[0]))
        calls = await bot.feed(callback_update(f"t|interface_costs|da|{group}", OFFLINE_ADMIN))
        [edit] = sent(calls, "editMessageText")
        shown = ui(
            "teach_unusable",
            question="hvad koster\u2400 ESDH snitfladen <U+202E>forkert",
            reason="it holds control characters",
        )
        assert shown in edit["text"].replace("&lt;", "<").replace("&gt;", ">")
        assert "\x00" not in edit["text"]
        assert "\u202e" not in edit["text"]
        assert ui("teach_done", count=1, entry=titles("interface_costs")) in edit["text"]
    assert added_lines(before, kb.read_text(encoding="utf-8")) == [f'        - "{ESDH[0]}"']


# -- over HTTP: the whole loop ------------------------------------------------------------------


@asyncio_test
async def test_a_question_taught_by_one_tap_is_answered_from_then_on(
    telegram_stub: TelegramApiStub, tmp_path: Path, kb: Path
) -> None:
    original = kb.read_text(encoding="utf-8")
    audit = tmp_path / "teaching.sqlite3"
    async with bot_on(
        telegram_stub,
        kb,
        admin_user_ids=frozenset({ADMIN_ID}),
        question_log=tmp_path / "questions.sqlite3",
        teaching_db=audit,
    ) as bot:
        costs = titles("interface_costs")
        # A question goes unanswered.
        assert bot.services.knowledge.assistant.reply(PRICE, "da").outcome is Answered.UNKNOWN
        unanswered = await ask(bot, PRICE)
        assert unanswered[0]["plain_text"].startswith(ui("unknown").split(",")[0])
        assert bot.services.knowledge.assistant.reply(SIMILAR, "da").outcome is not (
            Answered.ANSWERED
        )

        # The admin asks what went unanswered and taps the entry.
        listed = await ask(bot, "/ubesvarede", **ADMIN)
        assert listed[0]["plain_text"] == ui("unanswered_heading", days=30)
        [group] = [m for m in listed[1:] if PRICE in m["plain_text"]]
        [tap] = [data for label, data in buttons(group) if label == costs]
        assert tap.startswith("t|interface_costs|da|")
        changes = await press(bot, tap, group["message"], **ADMIN)
        [edit] = [c for c in changes if c["method"] == "editMessageText"]
        assert edit["message"]["message_id"] == group["message"]["message_id"]
        assert edit["plain_text"].startswith(f"1 × {PRICE}\n\n")
        assert ui("teach_done", count=1, entry=costs) in edit["plain_text"]
        assert ui("teach_live") in edit["plain_text"]
        assert buttons(edit) == []

        # The same question and a similar one (never asked, never taught) are answered with
        # that entry.
        for question in (PRICE, SIMILAR):
            answer = await ask(bot, question)
            assert answer[0]["plain_text"].startswith(costs), question
            assert bot.services.knowledge.assistant.reply(question, "da").outcome is (
                Answered.ANSWERED
            )

    # The knowledge file gained the taught lines only, and passes check.
    taught = kb.read_text(encoding="utf-8")
    assert added_lines(original, taught) == [f'        - "{PRICE}"']
    assert yaml.load(taught, Loader=yaml.SafeLoader) == yaml.load(
        taught, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    assert main(["check", str(kb)]) == 0
    history = TeachingLog(audit).history()
    assert {(r.who, r.action, r.entry_id) for r in history} == {
        (str(ADMIN_ID), "learn", "interface_costs")
    }


# -- the watcher, started with the bot ----------------------------------------------------------


@asyncio_test
@pytest.mark.usefixtures("sighup_guard")
async def test_the_running_bot_takes_a_change_by_itself_and_keeps_the_old_on_a_bad_one(
    telegram_stub: TelegramApiStub, kb: Path
) -> None:
    async with bot_on(
        telegram_stub, kb, admin_user_ids=frozenset({ADMIN_ID}), knowledge_watch_seconds=1
    ) as bot:
        application = bot.application
        services = bot.services
        assert application.post_init is not None
        try:
            await application.post_init(application)  # as run_polling does: the watch starts
        finally:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        watcher = services.watcher
        assert watcher is not None
        assert watcher.path == kb
        assert watcher.every == 1
        costs = titles("interface_costs")
        original = services.knowledge.assistant
        assert not (await ask(bot, PRICE))[0]["plain_text"].startswith(costs)

        # `klippekort-bot learn` (the core it runs) while the bot runs: no /reload, no restart.
        assert learn(kb, PRICE, "interface_costs", "da").changed
        await _wait_until(lambda: services.knowledge.assistant is not original)
        assert (await ask(bot, PRICE))[0]["plain_text"].startswith(costs)
        assert telegram_stub.sent_to(ADMIN_ID) == []  # a good change bothers nobody

        # A change that fails: the admins are told, as with /reload, and the old one stays.
        current = services.knowledge.assistant
        problem = broken(kb)
        told = await telegram_stub.wait_for(lambda _: bool(telegram_stub.sent_to(ADMIN_ID)))
        assert told
        [notice] = telegram_stub.sent_to(ADMIN_ID)
        assert notice["plain_text"].startswith(ui("not_reloaded"))
        assert problem in notice["plain_text"].splitlines()
        assert services.knowledge.assistant is current
        assert (await ask(bot, PRICE))[0]["plain_text"].startswith(costs)
    # Stopped with the bot.
    assert services.tasks == []


@asyncio_test
async def test_what_reload_loaded_is_not_loaded_or_reported_again_by_the_watcher(
    telegram_stub: TelegramApiStub, kb: Path
) -> None:
    async with bot_on(telegram_stub, kb, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        watcher = bot.services.watcher
        assert watcher is not None
        original = bot.services.knowledge.assistant
        broken(kb)
        told = await ask(bot, "/reload", **ADMIN)
        assert [m["plain_text"].splitlines()[0] for m in told] == [ui("not_reloaded")]
        assert await watcher.poll() is None  # the same broken file: not tried, not told again
        assert telegram_stub.sent_to(ADMIN_ID) == told
        assert bot.services.knowledge.assistant is original
        # A change after the /reload is still taken.
        kb.write_text(DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
        assert await watcher.poll() is True
        assert bot.services.knowledge.assistant is not original


async def _wait_until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the watcher did not take the change"
        await asyncio.sleep(0.05)
