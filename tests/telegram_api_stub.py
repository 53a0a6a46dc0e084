"""A local, in-memory stand-in for the Telegram Bot API, for tests.

The real python-telegram-bot ``Bot``/``Application`` talks to it over real HTTP on 127.0.0.1:

    async with TelegramApiStub() as stub:
        bot = telegram.Bot(stub.token, base_url=stub.base_url)
        stub.push_message("/start")
        ...
        await stub.wait_for(1)

python-telegram-bot appends the token to ``base_url``, so requests arrive at
``/bot<TOKEN>/<method>``. It posts ``application/x-www-form-urlencoded`` (or multipart when a file
is uploaded) where every non-string value is JSON-encoded; JSON bodies and query strings are
accepted too. Everything is kept in memory; long polling waits on futures, never on sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Literal

import aiohttp
from aiohttp import web

__all__ = [
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_GROUP_ID",
    "DEFAULT_SUPERGROUP_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "MAX_CAPTION_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "SECRET_HEADER",
    "FailureKind",
    "HtmlParseError",
    "TelegramApiStub",
    "UploadedFile",
    "auto_entities",
    "parse_html",
    "utf16_len",
]

JSON = dict[str, Any]
FailureKind = Literal["429", "500", "502", "403", "drop"]

DEFAULT_TOKEN: Final = "7000000001:AAHklippekort-stub-token-0123456789ab"
DEFAULT_USER_ID: Final = 424242
DEFAULT_GROUP_ID: Final = -4000000001
DEFAULT_SUPERGROUP_ID: Final = -1001000000001
DEFAULT_CHANNEL_ID: Final = -1002000000001
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_POLL_TIMEOUT: Final = 50.0


def _words(text: str) -> tuple[str, ...]:
    """Split a space-separated list of names (keeps long constant lists compact)."""
    return tuple(text.split())


_PATH_RE: Final = re.compile(r"^/bot([^/]+)/([A-Za-z0-9_]+)/?$")
_COMMAND_RE: Final = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
_MENTION_RE: Final = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{3,32}(?![\w@])")
_BOT_COMMAND_NAME_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_STRICT_ENTITY_RE: Final = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_LENIENT_ENTITY_RE: Final = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|([A-Za-z]+));?")
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_HTML_TAG_ENTITY: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "",
}

_INT_PARAMS: Final = frozenset(
    _words(
        "chat_id message_id offset limit user_id from_chat_id reply_to_message_id "
        "message_thread_id cache_time max_connections until_date"
    )
)
_FLOAT_PARAMS: Final = frozenset({"timeout"})
_BOOL_PARAMS: Final = frozenset(
    _words(
        "disable_notification protect_content drop_pending_updates show_alert "
        "is_personal disable_web_page_preview allow_sending_without_reply has_spoiler "
        "show_caption_above_media allow_paid_broadcast"
    )
)
_JSON_PARAMS: Final = frozenset(
    _words(
        "reply_markup reply_parameters entities caption_entities commands scope "
        "allowed_updates results link_preview_options button media message_ids"
    )
)
_CHAT_ACTIONS: Final = frozenset(
    _words(
        "typing upload_photo record_video upload_video record_voice upload_voice "
        "upload_document choose_sticker find_location record_video_note "
        "upload_video_note"
    )
)
_BUTTON_ACTIONS: Final = _words(
    "url callback_data web_app login_url switch_inline_query "
    "switch_inline_query_current_chat switch_inline_query_chosen_chat copy_text "
    "callback_game pay"
)
_ADMIN_RIGHTS: Final = _words(
    "can_be_edited is_anonymous can_manage_chat can_delete_messages can_manage_video_chats "
    "can_restrict_members can_promote_members can_change_info can_invite_users "
    "can_post_stories can_edit_stories can_delete_stories"
)
_RESTRICTED_RIGHTS: Final = _words(
    "is_member can_change_info can_invite_users can_pin_messages can_send_messages "
    "can_send_polls can_send_other_messages can_add_web_page_previews can_manage_topics "
    "can_send_audios can_send_documents can_send_photos can_send_videos can_send_video_notes "
    "can_send_voice_notes can_edit_tag"
)
_SCOPE_TYPES: Final = frozenset(
    _words(
        "default all_private_chats all_group_chats all_chat_administrators chat "
        "chat_administrators chat_member"
    )
)
_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_NGINX_502: Final = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


# --------------------------------------------------------------------------- text helpers


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class HtmlParseError(ValueError):
    """Raised by :func:`parse_html` with a Telegram-like description."""


def _decode_entity(text: str, pos: int, strict: bool) -> tuple[str, int] | None:
    """Decode the HTML entity at ``text[pos]`` (an ``&``); None when it is not one."""
    match = (_STRICT_ENTITY_RE if strict else _LENIENT_ENTITY_RE).match(text, pos)
    if match is None:
        return None
    dec, hexa, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        return None if char is None else (char, match.end())
    code = int(dec) if dec is not None else int(hexa, 16)
    if code <= 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def parse_html(text: str, *, strict_entities: bool = True) -> tuple[str, list[JSON]]:
    """Parse Telegram-flavoured HTML into (plain text, entities) like the Bot API does.

    Errors mirror tdlib's wording (byte offsets are UTF-8). With ``strict_entities`` every ``&``
    must start one of &lt; &gt; &amp; &quot; or a numeric entity, as the Bot API docs demand
    (the real server shows an unknown ``&...`` literally instead).
    """
    if "<" not in text and "&" not in text:
        return text, []

    def at(pos: int) -> str:
        return f"at byte offset {len(text[:pos].encode())}"

    out: list[str] = []
    out16 = 0
    stack: list[tuple[str, int, str]] = []
    entities: list[JSON] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            decoded = _decode_entity(text, i, strict_entities)
            if decoded is None:
                if strict_entities:
                    raise HtmlParseError(f"Unsupported HTML entity {at(i)}")
                out.append("&")
                out16 += 1
                i += 1
            else:
                out.append(decoded[0])
                out16 += utf16_len(decoded[0])
                i = decoded[1]
            continue
        if char != "<":
            out.append(char)
            out16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            if not stack:
                raise HtmlParseError(f"Unexpected end tag {at(begin)}")
            i += 1
            name_start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            end_name = text[name_start:i].lower()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != ">":
                raise HtmlParseError(f"Unclosed end tag {at(begin)}")
            i += 1
            tag, start16, argument = stack.pop()
            if end_name and end_name != tag:
                raise HtmlParseError(
                    f'Unmatched end tag {at(begin)}, expected "</{tag}>", found "</{end_name}>"'
                )
            if out16 > start16:
                _add_html_entity(entities, tag, start16, out16 - start16, argument)
            continue
        name_start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {at(begin)}")
        tag = text[name_start:i].lower()
        if tag not in _HTML_TAG_ENTITY:
            raise HtmlParseError(f'Unsupported start tag "{tag}" {at(begin)}')
        argument, i = _parse_attributes(text, i, tag, begin, strict_entities, at)
        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" {at(begin)}')
        stack.append((tag, out16, argument))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _parse_attributes(
    text: str, i: int, tag: str, begin: int, strict: bool, at: Callable[[int], str]
) -> tuple[str, int]:
    """Parse the attributes of a start tag from ``i``; return (argument, index after '>')."""
    n = len(text)
    argument = ""
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {at(begin)}")
        if text[i] == ">":
            return argument, i + 1
        name_start = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" {at(begin)}')
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {at(begin)}")
        if text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                argument = "expandable"
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" {at(begin)}'
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {at(begin)}")
        quote = text[i]
        if quote not in "\"'":
            value_start = i
            while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                i += 1
            value = text[value_start:i].lower()
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag {at(begin)}")
            if not text[i].isspace() and text[i] != ">":
                raise HtmlParseError(f"Unexpected end of name token {at(value_start)}")
        else:
            i += 1
            chunks: list[str] = []
            while i < n and text[i] != quote:
                decoded = _decode_entity(text, i, strict) if text[i] == "&" else None
                if decoded is not None:
                    chunks.append(decoded[0])
                    i = decoded[1]
                else:
                    chunks.append(text[i])
                    i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag {at(begin)}")
            i += 1
            value = "".join(chunks)
        if (
            (tag == "a" and name == "href")
            or (tag == "tg-emoji" and name == "emoji-id")
            or (tag == "tg-time" and name == "unix")
        ):
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]


def _add_html_entity(entities: list[JSON], tag: str, offset: int, length: int, arg: str) -> None:
    """Append the MessageEntity produced by a closed HTML tag."""
    kind = _HTML_TAG_ENTITY[tag]
    if not kind:
        return
    entity: JSON = {"type": kind, "offset": offset, "length": length}
    if tag == "a":
        if not arg:
            return
        entity["url"] = arg
    elif tag == "tg-emoji":
        if not arg:
            return
        entity["custom_emoji_id"] = arg
    elif tag == "blockquote" and arg:
        entity["type"] = "expandable_blockquote"
    elif tag == "pre":
        last = entities[-1] if entities else None
        if last and last["type"] == "code" and (last["offset"], last["length"]) == (offset, length):
            entities.pop()
            if "language" in last:
                entity["language"] = last["language"]
    elif tag == "code" and arg:
        entity["language"] = arg
    entities.append(entity)


def auto_entities(text: str, *, types: Iterable[str] = ("bot_command", "mention")) -> list[JSON]:
    """Entities Telegram adds to incoming text: bot commands and @mentions, UTF-16 offsets."""
    wanted = set(types)
    if "/" not in text and "@" not in text:
        return []
    found: list[tuple[int, int, str]] = []
    if "bot_command" in wanted:
        found.extend((m.start(), m.end(), "bot_command") for m in _COMMAND_RE.finditer(text))
    if "mention" in wanted:
        found.extend((m.start(), m.end(), "mention") for m in _MENTION_RE.finditer(text))
    found.sort()
    entities: list[JSON] = []
    for start, end, kind in found:
        offset = utf16_len(text[:start])
        entities.append({"offset": offset, "length": utf16_len(text[start:end]), "type": kind})
    return entities


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class UploadedFile:
    """A file part received in a multipart request."""

    filename: str | None
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Number of bytes received."""
        return len(self.data)


