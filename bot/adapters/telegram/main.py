"""`klippekort-bot run`: check the settings and the knowledge base, then serve Telegram."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from bot.adapters.telegram.application import build_application
from bot.adapters.telegram.errors import ALLOWED_UPDATES
from bot.adapters.telegram.redaction import RedactingFormatter, RedactingStream, Redactor
from bot.adapters.telegram.services import services_of
from bot.adapters.telegram.settings import Settings, SettingsError, load_settings, read_environment
from bot.assistant import Assistant
from bot.knowledge import KnowledgeError, load_knowledge
from bot.state import StateError

EXIT_CONFIG = 2
log = logging.getLogger("klippekort")


class TransientFaultFilter(logging.Filter):
    """Turns python-telegram-bot's tracebacks for network faults into one-line warnings.

    A 502 page from Telegram's front end or a dropped connection is logged by the library with
    a full traceback; for the operator it is a passing fault, and the bot retries it anyway.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram"):
            return True
        error = record.exc_info[1] if record.exc_info else None
        invalid_json = str(record.msg).startswith("Can not load invalid JSON data")
        transient = isinstance(error, NetworkError) and not isinstance(error, BadRequest)
        if invalid_json or transient:
            summary = "Telegram sent a response that is not JSON" if invalid_json else str(error)
            record.msg, record.args = "%s", (summary[:200],)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


WEBHOOK_LOGGER = "telegram.ext.Updater"
_WEBHOOK_CHATTER = (
    "Request had the wrong secret token",
    "Request did not include the secret token",
    "Something went wrong processing the data received from Telegram",
)


class WebhookRequestFilter(logging.Filter):
    """One WARNING line, without the secret, for each request the webhook server refuses.

    python-telegram-bot logs a refused POST as a DEBUG line that echoes the wrong secret, then
    a DEBUG traceback, and a body that is JSON but no update as a CRITICAL traceback with the
    body. Its other records are kept only from `level` up, since the logger itself is opened to
    DEBUG so that a refusal is seen at every level.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith(_WEBHOOK_CHATTER):
            return False  # said once, in the line below
        if record.args and "Exception in TelegramHandler" in record.args and record.exc_info:
            error = record.exc_info[1]
            status = getattr(error, "status_code", 400)
            reason = getattr(error, "reason", None) or f"{type(error).__name__}: {error}"
            record.msg, record.args = "Webhook request refused (%s): %s", (status, reason[:200])
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
            return True
        return record.levelno >= self.level


def configure_logging(settings: Settings) -> None:
    """Log to standard error at LOG_LEVEL; the token is hidden, httpx's request lines too."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter(secrets_of(settings), "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(TransientFaultFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    webhook = logging.getLogger(WEBHOOK_LOGGER)
    webhook.filters[:] = [WebhookRequestFilter(logging.getLevelName(settings.log_level))]
    webhook.setLevel(logging.DEBUG)
    # httpx logs every request URL, which holds the token, at INFO.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run(knowledge_path: Path | None = None, env_file: Path = Path(".env")) -> int:
    """Serve Telegram until SIGINT or SIGTERM; exit code 2 for bad settings or knowledge."""
    try:
        settings = load_settings(read_environment(env_file))
    except SettingsError as error:
        print(f"klippekort-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    # Everything written from here on, by us, the libraries or the interpreter, is redacted.
    redact = Redactor(secrets_of(settings))
    streams = sys.stdout, sys.stderr
    sys.stdout = RedactingStream(sys.stdout, redact)
    sys.stderr = RedactingStream(sys.stderr, redact)
    try:
        return _serve(settings, knowledge_path)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


def secrets_of(settings: Settings) -> list[str]:
    """What must never be written: the token, the webhook secret, the database password."""
    password = urlsplit(settings.database_url).password if settings.database_url else None
    return [settings.token, settings.webhook_secret or "", password or ""]


def _serve(settings: Settings, knowledge_path: Path | None) -> int:
    path = knowledge_path or settings.knowledge_path
    try:
        knowledge = load_knowledge(path)
    except KnowledgeError as error:
        print(
            f"klippekort-bot: the knowledge base {path} cannot be used: {error.problems[0]}"
            + (
                f" (and {len(error.problems) - 1} more; run `klippekort-bot check`)"
                if len(error.problems) > 1
                else ""
            ),
            file=sys.stderr,
        )
        return EXIT_CONFIG
    configure_logging(settings)
    assistant = Assistant(knowledge, default_language=settings.default_language)
    application = build_application(settings, assistant)
    mode = "webhook" if settings.uses_webhook else "polling"
    log.info("Klippekort-bot starting (%s, %d entries)", mode, len(knowledge.entries))
    # Our own event loop, kept open after python-telegram-bot is done with it, so that the HTTP
    # sessions can be closed on every way out, a refused token included.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        if settings.uses_webhook:
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=settings.webhook_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=5,
                close_loop=False,
            )
        else:
            application.run_polling(
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=5,
                close_loop=False,
            )
    except InvalidToken:
        print("klippekort-bot: Telegram does not accept TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return EXIT_CONFIG
    except StateError as error:
        print(f"klippekort-bot: the state store cannot be used: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except TelegramError as error:
        print(f"klippekort-bot: could not start: {error}", file=sys.stderr)
        return 1
    finally:
        for request in services_of(application).requests:
            loop.run_until_complete(request.shutdown())
        loop.close()
    log.info("Klippekort-bot stopped")
    return 0
