"""Tests for the local Telegram Bot API stand-in, driven by python-telegram-bot itself."""

from __future__ import annotations

import asyncio
import html
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.telegram_api_stub import (
    DEFAULT_USER_ID,
    SECRET_HEADER,
    HtmlParseError,
    TelegramApiStub,
    parse_html,
    utf16_len,
)

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest_asyncio.fixture
async def stub() -> AsyncIterator[TelegramApiStub]:
    async with TelegramApiStub() as api:
        yield api


@pytest_asyncio.fixture
async def bot(stub: TelegramApiStub) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(stub.token, base_url=stub.base_url) as tg_bot:
        yield tg_bot


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --------------------------------------------------------------------------- basics


async def test_get_me(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "klippekort_bot"
    assert me.first_name == "Klippekort-bot"
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is True
    assert me.id == stub.bot_user["id"]
    assert [name for name, _ in stub.calls].count("getMe") == 2  # initialize() + explicit


async def test_wrong_token_is_unauthorized(stub: TelegramApiStub) -> None:
    wrong = telegram.Bot("7000000001:wrong-token", base_url=stub.base_url)
    with pytest.raises(InvalidToken):
        async with wrong:  # __aenter__ shuts the HTTP clients down again on failure
            pass
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{stub.base_url}123:nope/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert stub.calls == []


async def test_unknown_method_answers_400_not_404(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    with pytest.raises(BadRequest, match=r"(?i)method not found"):
        await bot.do_api_request("fooBarBaz")
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{stub.api_url}/fooBarBaz")
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: method not found"


async def test_json_form_and_query_bodies(stub: TelegramApiStub) -> None:
    stub.push_message("hej")
    async with httpx.AsyncClient() as client:
        as_json = await client.post(
            f"{stub.api_url}/sendMessage",
            json={
                "chat_id": DEFAULT_USER_ID,
                "text": "json",
                "reply_markup": json.dumps(
                    {"inline_keyboard": [[{"text": "a", "url": "https://a.dk"}]]}
                ),
            },
        )
        as_form = await client.post(
            f"{stub.api_url}/sendMessage",
            data={
                "chat_id": str(DEFAULT_USER_ID),
                "text": "123",
                "reply_parameters": '{"message_id": 1}',
            },
        )
        as_query = await client.get(
            f"{stub.api_url}/sendMessage", params={"chat_id": DEFAULT_USER_ID, "text": "get"}
        )
    assert [r.status_code for r in (as_json, as_form, as_query)] == [200, 200, 200]
    first, second, third = stub.sent
    assert first["reply_markup"] == {"inline_keyboard": [[{"text": "a", "url": "https://a.dk"}]]}
    assert first["chat_id"] == DEFAULT_USER_ID
    assert second["text"] == "123"  # strings are never JSON-decoded
    assert second["reply_to_message_id"] == 1
    assert as_form.json()["result"]["reply_to_message"]["text"] == "hej"
    assert third["text"] == "get"
    assert len({m["message_id"] for m in stub.sent}) == 3


# --------------------------------------------------------------------------- sendMessage


async def test_send_message_html_is_recorded(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    update = stub.push_message("/start")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    text = '<b>Hej</b> &amp; <a href="https://kl.dk">KL</a> 😀 <i>klip</i>'
    message = await bot.send_message(
        DEFAULT_USER_ID,
        text,
        parse_mode="HTML",
        reply_markup=markup,
        reply_to_message_id=update["message"]["message_id"],
    )
    assert message.text == "Hej & KL 😀 klip"
    assert message.text_html == text
    assert message.reply_to_message is not None
    assert message.reply_to_message.text == "/start"
    assert message.reply_markup == markup
    assert message.message_id == update["message"]["message_id"] + 1
    [record] = stub.sent
    assert record["method"] == "sendMessage"
    assert record["chat_id"] == DEFAULT_USER_ID
    assert record["text"] == text
    assert record["plain_text"] == "Hej & KL 😀 klip"
    assert record["parse_mode"] == "HTML"
    assert record["reply_markup"] == markup.to_dict()
    assert record["reply_parameters"] == {"message_id": update["message"]["message_id"]}
    assert record["reply_to_message_id"] == update["message"]["message_id"]
    assert record["message_id"] == message.message_id


@pytest.mark.parametrize(
    "bad",
    [
        "<b>unclosed",
        "<b>x</i>",
        "<div>x</div>",
        "1 < 2",
        "Q&A",
        "a&nbsp;b",
        "<span>x</span>",
        "</b>",
        '<a href="x>x</a>',
        "<b",
    ],
)
async def test_malformed_html_is_refused(
    bot: telegram.Bot, stub: TelegramApiStub, bad: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, bad, parse_mode="HTML")
    assert stub.sent == []


@pytest.mark.parametrize(
    "good",
    [
        '<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler>',
        '<pre><code class="language-python">x = 1</code></pre>',
        "<strong>a</strong><em>b</em><ins>c</ins><s>d</s><strike>e</strike><del>f</del><u>g</u>",
        "<blockquote expandable>long</blockquote><blockquote>q</blockquote>",
        html.escape('it\'s <1> & "2"'),
        "a > b &#128512; &#x1F600;",
        "<B>upper-case tags</B>",
        "<code>x</code>",
    ],
)
async def test_wellformed_html_is_accepted(bot: telegram.Bot, good: str) -> None:
    message = await bot.send_message(1, good, parse_mode="HTML")
    assert message.text


async def test_html_without_parse_mode_is_plain(bot: telegram.Bot) -> None:
    message = await bot.send_message(1, "<b>not parsed & fine")
    assert message.text == "<b>not parsed & fine"
    assert not message.entities


async def test_html_entities_have_utf16_offsets() -> None:
    plain, entities = parse_html("😀 <b>fed</b> <pre><code class='language-py'>x</code></pre>")
    assert plain == "😀 fed x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "pre", "offset": 7, "length": 1, "language": "py"},
    ]


async def test_lenient_entities_mode(stub: TelegramApiStub) -> None:
    assert parse_html("Q&A &nbsp; &lt", strict_entities=False) == ("Q&A &nbsp; <", [])
    with pytest.raises(HtmlParseError, match="byte offset 1"):
        parse_html("Q&A")
    stub.strict_html_entities = False
    async with telegram.Bot(stub.token, base_url=stub.base_url) as tg_bot:
        message = await tg_bot.send_message(1, "<b>Q&A</b>", parse_mode="HTML")
    assert message.text == "Q&A"


async def test_message_length_limit(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    await bot.send_message(1, "x" * 4096)
    await bot.send_message(
        1, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML"
    )  # counted after parsing
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "😀" * 2049)  # 4098 UTF-16 code units
    assert len(stub.sent) == 2


async def test_empty_text_is_refused(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1, "  \n ")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1, "<b></b>", parse_mode="HTML")
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{stub.api_url}/sendMessage", data={"chat_id": "1"})
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: message text is empty"


async def test_button_and_reply_validation(bot: telegram.Bot) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "x", reply_markup=too_long)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(1, "x", reply_to_message_id=999)
    message = await bot.send_message(
        1, "x", reply_to_message_id=999, allow_sending_without_reply=True
    )
    assert message.reply_to_message is None