@dataclass
class _Failure:
    kind: str
    remaining: int
    retry_after: int


class _ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        """Telegram-shaped JSON error response."""
        return _error_response(self.code, self.description, self.parameters)


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(payload, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def _error_response(code: int, description: str, parameters: JSON | None = None) -> web.Response:
    payload: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return _json_response(payload, status=code)


def _normalize(params: JSON) -> JSON:
    """Turn form-encoded string values back into the types Telegram would read."""
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _JSON_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise _bad(f"can't parse {what} JSON object") from None
        elif key in _INT_PARAMS:
            with contextlib.suppress(ValueError):
                params[key] = int(value)
        elif key in _FLOAT_PARAMS:
            with contextlib.suppress(ValueError):
                number = float(value)
                params[key] = int(number) if number.is_integer() else number
        elif key in _BOOL_PARAMS and value.lower() in ("true", "false", "1", "0"):
            params[key] = value.lower() in ("true", "1")
    return params


def _as_int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad("invalid integer parameter") from None


def _timestamp(date: int | float | datetime | None) -> int:
    if date is None:
        return int(time.time())
    if isinstance(date, datetime):
        return int(date.timestamp())
    return int(date)


def _strip_reply(message: JSON) -> JSON:
    """A message as embedded in ``reply_to_message`` (no nested reply)."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


# --------------------------------------------------------------------------- the stub


class TelegramApiStub:
    """An aiohttp server on 127.0.0.1 that behaves like the Telegram Bot API, in memory."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Klippekort-bot",
        bot_username: str = "klippekort_bot",
        strict_html_entities: bool = True,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.strict_html_entities = strict_html_entities
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(bot_id) if bot_id.isdigit() else 7000000001,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        # records
        self.calls: list[tuple[str, JSON]] = []
        self.sent: list[JSON] = []
        self.deleted: list[tuple[int | str, int]] = []
        self.callback_answers: list[JSON] = []
        self.inline_answers: list[JSON] = []
        self.chat_actions: list[tuple[int | str, str]] = []
        self.files: dict[str, bytes] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.blocked_chats: set[int] = set()
        self.failures_served = 0
        self.allowed_updates: list[str] | None = None
        self.last_drop_pending_updates: bool | None = None
        self.webhook: JSON = {}
        self.webhook_last_error: tuple[int, str] | None = None
        # state
        self._updates: deque[JSON] = deque()
        self._next_update_id = 100_000_001
        self._query_ids = itertools.count(5_000_000_000_001)
        self._messages: dict[tuple[int | str, int], JSON] = {}
        self._chats: dict[int | str, JSON] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._open_callback_queries: set[str] = set()
        self._open_inline_queries: set[str] = set()
        self._failures: dict[str, deque[_Failure]] = {}
        self._poll_waiters: list[asyncio.Future[None]] = []
        self._change_waiters: list[asyncio.Future[None]] = []
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._methods: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._unused,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "answerCallbackQuery": self._answer_callback_query,
                "answerInlineQuery": self._answer_inline_query,
                "sendChatAction": self._send_chat_action,
                "sendPhoto": self._send_photo,
                "deleteMessage": self._delete_message,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ----------------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give python-telegram-bot (it appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def api_url(self) -> str:
        """Full URL prefix for direct HTTP calls: ``{api_url}/getMe``."""
        return f"{self.base_url}{self.token}"

    async def start(self) -> None:
        """Start serving on an ephemeral port (``self.port`` is set afterwards)."""
        if self._runner is not None:
            return
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self._runner = runner

    async def stop(self) -> None:
        """Release long polls and stop the server."""
        self._closing = True
        self._wake(self._poll_waiters)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramApiStub:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------------- HTTP layer

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        match = _PATH_RE.match(request.path)
        if match is None:
            return _error_response(404, "Not Found")
        token, method = match.groups()
        if token != self.token:
            return _error_response(401, "Unauthorized")
        try:
            params = await self._read_params(request)
        except _ApiError as exc:
            return exc.response()
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        self.calls.append((name, params))
        self._wake(self._change_waiters)
        failure = self._take_failure(name)
        if failure is not None:
            return self._serve_failure(request, failure)
        if entry is None:
            return _error_response(400, "Bad Request: method not found")
        try:
            if name == "getUpdates":
                result = await self._get_updates(params)
            else:
                result = entry[1](params)
        except _ApiError as exc:
            return exc.response()
        return _json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> JSON:
        params: JSON = dict(request.query)
        if not request.body_exists:
            return _normalize(params)
        content_type = request.content_type
        if content_type == "application/json":
            raw = await request.read()
            if raw.strip():
                try:
                    data = json.loads(raw)
                except ValueError:
                    raise _bad("can't parse JSON object") from None
                if not isinstance(data, dict):
                    raise _bad("JSON object expected")
                params.update(data)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(
                        value.filename, value.content_type, value.file.read()
                    )
                else:
                    params[key] = value
        else:
            await request.read()
        return _normalize(params)

    # ----------------------------------------------------------------------- failure injection

    def fail_next(
        self, method: str, kind: FailureKind, times: int = 1, retry_after: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail with ``kind``.

        Kinds: "429" (RetryAfter), "500", "502" (nginx HTML page), "403" (bot blocked) and
        "drop" (the request is read, then the connection is closed without an answer; nothing
        is recorded as sent).
        """
        if kind not in ("429", "500", "502", "403", "drop"):
            raise ValueError(f"unknown failure kind {kind!r}")
        key = "*" if method == "*" else method.lower()
        self._failures.setdefault(key, deque()).append(_Failure(kind, times, retry_after))

    def clear_failures(self) -> None:
        """Forget failures that were scheduled but not served yet."""
        self._failures.clear()

    def _take_failure(self, method: str) -> _Failure | None:
        if not self._failures:
            return None
        for key in (method.lower(), "*"):
            queue = self._failures.get(key)
            if queue:
                failure = queue[0]
                failure.remaining -= 1
                if failure.remaining <= 0:
                    queue.popleft()
                if not queue:
                    del self._failures[key]
                return failure
        return None

    def _serve_failure(self, request: web.Request, failure: _Failure) -> web.StreamResponse:
        self.failures_served += 1
        if failure.kind == "429":
            return _error_response(
                429,
                f"Too Many Requests: retry after {failure.retry_after}",
                {"retry_after": failure.retry_after},
            )
        if failure.kind == "500":
            return _error_response(500, "Internal Server Error")
        if failure.kind == "403":
            return _error_response(403, "Forbidden: bot was blocked by the user")
        if failure.kind == "502":
            return web.Response(status=502, text=_NGINX_502, content_type="text/html")
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=500)

    # ----------------------------------------------------------------------- waiting helpers

    @staticmethod
    def _wake(waiters: list[asyncio.Future[None]]) -> None:
        if not waiters:
            return
        pending = waiters[:]
        waiters.clear()
        for fut in pending:
            if not fut.done():
                fut.set_result(None)

    async def _wait_until(self, check: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            fut: asyncio.Future[None] = loop.create_future()
            self._change_waiters.append(fut)
            await asyncio.wait((fut,), timeout=remaining)
            if not fut.done():
                fut.cancel()
        return True

    async def wait_for(
        self, predicate_or_count: int | Callable[[list[JSON]], bool] = 1, timeout: float = 5.0
    ) -> list[JSON]:
        """Wait until ``len(sent) >= count`` or ``predicate(sent)``; return a copy of ``sent``.

        Raises AssertionError listing what was sent when ``timeout`` seconds pass first.
        """
        if callable(predicate_or_count):
            predicate = predicate_or_count
            wanted = getattr(predicate, "__name__", repr(predicate))
        else:
            count = predicate_or_count
            wanted = f"{count} sent message(s)"

            def predicate(sent: list[JSON]) -> bool:
                return len(sent) >= count

        if not await self._wait_until(lambda: bool(predicate(self.sent)), timeout):
            raise AssertionError(
                f"timed out after {timeout}s waiting for {wanted}; "
                f"sent {len(self.sent)}:\n{self.describe_sent()}"
            )
        return list(self.sent)

    async def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``method`` has been called at least ``count`` times."""
        if not await self._wait_until(lambda: len(self.calls_of(method)) >= count, timeout):
            seen = [name for name, _ in self.calls]
            raise AssertionError(
                f"timed out after {timeout}s waiting for {count} {method} call(s); calls: {seen}"
            )

    async def wait_until_consumed(self, timeout: float = 5.0) -> None:
        """Wait until every queued update has been confirmed (fetched past by offset)."""
        if not await self._wait_until(lambda: not self._updates, timeout):
            raise AssertionError(
                f"timed out after {timeout}s: {len(self._updates)} update(s) never confirmed"
            )

    def describe_sent(self, max_text: int = 200) -> str:
        """Human-readable list of what the bot sent (for assertion messages)."""
        if not self.sent:
            return "  (nothing)"
        lines = []
        for number, record in enumerate(self.sent, 1):
            text = record["text"]
            if isinstance(text, str) and len(text) > max_text:
                text = text[:max_text] + "…"
            lines.append(
                f"  {number}. {record['method']} chat={record['chat_id']} "
                f"id={record['message_id']}: {text!r}"
            )
        return "\n".join(lines)

    # ----------------------------------------------------------------------- record queries

    def calls_of(self, method: str) -> list[JSON]:
        """Parameters of every call of ``method``, oldest first."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    def sent_to(self, chat_id: int | str) -> list[JSON]:
        """Sent records for one chat."""
        return [m for m in self.sent if m["chat_id"] == chat_id]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts (or captions) of sent records, optionally for one chat."""
        return [
            m["text"]
            for m in self.sent
            if m["text"] is not None and (chat_id is None or m["chat_id"] == chat_id)
        ]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed."""
        return list(self._updates)

    def message(self, chat_id: int | str, message_id: int) -> JSON | None:
        """A stored message (sent by the bot or pushed) or None."""
        return self._messages.get((chat_id, message_id))

    def get_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands stored with setMyCommands for a scope and language."""
        return list(self.commands.get((self._scope_key(scope), language_code), []))

    def reset_records(self) -> None:
        """Forget recorded calls and sent messages (state such as chats is kept)."""
        self.calls.clear()
        self.sent.clear()
        self.deleted.clear()
        self.callback_answers.clear()
        self.inline_answers.clear()
        self.chat_actions.clear()
        self.failures_served = 0

    # ----------------------------------------------------------------------- update pushing

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update (``update_id`` is assigned when missing); return it."""
        if "update_id" in update:
            queued = update
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        else:
            queued = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        self._register_update(queued)
        self._updates.append(queued)
        self._wake(self._poll_waiters)
        return queued

    def push_message(
        self,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        user_id: int = DEFAULT_USER_ID,
        language_code: str | None = "da",
        date: int | float | datetime | None = None,
        reply_to_message: JSON | None = None,
        edited: bool = False,
        message_id: int | None = None,
        first_name: str = "Test",
        username: str | None = "testbruger",
        entities: list[JSON] | None = None,
    ) -> JSON:
        """Queue a realistic text Message update from a user; return the update.

        Private chats have ``id == user_id``; groups get a negative id and a title. Leading or
        inline ``/command[@bot]`` and ``@username`` get entities with UTF-16 offsets.
        """
        content: JSON = {"text": text}
        found = auto_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return self.push_content(
            content,
            chat_id=chat_id,
            chat_type=chat_type,
            user_id=user_id,
            language_code=language_code,
            date=date,
            reply_to_message=reply_to_message,
            edited=edited,
            message_id=message_id,
            first_name=first_name,
            username=username,
        )

    def push_content(
        self,
        content: JSON,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        user_id: int = DEFAULT_USER_ID,
        language_code: str | None = "da",
        date: int | float | datetime | None = None,
        reply_to_message: JSON | None = None,
        edited: bool = False,
        message_id: int | None = None,
        first_name: str = "Test",
        username: str | None = "testbruger",
    ) -> JSON:
        """Queue a Message update whose content fields (text, photo, sticker...) are given."""
        user = self._user(user_id, first_name, username, language_code)
        chat = self._chat_for(chat_type, chat_id, user)
        timestamp = _timestamp(date)
        if message_id is None:
            message_id = self._new_message_id(chat["id"])
        else:
            self._bump_message_id(chat["id"], message_id)
        message: JSON = {"message_id": message_id, "from": user, "chat": chat, "date": timestamp}
        if edited:
            message["edit_date"] = max(timestamp, int(time.time()))
        if reply_to_message is not None:
            message["reply_to_message"] = _strip_reply(reply_to_message)
        message.update(content)
        return self.push_update({"edited_message" if edited else "message": message})

    def push_photo(
        self,
        caption: str | None = None,
        *,
        file_id: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        user_id: int = DEFAULT_USER_ID,
        date: int | float | datetime | None = None,
    ) -> JSON:
        """Queue a photo message (optionally captioned) from a user."""
        base = file_id or f"AgACAgQAAxkBAAI{next(self._query_ids)}"
        content: JSON = {"photo": self._photo_sizes(base, 12_345)}
        if caption is not None:
            content["caption"] = caption
            found = auto_entities(caption)
            if found:
                content["caption_entities"] = found
        return self.push_content(
            content, chat_id=chat_id, chat_type=chat_type, user_id=user_id, date=date
        )

    def push_sticker(
        self,
        emoji: str = "👍",
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        user_id: int = DEFAULT_USER_ID,
        date: int | float | datetime | None = None,
    ) -> JSON:
        """Queue a sticker message from a user."""
        file_id = f"CAACAgIAAxkBAAI{next(self._query_ids)}"
        sticker: JSON = {
            "file_id": file_id,
            "file_unique_id": hashlib.sha1(file_id.encode()).hexdigest()[:16],
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 23_456,
        }
        return self.push_content(
            {"sticker": sticker}, chat_id=chat_id, chat_type=chat_type, user_id=user_id, date=date
        )

    def push_channel_post(
        self,
        text: str,
        *,
        chat_id: int = DEFAULT_CHANNEL_ID,
        title: str = "Testkanal",
        date: int | float | datetime | None = None,
    ) -> JSON:
        """Queue a ``channel_post`` update (no ``from``; ``sender_chat`` is the channel)."""
        chat: JSON = {"id": chat_id, "type": "channel", "title": title}
        self._chats[chat_id] = chat
        message: JSON = {
            "message_id": self._new_message_id(chat_id),
            "sender_chat": chat,
            "chat": chat,
            "date": _timestamp(date),
            "text": text,
        }
        found = auto_entities(text)
        if found:
            message["entities"] = found
        return self.push_update({"channel_post": message})

    def push_callback_query(
        self,
        data: str,
        *,
        message: JSON | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        inline_message_id: str | None = None,
        language_code: str | None = "da",
        first_name: str = "Test",
        username: str | None = "testbruger",
    ) -> JSON:
        """Queue a callback query for a button press.

        ``message`` defaults to the bot's latest message in the chat (``chat_id`` or the user's
        private chat); a placeholder bot message is made when there is none.
        """
        user = self._user(user_id, first_name, username, language_code)
        query: JSON = {
            "id": str(next(self._query_ids)),
            "from": user,
            "chat_instance": str(abs(hash((chat_id or user_id, "instance")))),
            "data": data,
        }
        if inline_message_id is not None:
            query["inline_message_id"] = inline_message_id
        else:
            if message is None:
                message = self._latest_bot_message(chat_id if chat_id is not None else user_id)
            if message is None:
                known = self._chats.get(chat_id) if chat_id is not None else None
                chat = known or self._chat_for(
                    "private" if chat_id is None else "group", chat_id, user
                )
                message = self._store_bot_message(chat, {"text": "…"})
            query["message"] = message
        return self.push_update({"callback_query": query})

    def push_inline_query(
        self,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        offset: str = "",
        chat_type: str | None = "private",
        language_code: str | None = "da",
        first_name: str = "Test",
        username: str | None = "testbruger",
    ) -> JSON:
        """Queue an inline query."""
        inline: JSON = {
            "id": str(next(self._query_ids)),
            "from": self._user(user_id, first_name, username, language_code),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return self.push_update({"inline_query": inline})

    def push_my_chat_member(
        self,
        *,
        new_status: str = "kicked",
        old_status: str = "member",
        chat_id: int | None = None,
        chat_type: str = "private",
        user_id: int = DEFAULT_USER_ID,
        date: int | float | datetime | None = None,
    ) -> JSON:
        """Queue a ``my_chat_member`` update (e.g. the user blocked the bot: member -> kicked)."""
        user = self._user(user_id, "Test", "testbruger", "da")
        chat = self._chat_for(chat_type, chat_id, user)
        update = {
            "my_chat_member": {
                "chat": chat,
                "from": user,
                "date": _timestamp(date),
                "old_chat_member": self._chat_member(old_status),
                "new_chat_member": self._chat_member(new_status),
            }
        }
        if new_status in ("kicked", "left") and chat["type"] == "private":
            self.blocked_chats.add(chat["id"])
        elif new_status == "member":
            self.blocked_chats.discard(chat["id"])
        return self.push_update(update)

    def _chat_member(self, status: str) -> JSON:
        member: JSON = {"user": self._bot_short(), "status": status}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(dict.fromkeys(_ADMIN_RIGHTS, False))
            member["can_manage_chat"] = True
        elif status == "restricted":
            member.update(dict.fromkeys(_RESTRICTED_RIGHTS, False))
            member.update(is_member=True, until_date=0)
        return member

    # ----------------------------------------------------------------------- webhook delivery

    async def deliver_via_webhook(
        self, update: JSON, url: str, secret_token: str | None = None
    ) -> int:
        """POST one update to a webhook like Telegram does; return the HTTP status."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers[SECRET_HEADER] = secret_token
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        body = json.dumps(update, ensure_ascii=False).encode()
        async with self._session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def deliver_pending_via_webhook(self) -> list[int]:
        """Deliver queued updates, in order, to the URL/secret registered with setWebhook.

        Updates answered with 2xx leave the queue; delivery stops at the first failure
        (recorded for getWebhookInfo). Returns the statuses seen.
        """
        url = self.webhook.get("url")
        if not url:
            raise RuntimeError("no webhook registered: setWebhook was not called")
        statuses: list[int] = []
        while self._updates:
            status = await self.deliver_via_webhook(
                self._updates[0], url, self.webhook.get("secret_token")
            )
            statuses.append(status)
            if not 200 <= status < 300:
                message = f"Wrong response from the webhook: {status}"
                self.webhook_last_error = (int(time.time()), message)
                break
            self._updates.popleft()
            self._wake(self._change_waiters)
        return statuses

    # ----------------------------------------------------------------------- internal state

    def _register_update(self, update: JSON) -> None:
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, dict):
                self._register_message(message)
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._open_callback_queries.add(str(query.get("id")))
            if isinstance(query.get("message"), dict):
                self._register_message(query["message"])
        inline = update.get("inline_query")
        if isinstance(inline, dict):
            self._open_inline_queries.add(str(inline.get("id")))

    def _register_message(self, message: JSON) -> None:
        chat = message.get("chat")
        if not isinstance(chat, dict) or "id" not in chat or "message_id" not in message:
            return
        self._chats.setdefault(chat["id"], chat)
        self._bump_message_id(chat["id"], int(message["message_id"]))
        self._messages[(chat["id"], int(message["message_id"]))] = message

    def _new_message_id(self, chat_id: int | str) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _bump_message_id(self, chat_id: int | str, message_id: int) -> None:
        if self._next_message_id.get(chat_id, 1) <= message_id:
            self._next_message_id[chat_id] = message_id + 1

    @staticmethod
    def _user(
        user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat_for(self, chat_type: str, chat_id: int | None, user: JSON) -> JSON:
        if chat_type == "private":
            chat: JSON = {"id": user["id"] if chat_id is None else chat_id, "type": "private"}
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        elif chat_type in ("group", "supergroup"):
            default = DEFAULT_GROUP_ID if chat_type == "group" else DEFAULT_SUPERGROUP_ID
            chat = {
                "id": default if chat_id is None else chat_id,
                "type": chat_type,
                "title": "Testgruppe",
            }
        elif chat_type == "channel":
            chat = {"id": DEFAULT_CHANNEL_ID if chat_id is None else chat_id, "type": "channel"}
            chat["title"] = "Testkanal"
        else:
            raise ValueError(f"unknown chat_type {chat_type!r}")
        self._chats[chat["id"]] = chat
        return chat

    def _chat(self, chat_id: Any) -> JSON:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            raise _bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if isinstance(chat_id, str):
            chat = {"id": chat_id, "type": "channel", "title": chat_id, "username": chat_id[1:]}
        elif chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        elif str(chat_id).startswith("-100"):
            chat = {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
        else:
            chat = {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}
        self._chats[chat_id] = chat
        return chat

    def _bot_short(self) -> JSON:
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    def _store_bot_message(self, chat: JSON, content: JSON) -> JSON:
        message: JSON = {
            "message_id": self._new_message_id(chat["id"]),
            "from": self._bot_short(),
            "chat": chat,
            "date": int(time.time()),
        }
        message.update(content)
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _latest_bot_message(self, chat_id: int) -> JSON | None:
        for record in reversed(self.sent):
            if record["chat_id"] == chat_id and record["message_id"] is not None:
                found = self._messages.get((chat_id, record["message_id"]))
                if found is not None:
                    return found
        return None

    def _record_sent(self, method: str, params: JSON, message: JSON | None, **extra: Any) -> None:
        reply_parameters = params.get("reply_parameters")
        reply_to = params.get("reply_to_message_id")
        if reply_to is None and isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id")
        chat_id = params.get("chat_id")
        record: JSON = {
            "method": method,
            "chat_id": message["chat"]["id"] if message else chat_id,
            "message_id": message["message_id"] if message else params.get("message_id"),
            "inline_message_id": params.get("inline_message_id"),
            "text": params.get("text", params.get("caption")),
            "plain_text": None,
            "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"),
            "reply_parameters": reply_parameters,
            "reply_to_message_id": reply_to,
            "params": params,
            "message": message,
        }
        record.update(extra)
        self.sent.append(record)
        self._wake(self._change_waiters)

    # ----------------------------------------------------------------------- validation

    def _formatted(
        self, text: Any, params: JSON, *, caption: bool = False
    ) -> tuple[str, list[JSON]]:
        """Validate text/caption with its parse_mode; return (plain text, entities)."""
        limit = MAX_CAPTION_LENGTH if caption else MAX_MESSAGE_LENGTH
        if text is None or text == "":
            if caption:
                return "", []
            raise _bad("message text is empty")
        text = str(text)
        explicit = params.get("caption_entities" if caption else "entities")
        mode = str(params.get("parse_mode") or "").lower()
        if explicit is not None:
            plain, entities = text, list(explicit)
        elif mode == "html":
            try:
                plain, entities = parse_html(text, strict_entities=self.strict_html_entities)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif mode in ("", "markdown", "markdownv2"):
            plain, entities = text, []
        else:
            raise _bad("unsupported parse_mode")
        if not plain.strip() and not caption:
            raise _bad("message text is empty")
        if utf16_len(plain.strip()) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return plain, entities

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        """Validate reply_markup roughly like Telegram; return it (None when absent)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            for button in itertools.chain.from_iterable(rows):
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad("can't parse inline keyboard button: Text must be a String")
                actions = [key for key in _BUTTON_ACTIONS if key in button]
                if not actions:
                    raise _bad("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _bad("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                    raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        return markup

    def _reply_target(self, chat_id: int | str, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply"))
        message_id: Any = params.get("reply_to_message_id")
        target_chat = chat_id
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            target_chat = reply.get("chat_id", chat_id)
            allow = bool(reply.get("allow_sending_without_reply", allow))
        if message_id is None:
            return None
        found = self._messages.get((target_chat, _as_int(message_id, 0)))
        if found is None and not allow:
            raise _bad("message to be replied not found")
        return None if found is None else _strip_reply(found)

    def _check_blocked(self, chat: JSON) -> None:
        if chat["id"] in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")

    def _target_message(self, params: JSON) -> JSON | None:
        """The stored bot message an edit refers to (None for inline messages)."""
        if params.get("inline_message_id"):
            return None
        chat = self._chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = self._messages.get((chat["id"], _as_int(message_id, 0)))
        if message is None:
            raise _bad("message to edit not found")
        sender = message.get("from") or {}
        if sender.get("id") != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return message

    @staticmethod
    def _scope_key(scope: Any) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _photo_sizes(self, base: str, size: int) -> list[JSON]:
        unique = hashlib.sha1(base.encode()).hexdigest()
        sizes = []
        for suffix, width in (("-s", 90), ("-m", 320), ("", 800)):
            file_id = base + suffix
            self.files.setdefault(file_id, b"")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": f"AQAD{unique[:12]}{suffix.strip('-')}",
                    "file_size": max(1, size * width // 800),
                    "width": width,
                    "height": width * 3 // 4,
                }
            )
        return sizes

    # ----------------------------------------------------------------------- API methods

    @staticmethod
    def _unused(params: JSON) -> None:  # getUpdates is async, handled in _handle
        raise AssertionError("unreachable")

    @staticmethod
    def _true(params: JSON) -> bool:
        return True

    def _get_me(self, params: JSON) -> JSON:
        return dict(self.bot_user)

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook.get("url"):
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        try:
            timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)
        except (TypeError, ValueError):
            raise _bad("invalid timeout") from None
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"] or None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake(self._poll_waiters)  # an older long poll ends with 409, as on Telegram
        if not self._updates and timeout > 0:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not self._updates and not self._closing:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                fut: asyncio.Future[None] = loop.create_future()
                self._poll_waiters.append(fut)
                await asyncio.wait((fut,), timeout=remaining)
                if not fut.done():
                    fut.cancel()
                if generation != self._poll_generation:
                    raise _ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
        return list(itertools.islice(self._updates, limit))

    def _confirm(self, offset: int) -> None:
        queue = self._updates
        before = len(queue)
        if offset > 0:
            while queue and queue[0]["update_id"] < offset:
                queue.popleft()
        elif offset < 0:
            while len(queue) > -offset:
                queue.popleft()
        if len(queue) != before:
            self._wake(self._change_waiters)

    def _delete_webhook(self, params: JSON) -> bool:
        drop = bool(params.get("drop_pending_updates", False))
        self.last_drop_pending_updates = drop
        if drop:
            self._updates.clear()
            self._wake(self._change_waiters)
        self.webhook = {}
        return True

    def _set_webhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise _bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.last_drop_pending_updates = True
            self._updates.clear()
            self._wake(self._change_waiters)
        if not url:
            self.webhook = {}
            return True
        self.webhook = {
            "url": url,
            "secret_token": None if secret is None else str(secret),
            "max_connections": _as_int(params.get("max_connections"), 40),
            "allowed_updates": params.get("allowed_updates"),
            "ip_address": params.get("ip_address"),
        }
        self.webhook_last_error = None
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.get("url"):
            info["max_connections"] = self.webhook["max_connections"]
            info["ip_address"] = self.webhook.get("ip_address") or "127.0.0.1"
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
            if self.webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    def _command_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
                raise _bad("can't parse BotCommandScope JSON object")
            if scope["type"].startswith("chat") and "chat_id" not in scope:
                raise _bad("chat_id is empty")
        language = str(params.get("language_code") or "")
        if language and not re.match(r"^[a-z]{2}$", language):
            raise _bad("invalid language code specified")
        return self._scope_key(scope), language

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            if not _BOT_COMMAND_NAME_RE.match(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(params)
        if commands:
            self.commands[key] = [dict(c) for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        return list(self.commands.get(self._command_key(params), []))

    def _delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    def _send_message(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        plain, entities = self._formatted(params.get("text"), params)
        markup = self._check_markup(params.get("reply_markup"))
        reply = self._reply_target(chat["id"], params)
        self._check_blocked(chat)
        content: JSON = {"text": plain}
        if entities:
            content["entities"] = entities
        if reply is not None:
            content["reply_to_message"] = reply
        if markup is not None and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        message = self._store_bot_message(chat, content)
        self._record_sent("sendMessage", params, message, plain_text=plain)
        return message

    def _send_photo(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        photo = params.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = params.get(photo[len("attach://") :])
        uploaded = isinstance(photo, UploadedFile)
        if isinstance(photo, UploadedFile):
            if not photo.data:
                raise _bad("file must be non-empty")
            base = "AgACAgQAAxkDAAI" + hashlib.sha1(photo.data).hexdigest()[:40]
            self.files[base] = photo.data
            size = photo.size
        elif isinstance(photo, str) and photo:
            if re.match(r"^https?://", photo):
                base = "AgACAgQAAxkDAAI" + hashlib.sha1(photo.encode()).hexdigest()[:40]
                self.files.setdefault(base, b"")
            elif photo in self.files:
                base = photo
            else:
                raise _bad("wrong file identifier/HTTP URL specified")
            size = len(self.files.get(base, b"")) or 12_345
        else:
            raise _bad("there is no photo in the request")
        plain, entities = self._formatted(params.get("caption"), params, caption=True)
        markup = self._check_markup(params.get("reply_markup"))
        reply = self._reply_target(chat["id"], params)
        self._check_blocked(chat)
        sizes = self._photo_sizes(base, size)
        for entry in sizes:  # every size can be sent again by file_id
            self.files.setdefault(entry["file_id"], self.files.get(base, b""))
        content: JSON = {"photo": sizes}
        if plain:
            content["caption"] = plain
        if entities:
            content["caption_entities"] = entities
        if reply is not None:
            content["reply_to_message"] = reply
        if markup is not None and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        message = self._store_bot_message(chat, content)
        self._record_sent(
            "sendPhoto",
            params,
            message,
            plain_text=plain or None,
            photo_file_id=sizes[-1]["file_id"],
            uploaded=uploaded,
        )
        return message

    def _edit_message_text(self, params: JSON) -> JSON | bool:
        plain, entities = self._formatted(params.get("text"), params)
        markup = self._check_markup(params.get("reply_markup"))
        message = self._target_message(params)
        if message is None:
            self._record_sent("editMessageText", params, None, plain_text=plain)
            return True
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            message.get("text") == plain
            and message.get("entities", []) == entities
            and message.get("reply_markup") == inline
        ):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = plain
        message["edit_date"] = int(time.time())
        for key, value in (("entities", entities), ("reply_markup", inline)):
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        self._record_sent("editMessageText", params, message, plain_text=plain)
        return message

    def _edit_message_reply_markup(self, params: JSON) -> JSON | bool:
        markup = self._check_markup(params.get("reply_markup"))
        message = self._target_message(params)
        if message is None:
            self._record_sent("editMessageReplyMarkup", params, None)
            return True
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if message.get("reply_markup") == inline:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        if inline:
            message["reply_markup"] = inline
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        self._record_sent("editMessageReplyMarkup", params, message)
        return message

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callback_queries:
            raise _bad(_QUERY_TOO_OLD.removeprefix("Bad Request: "))
        self._open_callback_queries.discard(query_id)
        self.callback_answers.append(params)
        self._wake(self._change_waiters)
        return True

    def _answer_inline_query(self, params: JSON) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._open_inline_queries:
            raise _bad(_QUERY_TOO_OLD.removeprefix("Bad Request: "))
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or "type" not in result or "id" not in result:
                raise _bad("can't parse InlineQueryResult JSON object")
            result_id = str(result["id"])
            if not 1 <= len(result_id.encode()) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._formatted(content["message_text"], content)
            self._check_markup(result.get("reply_markup"))
        self._open_inline_queries.discard(query_id)
        self.inline_answers.append(params)
        self._wake(self._change_waiters)
        return True

    def _send_chat_action(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_blocked(chat)
        self.chat_actions.append((chat["id"], str(action)))
        return True

    def _delete_message(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        message_id = _as_int(params.get("message_id"), 0)
        if self._messages.pop((chat["id"], message_id), None) is None:
            raise _bad("message to delete not found")
        self.deleted.append((chat["id"], message_id))
        self._wake(self._change_waiters)
        return True
