# Klippekort-bot. Needs only python3 (3.11 or newer) on PATH; everything else goes into .venv/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint format typecheck pytest eval bench check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv/ and install the bot with its dev tools (quick when up to date)

run: install ## run the bot: Telegram when TELEGRAM_BOT_TOKEN is set (or in .env), else the console chat
	$(BIN)/klippekort-bot

test: lint typecheck pytest ## lint, type check and run every test

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check bot tests scripts
	$(BIN)/ruff format --check bot tests scripts

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix bot tests scripts
	$(BIN)/ruff format bot tests scripts

typecheck: install ## mypy --strict on bot/
	$(BIN)/mypy

pytest: install ## run the test suite
	$(BIN)/python -m pytest -q

eval: install ## accuracy and rejection on the dev, held-out and follow-up sets; the learning curve
	$(BIN)/python -m bot.evaluation

bench: install ## speed of the core, the knowledge-base load, `ask` start-up, Telegram end to end, the state store
	$(BIN)/python scripts/bench.py && $(BIN)/python scripts/bench_telegram.py && $(BIN)/python scripts/bench_state.py

check: install ## validate the knowledge base: facts, entries, concepts and every ui: text in both languages
	$(BIN)/klippekort-bot check

clean: ## remove .venv/ and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
