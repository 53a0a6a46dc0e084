"""The Telegram adapter (python-telegram-bot), one module per concern.

`application.py` puts it together; `services.py` is what handlers share (typed, on the
context); `guards.py` runs before every handler; `commands.py`, `questions.py`, `buttons.py`,
`inline.py` and `admin.py` are the handlers; `errors.py` the error handler. Sending and markup:
`replies.py`, `formatting.py`, `keyboards.py`, `charts.py`. `main.py` is `klippekort-bot run`.
Every text the bot says comes from the knowledge base's `ui:` section (`context.text`).
"""
