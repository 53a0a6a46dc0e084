"""The Telegram adapter (python-telegram-bot): settings, handlers and the `run` command."""
