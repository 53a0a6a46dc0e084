"""The Telegram handlers fed updates directly: `Update.de_json(...)` to `process_update`, the
bot's calls recorded by `RecordingRequest` (tests/telegram_helpers.py), no network at all.

What the state store keeps (language, follow-up contexts, handled updates) and /glem, /sprog
typed and by button, buttons routed by their action, admin commands behind their filter, and
the question limiter's memory.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.adapters.telegram.keyboards import Action, Callback
from bot.adapters.telegram.limits import QuestionLimiter
from bot.state import ChatUser, MemoryStateStore
from bot.state_factory import open_state_store
from tests.telegram_helpers import (
    BOT_USERNAME,
    JSON,
    callback_update,
    message_update,
    offline_bot,
    shipped_knowledge,
    ui,
)

asyncio_test = pytest.mark.asyncio(loop_scope="function")
ADAPTERS = Path(__file__).resolve().parent.parent / "bot" / "adapters"
USER = 4242
OTHER = 4343
GROUP = -100_123


def sent_texts(calls: list[tuple[str, JSON]]) -> list[str]:
    return [str(p.get("text", "")) for name, p in calls if name == "sendMessage"]


def callback_answers(calls: list[tuple[str, JSON]]) -> list[JSON]:
    return [p for name, p in calls if name == "answerCallbackQuery"]


# -- language: typed, by button, kept in the store ------------------------------------------------


@asyncio_test
@pytest.mark.parametrize(
    ("typed", "kept", "notice"),
    [
        ("/sprog en", "en", ("language_en", "en")),
        ("/sprog da", "da", ("language_da", "da")),
        ("/language english", "en", ("language_en", "en")),
        ("/sprog dansk", "da", ("language_da", "da")),
    ],
)
async def test_a_typed_language_choice_is_kept_in_the_store(
    typed: str, kept: str, notice: tuple[str, str]
) -> None:
    store = MemoryStateStore()
    async with offline_bot(store=store) as bot:
        calls = await bot.say(typed, USER)
        assert sent_texts(calls) == [ui(*notice)]
        assert await store.language(USER) == kept


@asyncio_test
async def test_the_chosen_language_decides_later_answers_until_auto() -> None:
    store = MemoryStateStore()
    async with offline_bot(store=store) as bot:
        await bot.say("/sprog en", USER)
        english = sent_texts(await bot.say("Hvor mange timer er der tilbage?", USER))
        assert english[0].startswith("<b>Hours remaining</b>")
        calls = await bot.say("/sprog auto", USER)
        assert sent_texts(calls) == [ui("language_auto", "en")]
        assert await store.language(USER) is None
        danish = sent_texts(await bot.say("Hvor mange timer er der tilbage?", USER))
        assert danish[0].startswith("<b>Timer tilbage</b>")


@asyncio_test
async def test_a_bare_language_command_offers_buttons_that_choose() -> None:
    store = MemoryStateStore()
    async with offline_bot(store=store) as bot:
        calls = await bot.say("/sprog", USER)
        [offer] = [p for name, p in calls if name == "sendMessage"]
        assert offer["text"] == ui("choose_language", "da")
        rows = offer["reply_markup"]["inline_keyboard"]
        assert [row[0]["callback_data"] for row in rows] == ["l|da|da", "l|en|da", "l|auto|da"]
        assert [row[0]["text"] for row in rows] == [
            ui("language_button_da"),
            ui("language_button_en"),
            ui("language_button_auto"),
        ]
        calls = await bot.feed(callback_update("l|en|da", USER))
        assert await store.language(USER) == "en"
        edits = [p for name, p in calls if name == "editMessageText"]
        assert [e["text"] for e in edits] == [ui("language_en", "en")]


@asyncio_test
async def test_a_language_choice_follows_the_user_into_every_chat() -> None:
    async with offline_bot() as bot:
        await bot.say("/sprog en", USER)
        calls = await bot.say(f"@{BOT_USERNAME} Hvor mange timer er der tilbage?", USER, GROUP)
        assert sent_texts(calls)[0].startswith("<b>Hours remaining</b>")


# -- follow-up contexts, per person and chat ------------------------------------------------------


@asyncio_test
async def test_a_follow_up_continues_the_askers_own_question_through_the_store() -> None:
    store = MemoryStateStore()
    async with offline_bot(store=store) as bot:
        await bot.say("Hvor mange timer blev brugt i 2014?", USER)
        context = await store.context(ChatUser(USER, USER))
        assert context is not None
        assert context.entry_id == "usage"
        follow_up = sent_texts(await bot.say("og året efter?", USER))
        assert "I 2015 blev der brugt" in follow_up[0]
        # Someone else's "og året efter?" has no context of theirs to continue.
        other = sent_texts(await bot.say("og året efter?", OTHER))
        assert "2015" not in other[0]


@asyncio_test
async def test_two_people_in_a_group_do_not_continue_each_others_questions() -> None:
    store = MemoryStateStore()
    async with offline_bot(store=store) as bot:
        await bot.say(f"@{BOT_USERNAME} Hvor mange timer blev brugt i 2014?", USER, GROUP)
        assert await store.context(ChatUser(GROUP, USER)) is not None
        assert await store.context(ChatUser(GROUP, OTHER)) is None
        assert await store.context(ChatUser(USER, USER)) is None  # not the private chat either


@asyncio_test
async def test_a_question_the_bot_cannot_place_ends_the_context() -> None:
    store = MemoryStateStore()
    async with offline_bot(store=store) as bot:
        await bot.say("Hvor mange timer blev brugt i 2014?", USER)
        await bot.say("Hvem vandt VM i fodbold?", USER)
        assert await store.context(ChatUser(USER, USER)) is None


# -- /glem -----------------------------------------------------------------------------------------


@asyncio_test
@pytest.mark.parametrize(("command", "language"), [("/glem", "da"), ("/forget", "en")])
async def test_forget_deletes_everything_kept_about_the_user_and_says_so(
    command: str, language: str
) -> None:
    store = MemoryStateStore()
    async with offline_bot(store=store) as bot:
        await bot.say("/sprog en", USER)
        await bot.say("Hvor mange timer blev brugt i 2014?", USER)
        await bot.say(f"@{BOT_USERNAME} Hvor mange timer blev brugt i 2014?", USER, GROUP)
        await bot.say("Hvor mange timer blev brugt i 2014?", OTHER)
        calls = await bot.say(command, USER)
        # Said in the language chosen before, the last thing the choice is used for.
        assert sent_texts(calls) == [ui("forgotten", "en")]
        assert await store.language(USER) is None
        assert await store.context(ChatUser(USER, USER)) is None
        assert await store.context(ChatUser(GROUP, USER)) is None
        assert await store.context(ChatUser(OTHER, OTHER)) is not None  # nobody else's
        calls = await bot.say(command, USER)
        assert sent_texts(calls) == [ui("forgotten", language)]


@asyncio_test
async def test_state_kept_in_sqlite_outlives_a_restart_until_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = open_state_store(None, path)
    async with offline_bot(store=store) as bot:
        await bot.application.post_init(bot.application)  # type: ignore[misc]
        await bot.say("/sprog en", USER)
    again = open_state_store(None, path)
    async with offline_bot(store=again) as bot:
        await bot.application.post_init(bot.application)  # type: ignore[misc]
        answer = sent_texts(await bot.say("Hvor mange timer er der tilbage?", USER))
        assert answer[0].startswith("<b>Hours remaining</b>")
        await bot.say("/glem", USER)
        assert await again.language(USER) is None


# -- each update once ------------------------------------------------------------------------------


@asyncio_test
async def test_an_update_delivered_twice_is_answered_once() -> None:
    async with offline_bot() as bot:
        update = message_update("Hvor mange timer er der tilbage?", USER)
        update["update_id"] = 5000
        first = await bot.feed(dict(update))
        assert len(sent_texts(first)) == 1
        assert await bot.feed(dict(update)) == []


@asyncio_test
async def test_an_update_claimed_by_another_replica_is_left_to_it() -> None:
    store = MemoryStateStore()
    assert await store.claim_update(6000)
    async with offline_bot(store=store) as bot:
        update = message_update("Hvor mange timer er der tilbage?", USER)
        update["update_id"] = 6000
        assert await bot.feed(update) == []


# -- buttons, routed by action ---------------------------------------------------------------------


@pytest.mark.parametrize("action", list(Action))
def test_each_action_pattern_takes_its_own_buttons_only(action: Action) -> None:
    data = Callback(action, "usage", "da", "q1").encode()
    assert Callback.decode(data) == Callback(action, "usage", "da", "q1")
    assert [a for a in Action if a.pattern.match(data)] == [action]


@pytest.mark.parametrize("data", ["", "x|usage|da", "a|usage", "a|usage|dansk", "a|b|da|c|d", None])
def test_data_no_button_makes_is_refused(data: str | None) -> None:
    assert Callback.decode(data) is None


@asyncio_test
@pytest.mark.parametrize(
    "data",
    ["x|usage|da", "a|usage|fr", "a|no_such_entry|da", "u|-|da", "n|-|da", "l|fr|da", "junk"],
)
async def test_a_button_that_no_longer_works_gets_the_short_notice(data: str) -> None:
    async with offline_bot() as bot:
        calls = await bot.feed(callback_update(data, USER))
        assert [a.get("text") for a in callback_answers(calls)] == [ui("stale", "da")]
        assert sent_texts(calls) == []


@asyncio_test
async def test_a_related_topic_button_answers_in_a_new_message() -> None:
    async with offline_bot() as bot:
        calls = await bot.feed(callback_update("a|contact|da", USER))
        [answered] = callback_answers(calls)
        assert "text" not in answered  # just stops the spinner
        assert sent_texts(calls)[0].startswith("<b>Kontakt</b>")


@asyncio_test
async def test_feedback_counts_once_per_question() -> None:
    async with offline_bot() as bot:
        first = await bot.feed(callback_update("u|-|da|q123", USER))
        again = await bot.feed(callback_update("d|-|da|q123", USER))
        assert [a["text"] for a in callback_answers(first)] == [ui("feedback_thanks")]
        assert [a["text"] for a in callback_answers(again)] == [ui("feedback_again")]


# -- admin commands behind their filter ------------------------------------------------------------


@asyncio_test
async def test_admin_commands_answer_admins_in_private_only() -> None:
    admin_id = 7001
    async with offline_bot(admin_user_ids=frozenset({admin_id})) as bot:
        assert sent_texts(await bot.say("/stats", admin_id)) == [ui("log_off", "da")]
        assert sent_texts(await bot.say("/stats", USER)) == [ui("unknown_command", "da")]
        # In a group even an admin's report would show what people asked.
        in_group = await bot.say(f"/stats@{BOT_USERNAME}", admin_id, GROUP)
        assert sent_texts(in_group) == [ui("unknown_command", "da")]


@asyncio_test
async def test_without_admins_nobody_gets_the_admin_commands() -> None:
    async with offline_bot() as bot:
        for command in ("/stats", "/ubesvarede", "/reload"):
            assert sent_texts(await bot.say(command, USER)) == [ui("unknown_command", "da")]


# -- the question limiter --------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_allows_so_many_a_minute_and_warns_once() -> None:
    clock = Clock()
    limiter = QuestionLimiter(3, clock)
    assert [limiter.allow(USER) for _ in range(5)] == [
        (True, False),
        (True, False),
        (True, False),
        (False, True),
        (False, False),
    ]
    clock.now += 60
    assert limiter.allow(USER) == (True, False)


def test_the_limiter_forgets_users_idle_for_a_minute() -> None:
    clock = Clock()
    limiter = QuestionLimiter(2, clock)
    for user in range(1000):
        for _ in range(3):  # over the limit: warned too
            limiter.allow(user)
    assert len(limiter) == 1000
    clock.now += 30
    limiter.allow(USER)
    assert len(limiter) == 1001  # not a minute yet: everyone still counts
    clock.now += 31
    limiter.allow(OTHER)
    assert len(limiter) == 2  # the one who asked 31 s ago, and the one asking now
    assert set(limiter.asked) == {USER, OTHER}
    assert limiter.warned == {}


@asyncio_test
async def test_a_user_over_the_limit_is_told_once() -> None:
    async with offline_bot(user_questions_per_minute=2) as bot:
        answers = [
            sent_texts(await bot.say("Hvor mange timer er der tilbage?", USER)) for _ in range(4)
        ]
        assert [len(a) for a in answers[:2]] == [1, 1]
        assert answers[2] == [ui("too_many", "da")]
        assert answers[3] == []


# -- every word the adapters say is in the knowledge base ------------------------------------------


def text_keys_read(path: Path) -> set[str]:
    """The literal first arguments of every `.text(...)` call in a module."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "text"
            and node.args
        ):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                keys.add(first.value)
            elif isinstance(first, ast.JoinedStr):
                prefix = first.values[0]
                assert isinstance(prefix, ast.Constant)
                keys |= {k for k in shipped_knowledge().ui if k.startswith(str(prefix.value))}
    return keys


def test_every_text_the_adapters_read_is_in_the_ui_section() -> None:
    modules = sorted(ADAPTERS.rglob("*.py"))
    read = set().union(*(text_keys_read(path) for path in modules))
    assert {"too_many", "forgotten", "console_greeting", "language_da", "reloaded"} <= read
    assert read <= set(shipped_knowledge().ui)


def test_no_adapter_module_keeps_texts_of_its_own() -> None:
    # A Danish letter in a string literal is a text that belongs in the knowledge base.
    danish = re.compile("[æøåÆØÅ]")
    for path in sorted(ADAPTERS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                is_docstring_like = "\n" in node.value or len(node.value) > 120
                assert is_docstring_like or not danish.search(node.value), (path, node.value)
