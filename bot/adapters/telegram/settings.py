"""Settings of the Telegram bot, from the environment and an optional `.env` file.

Every setting is checked before the bot makes any network call; a bad one is reported in one
line naming the variable and what it should be.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.followup import DEFAULT_TIMEOUT_SECONDS
from bot.knowledge import default_knowledge_path
from bot.questionlog import (
    DEFAULT_RETENTION_DAYS,
    QUESTION_LOG_DAYS_ENV,
    QUESTION_LOG_ENV,
    question_log_path,
)
from bot.state import (
    DATABASE_URL_ENV,
    DEFAULT_STATE_DAYS,
    STATE_DAYS_ENV,
    STATE_DB_ENV,
    state_db_path,
)
from bot.teaching import TEACHING_DB_ENV, TEACHING_DB_NAME, teaching_db_path
from bot.watch import DEFAULT_EVERY_SECONDS

_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_POSTGRES_SCHEMES = ("postgresql", "postgres")
KNOWLEDGE_WATCH_ENV = "KNOWLEDGE_WATCH_SECONDS"
DEFAULT_WATCH_SECONDS = int(DEFAULT_EVERY_SECONDS)


class SettingsError(ValueError):
    """A setting that is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything `klippekort-bot run` needs to know."""

    token: str
    api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    admin_user_ids: frozenset[int] = frozenset()
    knowledge_path: Path = field(default_factory=default_knowledge_path)
    default_language: str = "da"
    log_level: str = "INFO"
    max_update_age: int = 24 * 3600
    user_questions_per_minute: int = 20
    question_log: Path | None = None
    question_log_days: int = DEFAULT_RETENTION_DAYS
    follow_up_minutes: int = DEFAULT_TIMEOUT_SECONDS // 60
    # Where languages, follow-up contexts and handled update ids are kept: PostgreSQL
    # (DATABASE_URL, several replicas; the question log goes there too), else the SQLite file
    # STATE_DB, else (None) memory.
    database_url: str | None = None
    state_db: Path | None = None
    state_days: int = DEFAULT_STATE_DAYS
    # The audit of teaching (/ubesvarede's buttons); None: beside the question log.
    teaching_db: Path | None = None
    # Seconds between two looks at the knowledge file (a change is used without /reload);
    # 0 turns the watching off.
    knowledge_watch_seconds: int = DEFAULT_WATCH_SECONDS

    @property
    def teaching_audit(self) -> Path:
        """The audit's file: TEACHING_DB, else beside the question log."""
        if self.teaching_db is not None:
            return self.teaching_db
        if self.question_log is not None:
            return self.question_log.parent / TEACHING_DB_NAME
        return teaching_db_path({})

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path the webhook server listens on: the path of WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path.lstrip("/")


def read_environment(env_file: Path | None = Path(".env")) -> dict[str, str]:
    """The process environment over the values of `env_file` (when it exists)."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def load_settings(env: Mapping[str, str]) -> Settings:
    """Parse and check the settings; raise SettingsError for the first bad one."""

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)")
    if not _TOKEN.match(token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters)"
        )
    api_base_url = get("TELEGRAM_API_BASE_URL")
    if api_base_url is not None:
        _check_url("TELEGRAM_API_BASE_URL", api_base_url, https_only=False)
    webhook_url = get("WEBHOOK_URL")
    if webhook_url is not None:
        _check_url("WEBHOOK_URL", webhook_url, https_only=True)
    secret = get("WEBHOOK_SECRET")
    if secret is not None and not _SECRET.match(secret):
        raise SettingsError("WEBHOOK_SECRET may only hold 1-256 letters, digits, _ and -")
    language = (get("DEFAULT_LANGUAGE") or "da").lower()
    if language not in ("da", "en"):
        raise SettingsError(f"DEFAULT_LANGUAGE must be da or en, not {language!r}")
    level = (get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    database_url = get(DATABASE_URL_ENV)
    if database_url is not None and urlsplit(database_url).scheme not in _POSTGRES_SCHEMES:
        # Never echoed: the URL may hold a password.
        raise SettingsError(f"{DATABASE_URL_ENV} must be a postgresql:// URL")
    question_log = question_log_path(env.get(QUESTION_LOG_ENV))
    return Settings(
        token=token,
        api_base_url=api_base_url,
        webhook_url=webhook_url,
        webhook_listen=get("WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_port=_integer(env, "WEBHOOK_PORT", 8443, 1, 65535),
        webhook_secret=secret,
        admin_user_ids=_user_ids(get("ADMIN_USER_IDS")),
        knowledge_path=Path(get("KLIPPEKORT_KNOWLEDGE") or default_knowledge_path()),
        default_language=language,
        log_level=level,
        max_update_age=_duration(get("MAX_UPDATE_AGE") or "24h"),
        user_questions_per_minute=_integer(env, "USER_QUESTIONS_PER_MINUTE", 20, 1, 10_000),
        question_log=question_log,
        question_log_days=_integer(env, QUESTION_LOG_DAYS_ENV, DEFAULT_RETENTION_DAYS, 1, 36_500),
        follow_up_minutes=_integer(
            env, "FOLLOW_UP_MINUTES", DEFAULT_TIMEOUT_SECONDS // 60, 0, 24 * 60
        ),
        database_url=database_url,
        state_db=state_db_path(env.get(STATE_DB_ENV), question_log),
        state_days=_integer(env, STATE_DAYS_ENV, DEFAULT_STATE_DAYS, 1, 36_500),
        teaching_db=_path(get(TEACHING_DB_ENV)),
        knowledge_watch_seconds=_integer(
            env, KNOWLEDGE_WATCH_ENV, DEFAULT_WATCH_SECONDS, 0, 24 * 3600
        ),
    )


def _path(text: str | None) -> Path | None:
    return Path(text) if text is not None else None


def _check_url(name: str, value: str, https_only: bool) -> None:
    parts = urlsplit(value)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    schemes = ("https",) if https_only and not local else ("http", "https")
    if parts.scheme not in schemes or not parts.hostname:
        wanted = "an https:// URL" if https_only else "an http:// or https:// URL"
        raise SettingsError(f"{name} must be {wanted}, not {value!r}")


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    # isascii: str.isdigit() accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


def _user_ids(text: str | None) -> frozenset[int]:
    if text is None:
        return frozenset()
    ids = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if not all(re.fullmatch(r"-?\d+", part) for part in ids):
        raise SettingsError(
            f"ADMIN_USER_IDS must be numeric user ids separated by commas: {text!r}"
        )
    return frozenset(int(part) for part in ids)


def _duration(text: str) -> int:
    match = _DURATION.match(text.strip().lower())
    if match is None:
        raise SettingsError(
            f"MAX_UPDATE_AGE must be a duration like 3600, 90m, 24h or 2d, not {text!r}"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]