async def test_message_ids_are_unique_per_chat(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.push_message("hej", user_id=11)
    stub.push_message("hej", user_id=22)
    a = await bot.send_message(11, "a")
    b = await bot.send_message(11, "b")
    c = await bot.send_message(22, "c")
    assert (a.message_id, b.message_id, c.message_id) == (2, 3, 2)
    assert stub.sent_texts(11) == ["a", "b"]
    assert stub.message(22, 2) is not None


async def test_blocked_chat_is_forbidden(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.push_my_chat_member(new_status="kicked", user_id=77)
    with pytest.raises(telegram.error.Forbidden, match=r"(?i)blocked"):
        await bot.send_message(77, "hej")
    [update] = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"


# --------------------------------------------------------------------------- other methods


async def test_edit_and_delete(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(5, "før", reply_markup=markup)
    edited = await bot.edit_message_text("<b>efter</b>", 5, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, telegram.Message)
    assert edited.text == "efter"
    assert edited.reply_markup is None  # no reply_markup in an edit removes the keyboard
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>efter</b>", 5, sent.message_id, parse_mode="HTML")
    edited = await bot.edit_message_reply_markup(5, sent.message_id, reply_markup=markup)
    assert isinstance(edited, telegram.Message)
    assert edited.reply_markup == markup
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 5, 999)
    assert [m["method"] for m in stub.sent] == [
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    assert await bot.delete_message(5, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(5, sent.message_id)
    assert stub.deleted == [(5, sent.message_id)]


async def test_callback_inline_and_chat_action(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    sent = await bot.send_message(
        DEFAULT_USER_ID,
        "Vælg",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
    )
    stub.push_callback_query("a")
    stub.push_inline_query("klippekort")
    cb_update, inline_update = await bot.get_updates()
    query = cb_update.callback_query
    assert query is not None
    assert query.data == "a"
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("OK")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("twice")
    assert stub.callback_answers[0]["text"] == "OK"

    inline = inline_update.inline_query
    assert inline is not None
    result = telegram.InlineQueryResultArticle(
        "1", "Svar", telegram.InputTextMessageContent("<b>svar</b>", parse_mode="HTML")
    )
    assert await inline.answer([result])
    assert stub.inline_answers[0]["results"][0]["id"] == "1"

    assert await bot.send_chat_action(DEFAULT_USER_ID, "typing")
    assert stub.chat_actions == [(DEFAULT_USER_ID, "typing")]
    with pytest.raises(BadRequest):
        await bot.send_chat_action(DEFAULT_USER_ID, "dancing")


async def test_send_photo_upload_and_reuse(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    first = await bot.send_photo(1, data, caption="<i>kort</i>", parse_mode="HTML")
    again = await bot.send_photo(1, data)
    file_id = first.photo[-1].file_id
    assert again.photo[-1].file_id == file_id  # same content, same file_id
    reused = await bot.send_photo(2, file_id)
    assert reused.photo[-1].file_id == file_id
    assert first.caption == "kort"
    assert stub.files[file_id] == data
    assert [m["uploaded"] for m in stub.sent] == [True, True, False]
    assert stub.sent[0]["text"] == "<i>kort</i>"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(1, "no-such-file-id")


async def test_my_commands_per_scope_and_language(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    commands = [telegram.BotCommand("start", "Start"), telegram.BotCommand("hjaelp", "Hjælp")]
    group_scope = telegram.BotCommandScopeAllGroupChats()
    assert await bot.set_my_commands(commands, language_code="da")
    assert await bot.set_my_commands(commands[:1], scope=group_scope)
    assert await bot.get_my_commands(language_code="da") == tuple(commands)
    assert await bot.get_my_commands(scope=group_scope) == tuple(commands[:1])
    assert await bot.get_my_commands() == ()
    assert stub.get_commands(language_code="da")[1]["command"] == "hjaelp"
    assert await bot.delete_my_commands(language_code="da")
    assert await bot.get_my_commands(language_code="da") == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([telegram.BotCommand("Bad-Name", "x")])


async def test_close_and_log_out(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    assert await bot.close()
    assert await bot.log_out()
    assert [name for name, _ in stub.calls][-2:] == ["close", "logOut"]


# --------------------------------------------------------------------------- updates


async def test_get_updates_entities_utf16(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.push_message("/start")
    stub.push_message("/hjaelp@klippekort_bot mere tekst", chat_type="group")
    stub.push_message("😀 hej @klippekort_bot, hvad er et klip?", chat_type="supergroup")
    updates = await bot.get_updates()
    first, second, third = (u.message for u in updates)
    assert first is not None
    assert second is not None
    assert third is not None
    assert first.chat.type == "private"
    assert first.chat.id == DEFAULT_USER_ID
    assert first.from_user is not None
    assert first.from_user.language_code == "da"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [("bot_command", 0, 6)]
    assert second.chat.id < 0
    assert second.chat.title
    assert second.parse_entities(["bot_command"]).popitem()[1] == "/hjaelp@klippekort_bot"
    [mention] = third.entities
    assert (mention.type, mention.offset, mention.length) == ("mention", 7, 15)
    assert third.parse_entity(mention) == "@klippekort_bot"
    assert third.chat.type == "supergroup"
    assert utf16_len("😀 hej ") == 7


async def test_offset_confirms_updates(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    for i in range(3):
        stub.push_message(f"besked {i}")
    assert len(await bot.get_updates(limit=2)) == 2
    updates = await bot.get_updates()
    assert len(updates) == 3  # nothing confirmed yet
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert stub.pending_updates == []
    new = stub.push_message("ny")
    [only] = await bot.get_updates(offset=updates[0].update_id)  # old ones never come back
    assert only.update_id == new["update_id"]


async def test_long_poll_returns_when_update_arrives(
    bot: telegram.Bot, stub: TelegramApiStub
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    stub.push_message("hej")
    updates = await asyncio.wait_for(poll, 3)
    assert len(updates) == 1
    assert time.monotonic() - started < 2


async def test_long_poll_times_out_empty(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_newer_poll_ends_older_with_conflict(stub: TelegramApiStub) -> None:
    async with httpx.AsyncClient() as client:
        old = asyncio.create_task(
            client.post(f"{stub.api_url}/getUpdates", data={"timeout": "10"}, timeout=15)
        )
        await asyncio.sleep(0.2)
        new = await client.post(f"{stub.api_url}/getUpdates", data={"timeout": "0"})
        old_response = await asyncio.wait_for(old, 3)
    assert new.json() == {"ok": True, "result": []}
    assert old_response.status_code == 409


async def test_push_helpers_parse_in_ptb(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.push_photo("/start i billedtekst")
    stub.push_sticker()
    stub.push_channel_post("kanal")
    stub.push_message("rettet", edited=True)
    stub.push_message("gammel", date=1_600_000_000)
    stub.push_my_chat_member(new_status="administrator", old_status="left", chat_type="group")
    updates = await bot.get_updates()
    photo, sticker, channel, edited, old, member = updates
    assert photo.message is not None
    assert photo.message.photo
    assert photo.message.caption_entities
    assert sticker.message is not None
    assert sticker.message.sticker is not None
    assert channel.channel_post is not None
    assert channel.channel_post.sender_chat is not None
    assert edited.edited_message is not None
    assert edited.edited_message.edit_date is not None
    assert old.message is not None
    assert old.message.date.year == 2020
    assert member.my_chat_member is not None
    assert member.my_chat_member.new_chat_member.status == "administrator"
    assert len({u.update_id for u in updates}) == 6


async def test_delete_webhook_drop_pending(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.push_message("gammel")
    assert await bot.delete_webhook()
    assert stub.last_drop_pending_updates is False
    assert len(stub.pending_updates) == 1
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert stub.last_drop_pending_updates is True
    assert stub.pending_updates == []


async def test_wait_for_reports_what_was_sent(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    await bot.send_message(1, "første")
    assert len(await stub.wait_for(1, timeout=0.1)) == 1
    with pytest.raises(AssertionError, match="første"):
        await stub.wait_for(2, timeout=0.2)

    def mentions_klip(sent: list[dict[str, Any]]) -> bool:
        return any("klip" in (m["text"] or "") for m in sent)

    waiter = asyncio.create_task(stub.wait_for(mentions_klip, timeout=3))
    await asyncio.sleep(0.05)
    await bot.send_message(1, "et klip")
    assert len(await waiter) == 2


# --------------------------------------------------------------------------- failure injection


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_429_raises_retry_after(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.fail_next("sendMessage", "429", retry_after=3)
    with pytest.raises(RetryAfter, match="3 seconds"):
        await bot.send_message(1, "x")
    await bot.send_message(1, "x")
    assert stub.failures_served == 1
    assert len(stub.sent) == 1


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_fail_server_errors(bot: telegram.Bot, stub: TelegramApiStub, kind: str) -> None:
    stub.fail_next("sendMessage", kind, times=2)  # type: ignore[arg-type]
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(1, "x")
    await bot.send_message(1, "x")
    assert stub.failures_served == 2
    assert len(stub.sent) == 1
    async with httpx.AsyncClient() as client:
        stub.fail_next("getMe", kind)  # type: ignore[arg-type]
        response = await client.get(f"{stub.api_url}/getMe")
    assert response.status_code == int(kind)
    if kind == "502":
        assert response.headers["content-type"].startswith("text/html")
        assert "nginx" in response.text


async def test_fail_drop_then_retry_succeeds_once(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.fail_next("sendMessage", "drop")
    with pytest.raises((NetworkError, TimedOut)):
        await bot.send_message(1, "x")
    assert stub.sent == []
    assert len(stub.calls_of("sendMessage")) == 1  # the request did arrive
    await bot.send_message(1, "x")
    assert len(stub.sent) == 1
    assert stub.failures_served == 1


async def test_fail_any_method_and_getupdates(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    stub.fail_next("*", "500")
    with pytest.raises(NetworkError):
        await bot.get_me()
    stub.fail_next("getUpdates", "drop")
    stub.push_message("hej")
    with pytest.raises(NetworkError):
        await bot.get_updates()
    assert len(await bot.get_updates()) == 1  # nothing lost
    assert stub.failures_served == 2


# --------------------------------------------------------------------------- webhook


async def test_webhook_delivery_with_secret(bot: telegram.Bot, stub: TelegramApiStub) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != "s3cret":
            return web.Response(status=403)
        assert request.content_type == "application/json"
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url == url
        with pytest.raises(Conflict):
            await bot.get_updates()
        update = {"message": stub.push_message("via hook")["message"]}
        assert await stub.deliver_via_webhook(update, url, "s3cret") == 200
        assert await stub.deliver_via_webhook(update, url, "wrong") == 403
        assert await stub.deliver_via_webhook(update, url, None) == 403
        assert len(received) == 1
        assert "update_id" in received[0]
        assert await stub.deliver_pending_via_webhook() == [200]
        assert received[-1]["message"]["text"] == "via hook"
        assert (await bot.get_webhook_info()).pending_update_count == 0
        stub.push_message("afvist")
        stub.webhook["secret_token"] = "other"
        assert await stub.deliver_pending_via_webhook() == [403]
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert info.last_error_message
        assert await bot.delete_webhook()
        assert len(await bot.get_updates()) == 1
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- full Application


def _build_app(stub: TelegramApiStub) -> Application[Any, Any, Any, Any, Any, Any]:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Hej!")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.text is not None
        await update.message.reply_html(f"<b>{html.escape(update.message.text)}</b>")

    app = ApplicationBuilder().token(stub.token).base_url(stub.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


async def test_application_polling_roundtrip(stub: TelegramApiStub) -> None:
    app = _build_app(stub)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5, drop_pending_updates=True)
        stub.push_message("/start")
        stub.push_message("/start@klippekort_bot", chat_type="group")
        stub.push_message("Q&A <klip>")
        sent = await stub.wait_for(3)
        await app.updater.stop()
        await app.stop()
    assert [m["text"] for m in sent] == ["Hej!", "Hej!", "<b>Q&amp;A &lt;klip&gt;</b>"]
    assert sent[1]["chat_id"] < 0
    assert stub.last_drop_pending_updates is True
    assert stub.pending_updates == []


async def test_application_throughput(stub: TelegramApiStub) -> None:
    app = _build_app(stub)
    count = 300
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        started = time.monotonic()
        for i in range(count):
            stub.push_message(f"besked {i}", user_id=1000 + i % 7)
        await stub.wait_for(count, timeout=30)
        elapsed = time.monotonic() - started
        await stub.wait_until_consumed()
        await app.updater.stop()
        await app.stop()
    assert len(stub.sent) == count
    assert elapsed < 30


async def test_application_webhook_mode(stub: TelegramApiStub) -> None:
    app = _build_app(stub)
    port = _free_port()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url=f"http://127.0.0.1:{port}/tg",
            secret_token="hemmelig",
        )
        assert stub.webhook["url"] == f"http://127.0.0.1:{port}/tg"
        assert stub.webhook["secret_token"] == "hemmelig"
        stub.push_message("/start")
        assert await stub.deliver_pending_via_webhook() == [200]
        await stub.wait_for(1)
        bad = await stub.deliver_via_webhook(
            {"message": stub.push_message("x")["message"]}, stub.webhook["url"], "forkert"
        )
        assert bad == 403
        await app.updater.stop()
        await app.stop()
    assert stub.sent[0]["text"] == "Hej!"
