"""Settings of the Telegram bot (`load_settings`, `read_environment`) and the log redaction."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.telegram.main import configure_logging, secrets_of
from bot.adapters.telegram.redaction import RedactingFormatter
from bot.adapters.telegram.settings import Settings, SettingsError, load_settings, read_environment
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, KNOWLEDGE_ENV

TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz_-0123"


def settings(**env: str) -> Settings:
    return load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})


def error_of(**env: str) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    message = str(raised.value)
    assert "\n" not in message
    return message


# -- defaults ------------------------------------------------------------------------------------


def test_defaults_with_only_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KNOWLEDGE_ENV, raising=False)
    loaded = settings()
    assert loaded == Settings(
        token=TOKEN,
        knowledge_path=DEFAULT_KNOWLEDGE_PATH,
        question_log=Path("data") / "questions.sqlite3",
        state_db=Path("data") / "state.sqlite3",
    )
    assert loaded.question_log_days == 90
    assert loaded.database_url is None
    assert loaded.state_days == 180
    assert loaded.api_base_url is None
    assert loaded.webhook_url is None
    assert not loaded.uses_webhook
    assert loaded.webhook_listen == "127.0.0.1"
    assert loaded.webhook_port == 8443
    assert loaded.webhook_secret is None
    assert loaded.admin_user_ids == frozenset()
    assert loaded.default_language == "da"
    assert loaded.log_level == "INFO"
    assert loaded.max_update_age == 24 * 3600
    assert loaded.user_questions_per_minute == 20


def test_blank_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KNOWLEDGE_ENV, raising=False)
    names = (
        "TELEGRAM_API_BASE_URL WEBHOOK_URL WEBHOOK_LISTEN WEBHOOK_PORT WEBHOOK_SECRET "
        "ADMIN_USER_IDS KLIPPEKORT_KNOWLEDGE DEFAULT_LANGUAGE LOG_LEVEL MAX_UPDATE_AGE "
        "USER_QUESTIONS_PER_MINUTE"
    ).split()
    assert settings(**dict.fromkeys(names, "  ")) == settings()


# -- TELEGRAM_BOT_TOKEN ---------------------------------------------------------------------------


@pytest.mark.parametrize("env", [{}, {"TELEGRAM_BOT_TOKEN": ""}, {"TELEGRAM_BOT_TOKEN": "   "}])
def test_missing_token(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is not set"):
        load_settings(env)


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "123456789",
        "123456789:",
        "12:AAEabcdefghijklmnopqrstuvwxyz",  # too few digits
        "123456789:short",
        "abc:AAEabcdefghijklmnopqrstuvwxyz",
        "123456789:AAE abcdefghijklmnopqrstuvwxyz",
        "123456789:AAEabcdefghijklmnopqrstuvwxyz!",
        "bot123456789:AAEabcdefghijklmnopqrstuvwxyz",
    ],
)
def test_malformed_token_is_rejected_without_echoing_it(token: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=token)
    assert "TELEGRAM_BOT_TOKEN does not look like a bot token" in message
    assert token not in message  # a near-valid token is still a secret


def test_token_is_stripped() -> None:
    assert load_settings({"TELEGRAM_BOT_TOKEN": f"  {TOKEN}\n"}).token == TOKEN


# -- TELEGRAM_API_BASE_URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8081/bot", "https://api.example.org/bot", "http://telegram-api/bot"]
)
def test_api_base_url_accepts_http_and_https(url: str) -> None:
    assert settings(TELEGRAM_API_BASE_URL=url).api_base_url == url


@pytest.mark.parametrize(
    "url", ["api.telegram.org/bot", "ftp://api.telegram.org/bot", "http://", "https:///bot", "x"]
)
def test_bad_api_base_url(url: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=url)
    assert message.startswith("TELEGRAM_API_BASE_URL must be an http:// or https:// URL")
    assert repr(url) in message


# -- WEBHOOK_URL, WEBHOOK_LISTEN, WEBHOOK_PORT, WEBHOOK_SECRET -------------------------------------


def test_https_webhook_url() -> None:
    loaded = settings(WEBHOOK_URL="https://bot.example.org/telegram/hook")
    assert loaded.uses_webhook
    assert loaded.webhook_url == "https://bot.example.org/telegram/hook"
    assert loaded.webhook_path == "telegram/hook"


@pytest.mark.parametrize(
    "url", ["http://bot.example.org/hook", "http://10.0.0.5:8443/hook", "ftp://bot.example.org/h"]
)
def test_webhook_url_must_be_https(url: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_URL=url)
    assert message.startswith("WEBHOOK_URL must be an https:// URL")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8443/hook", "http://localhost/hook", "http://[::1]:9000/hook"]
)
def test_webhook_url_may_be_http_on_localhost(url: str) -> None:
    loaded = settings(WEBHOOK_URL=url)
    assert loaded.webhook_url == url
    assert loaded.webhook_path == "hook"


def test_webhook_without_path_listens_on_the_root() -> None:
    assert settings(WEBHOOK_URL="https://bot.example.org").webhook_path == ""


def test_webhook_listen_and_port() -> None:
    loaded = settings(WEBHOOK_LISTEN="0.0.0.0", WEBHOOK_PORT=" 8080 ")
    assert (loaded.webhook_listen, loaded.webhook_port) == ("0.0.0.0", 8080)
    assert settings(WEBHOOK_PORT="1").webhook_port == 1
    assert settings(WEBHOOK_PORT="65535").webhook_port == 65535


@pytest.mark.parametrize("port", ["0", "65536", "100000", "-1", "abc", "80.5", "8 443", "0x50"])
def test_bad_webhook_port(port: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_PORT=port)
    assert message == f"WEBHOOK_PORT must be a whole number from 1 to 65535, not {port!r}"


@pytest.mark.parametrize("number", ["²", "8443²", "١٢"])
def test_non_ascii_digits_are_not_a_port(number: str) -> None:
    # str.isdigit() accepts "²", which int() refuses: this must still be a SettingsError.
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_PORT=number)
    assert message.startswith("WEBHOOK_PORT must be a whole number")


@pytest.mark.parametrize("secret", ["s3cret", "A-b_9", "x" * 256])
def test_good_webhook_secret(secret: str) -> None:
    assert settings(WEBHOOK_SECRET=secret).webhook_secret == secret


@pytest.mark.parametrize(
    "secret", ["with space", "dots.are.bad", "slash/", "æøå", "semi;colon", "x" * 257]
)
def test_bad_webhook_secret_is_rejected_without_echoing_it(secret: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_SECRET=secret)
    assert message == "WEBHOOK_SECRET may only hold 1-256 letters, digits, _ and -"
    assert secret not in message


# -- ADMIN_USER_IDS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("1, 2;3", {1, 2, 3}),
        ("42", {42}),
        ("7,7, 7", {7}),
        (" 10 ;; 20 ,", {10, 20}),
        ("-100123", {-100123}),
        ("", set()),
    ],
)
def test_admin_user_ids(text: str, ids: set[int]) -> None:
    assert settings(ADMIN_USER_IDS=text).admin_user_ids == frozenset(ids)


@pytest.mark.parametrize("text", ["1, two", "1 2", "@admin", "1.5", "1,-,2"])
def test_bad_admin_user_ids(text: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, ADMIN_USER_IDS=text)
    assert message.startswith("ADMIN_USER_IDS must be numeric user ids separated by commas")


# -- DEFAULT_LANGUAGE, LOG_LEVEL, KLIPPEKORT_KNOWLEDGE, USER_QUESTIONS_PER_MINUTE ---------------


@pytest.mark.parametrize(("text", "language"), [("da", "da"), ("en", "en"), (" EN ", "en")])
def test_default_language(text: str, language: str) -> None:
    assert settings(DEFAULT_LANGUAGE=text).default_language == language


@pytest.mark.parametrize("text", ["de", "dansk", "english", "da-DK"])
def test_bad_default_language(text: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, DEFAULT_LANGUAGE=text)
    assert message.startswith("DEFAULT_LANGUAGE must be da or en")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("debug", "DEBUG"),
        ("INFO", "INFO"),
        ("Warning", "WARNING"),
        ("error", "ERROR"),
        ("critical", "CRITICAL"),
    ],
)
def test_log_level(text: str, level: str) -> None:
    assert settings(LOG_LEVEL=text).log_level == level


@pytest.mark.parametrize("text", ["verbose", "WARN", "10", "trace"])
def test_bad_log_level(text: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, LOG_LEVEL=text)
    assert message.startswith("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")


def test_knowledge_path(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    assert settings(KLIPPEKORT_KNOWLEDGE=str(path)).knowledge_path == path


def test_user_questions_per_minute() -> None:
    assert settings(USER_QUESTIONS_PER_MINUTE="5").user_questions_per_minute == 5
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, USER_QUESTIONS_PER_MINUTE="0")
    assert message.startswith("USER_QUESTIONS_PER_MINUTE must be a whole number from 1 to 10000")


# -- the state store -----------------------------------------------------------------------------


def test_state_db_beside_the_question_log_or_off(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "q.sqlite3"
    assert settings(QUESTION_LOG=str(log)).state_db == tmp_path / "logs" / "state.sqlite3"
    assert settings(STATE_DB=str(tmp_path / "s.db")).state_db == tmp_path / "s.db"
    assert settings(STATE_DB="off").state_db is None
    assert settings(STATE_DAYS="30").state_days == 30
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, STATE_DAYS="0")
    assert message.startswith("STATE_DAYS must be a whole number from 1 to 36500")


def test_the_knowledge_file_is_watched_every_few_seconds_or_not_at_all() -> None:
    assert settings().knowledge_watch_seconds == 5
    assert settings(KNOWLEDGE_WATCH_SECONDS="30").knowledge_watch_seconds == 30
    assert settings(KNOWLEDGE_WATCH_SECONDS="0").knowledge_watch_seconds == 0
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, KNOWLEDGE_WATCH_SECONDS="5s")
    assert message.startswith("KNOWLEDGE_WATCH_SECONDS must be a whole number from 0 to 86400")


def test_the_teaching_audit_beside_the_question_log_unless_told(tmp_path: Path) -> None:
    log = tmp_path / "q.sqlite3"
    assert settings(QUESTION_LOG=str(log)).teaching_audit == tmp_path / "teaching.sqlite3"
    chosen = tmp_path / "audit" / "a.sqlite3"
    told = settings(QUESTION_LOG=str(log), TEACHING_DB=str(chosen))
    assert told.teaching_audit == chosen
    assert settings(QUESTION_LOG="off").teaching_audit == Path("data") / "teaching.sqlite3"


def test_database_url_must_be_postgresql_and_is_never_echoed() -> None:
    url = "postgresql://bot:hemmeligt@db.example/klippekort"
    assert settings(DATABASE_URL=url).database_url == url
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL="mysql://bot:hemmeligt@db/k")
    assert message == "DATABASE_URL must be a postgresql:// URL"


def test_the_database_password_is_hidden_from_the_log() -> None:
    url = "postgresql://bot:hemmeligt-kodeord@db.example/klippekort"
    assert "hemmeligt-kodeord" in secrets_of(settings(DATABASE_URL=url))


# -- MAX_UPDATE_AGE ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600),
        ("45s", 45),
        ("90m", 5400),
        ("24h", 86400),
        ("2d", 172800),
        ("2 D", 172800),
        ("0", 0),
    ],
)
def test_max_update_age(text: str, seconds: int) -> None:
    assert settings(MAX_UPDATE_AGE=text).max_update_age == seconds


@pytest.mark.parametrize("text", ["soon", "1w", "1.5h", "-5m", "h", "24hours", "1h30m"])
def test_bad_max_update_age(text: str) -> None:
    message = error_of(TELEGRAM_BOT_TOKEN=TOKEN, MAX_UPDATE_AGE=text)
    assert message == f"MAX_UPDATE_AGE must be a duration like 3600, 90m, 24h or 2d, not {text!r}"


def test_the_token_is_checked_first() -> None:
    message = error_of(WEBHOOK_PORT="abc", LOG_LEVEL="loud")
    assert message.startswith("TELEGRAM_BOT_TOKEN is not set")


# -- read_environment ----------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("TELEGRAM_BOT_TOKEN", "LOG_LEVEL", "MAX_UPDATE_AGE", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_env_file_is_read(tmp_path: Path, clean_environment: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
        'LOG_LEVEL="debug"\n'
        "export MAX_UPDATE_AGE=90m\n"
        "EMPTY_WITHOUT_VALUE\n",
        encoding="utf-8",
    )
    values = read_environment(env_file)
    assert values["TELEGRAM_BOT_TOKEN"] == TOKEN
    assert values["LOG_LEVEL"] == "debug"
    assert "EMPTY_WITHOUT_VALUE" not in values
    loaded = load_settings(values)
    assert (loaded.token, loaded.log_level, loaded.max_update_age) == (TOKEN, "DEBUG", 5400)


def test_process_environment_wins_over_env_file(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nLOG_LEVEL=DEBUG\n", encoding="utf-8")
    other = "987654321:ZZZabcdefghijklmnopqrstuvwxyz"
    clean_environment.setenv("TELEGRAM_BOT_TOKEN", other)
    values = read_environment(env_file)
    assert values["TELEGRAM_BOT_TOKEN"] == other
    assert values["LOG_LEVEL"] == "DEBUG"  # still from the file
    assert load_settings(values).token == other


def test_missing_or_no_env_file_gives_the_process_environment(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for env_file in (tmp_path / "absent.env", None, tmp_path):  # a folder is not a file
        values = read_environment(env_file)
        assert values["TELEGRAM_BOT_TOKEN"] == TOKEN
        assert "LOG_LEVEL" not in values


def test_default_env_file_is_the_working_directory(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    clean_environment.chdir(tmp_path)
    assert read_environment()["TELEGRAM_BOT_TOKEN"] == TOKEN


# -- RedactingFormatter and configure_logging ----------------------------------------------------

FORMAT = "%(levelname)s %(name)s: %(message)s"


def record(message: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    return logging.LogRecord(
        "klippekort",
        logging.ERROR,
        __file__,
        1,
        message,
        args or None,
        sys.exc_info() if exc_info else None,
    )


def test_token_in_the_message_is_hidden() -> None:
    formatter = RedactingFormatter([TOKEN], FORMAT)
    text = formatter.format(record(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed"))
    assert TOKEN not in text
    assert text == "ERROR klippekort: POST https://api.telegram.org/bot<hidden>/getMe failed"


def test_token_in_the_arguments_is_hidden() -> None:
    formatter = RedactingFormatter([TOKEN], FORMAT)
    text = formatter.format(record("url %s, again %r", f"/bot{TOKEN}/x", TOKEN))
    assert TOKEN not in text
    assert text == "ERROR klippekort: url /bot<hidden>/x, again '<hidden>'"


def test_token_in_an_exception_is_hidden() -> None:
    formatter = RedactingFormatter([TOKEN, "hook-secret"], FORMAT)
    try:
        raise RuntimeError(f"cannot reach /bot{TOKEN}/getUpdates with hook-secret")
    except RuntimeError:
        text = formatter.format(record("polling failed", exc_info=True))
    assert "Traceback" in text  # the trace is kept, only the secrets go
    assert "RuntimeError: cannot reach /bot<hidden>/getUpdates with <hidden>" in text
    assert TOKEN not in text
    assert "hook-secret" not in text


def test_token_in_stack_info_is_hidden() -> None:
    formatter = RedactingFormatter([TOKEN], FORMAT)
    entry = record("where")
    entry.stack_info = f"Stack (most recent call last):\n  token={TOKEN}"
    assert TOKEN not in formatter.format(entry)


def test_empty_secrets_are_ignored() -> None:
    formatter = RedactingFormatter([TOKEN, ""], FORMAT)
    assert formatter.secrets == [TOKEN]
    text = formatter.format(record("nothing secret here"))
    assert text == "ERROR klippekort: nothing secret here"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_configure_logging_hides_token_and_secret(restore_logging: None) -> None:
    configure_logging(settings(LOG_LEVEL="debug", WEBHOOK_SECRET="hook-secret-value"))
    root = logging.getLogger()
    assert root.level == logging.DEBUG
    assert len(root.handlers) == 1
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    logging.getLogger("telegram.ext").debug("token %s secret %s", TOKEN, "hook-secret-value")
    written = stream.getvalue()
    assert "DEBUG telegram.ext: token <hidden> secret <hidden>" in written
    assert TOKEN not in written
    assert "hook-secret-value" not in written
