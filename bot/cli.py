"""The `klippekort-bot` command: ask, chat, check, run, chart, report, suggest, learn, dismiss."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.assistant import Assistant
from bot.cache import load_assistant
from bot.followup import Conversations
from bot.knowledge import KnowledgeBase, KnowledgeError, default_knowledge_path, load_knowledge
from bot.matcher import Concepts, concepts_met_only_indirectly
from bot.render import format_number
from bot.stopwords import ALL_STOPWORDS

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe
# The commands whose output may be piped into another program.
WRITERS = frozenset({"ask", "chat", "check", "report", "suggest", "learn", "dismiss", None})
TELEGRAM_HINT = (
    "To connect Telegram, set TELEGRAM_BOT_TOKEN (see .env.example) and run `klippekort-bot run`."
)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--knowledge",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="knowledge base to use (default: $KLIPPEKORT_KNOWLEDGE or knowledge/klippekort.yaml)",
    )
    parser = argparse.ArgumentParser(
        prog="klippekort-bot",
        description="Answers questions about Klippekortet, in Danish and English.",
        parents=[common],
        epilog="Without a command: the Telegram bot when TELEGRAM_BOT_TOKEN is set (in the "
        "environment or .env), else the console chat.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="answer questions and exit")
    ask.add_argument("question", nargs="*", help="the question; without it, one per input line")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument("--lang", choices=("da", "en"), help="language hint")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help='the input lines are one conversation, so follow-ups ("og 2015?") are understood',
    )

    chat = commands.add_parser("chat", parents=[common], help="a conversation in the console")
    chat.add_argument("--lang", choices=("da", "en"), help="language hint")

    check = commands.add_parser("check", parents=[common], help="validate a knowledge base")
    check.add_argument("path", nargs="?", type=Path, help="the file (default: the one in use)")

    commands.add_parser("run", parents=[common], help="run the Telegram bot (TELEGRAM_BOT_TOKEN)")

    chart = commands.add_parser("chart", parents=[common], help="draw the usage chart as PNG")
    chart.add_argument("--lang", choices=("da", "en"), default="da", help="language of the texts")
    chart.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png")

    report = commands.add_parser("report", help="what people asked: from the question log")
    report.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    report.add_argument("--json", action="store_true", help="the report as one JSON object")
    report.add_argument(
        "--log",
        type=Path,
        metavar="PATH",
        help="an SQLite question log (default: $DATABASE_URL, else $QUESTION_LOG)",
    )
    from bot import teaching_cli

    teaching_cli.add_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = _parser().parse_args(argv)
    knowledge_path: Path = getattr(args, "knowledge", None) or default_knowledge_path()
    telegram = args.command == "run" or (args.command is None and _telegram_token_set())
    try:
        if args.command == "check":
            in_use = args.path is None or args.path.absolute() == knowledge_path.absolute()
            return _check(args.path or knowledge_path, store=in_use)
        if telegram:
            return _run_telegram(getattr(args, "knowledge", None))
        if args.command == "chart":
            return _chart(load_knowledge(knowledge_path), args.lang, args.output)
        if args.command in ("suggest", "learn", "dismiss"):
            from bot import teaching_cli
            from bot.adapters.telegram.settings import read_environment

            return teaching_cli.run(args, knowledge_path, read_environment())
        if args.command == "report":
            return _report(args.log, args.days, args.json)
        if args.command == "ask":
            return _ask(
                load_assistant(knowledge_path),
                args.question,
                args.json,
                args.lang,
                Conversations() if args.conversation else None,
            )
        if args.command == "chat" or sys.stdin.isatty():
            assistant = load_assistant(knowledge_path)
            if args.command is None:
                print(TELEGRAM_HINT)
            from bot.adapters.console import ConsoleChat

            return ConsoleChat(assistant, language=getattr(args, "lang", None)).run()
    except KnowledgeError as error:
        _print_problems(error)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        if telegram or args.command not in WRITERS:
            raise  # a broken connection of the bot's own is not a closed standard output
        # The reader went away (`klippekort-bot ask < questions | head`): stop quietly, as
        # other Unix tools do, and keep Python from complaining when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    print(
        "klippekort-bot: no TELEGRAM_BOT_TOKEN is set and standard input is not a terminal. "
        "Use `klippekort-bot ask` to answer questions from standard input. " + TELEGRAM_HINT,
        file=sys.stderr,
    )
    return EXIT_USAGE


def _print_problems(error: KnowledgeError) -> None:
    print(
        f"klippekort-bot: the knowledge base has {len(error.problems)} problem(s):", file=sys.stderr
    )
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)


def _check(path: Path, store: bool = False) -> int:
    # The knowledge base in use is validated afresh and its build kept for `ask` and `chat`.
    try:
        knowledge = load_assistant(path, rebuild=True).knowledge if store else load_knowledge(path)
    except KnowledgeError as error:
        _print_problems(error)
        return EXIT_USAGE
    phrasings = sum(len(p) for e in knowledge.entries.values() for p in e.phrasings.values())
    _warn_of_indirect_concepts(path, knowledge)
    print(
        f"{path}: OK – {len(knowledge.entries)} entries, {phrasings} phrasings, "
        f"languages {', '.join(knowledge.languages)}, {len(knowledge.facts.usage)} usage periods "
        f"adding up to {format_number(knowledge.facts.reported_total, 'en')} of "
        f"{format_number(knowledge.facts.pool_hours, 'en')} hours"
    )
    return 0


def _warn_of_indirect_concepts(path: Path, knowledge: KnowledgeBase) -> None:
    """Warn of a concept that phrasings meet only through another word's stem or a filler
    inside an expression: meant for something the card is not about, it has silently become
    part of the entries' words."""
    concepts = Concepts(knowledge.concepts, ALL_STOPWORDS)
    met = concepts_met_only_indirectly(concepts, knowledge.entries)
    if not met:
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    for name, uses in met.items():
        line = next((n for n, text in enumerate(lines, 1) if text.strip() == f"{name}:"), 0)
        words = ", ".join(sorted({word for _, word in uses}))
        entries = ", ".join(sorted({entry_id for entry_id, _ in uses}))
        print(
            f"{path}:{line}: warning: concept '{name}' is in no phrasing, yet {words} ({entries})"
            " meets it through a shared stem or a filler word inside one of its expressions:"
            " those phrasings now read it, so a message naming it is no longer kept from an"
            " answer; use a word whose stem is its own, or reword the phrasing",
            file=sys.stderr,
        )


def _ask(
    assistant: Assistant,
    words: list[str],
    as_json: bool,
    language: str | None,
    conversation: Conversations | None = None,
) -> int:
    questions = [" ".join(words)] if words else (line.rstrip("\n") for line in sys.stdin)
    first = True
    for question in questions:
        if not question.strip() and not words:
            continue
        if conversation is None:
            reply = assistant.reply(question, language)
        else:
            reply = assistant.converse(question, conversation, "ask", language)
        if as_json:
            print(json.dumps(reply.as_dict(question), ensure_ascii=False), flush=True)
            continue
        if not first:
            print()
        first = False
        print(reply.text)
        if reply.source:
            print(reply.source)
        sys.stdout.flush()
    return 0


def _chart(knowledge: KnowledgeBase, language: str, output: Path) -> int:
    from bot.chart import render_chart

    try:
        output.write_bytes(render_chart(knowledge, language))
    except OSError as error:
        print(f"klippekort-bot: cannot write {output}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{output}: the usage chart ({language})")
    return 0


def _report(log_path: Path | None, days: int, as_json: bool) -> int:
    from bot.adapters.telegram.settings import read_environment
    from bot.logreader import LogReadError, reader_from_environment
    from bot.report import build_report, render_report

    try:
        with reader_from_environment(read_environment(), log_path) as reader:
            report = build_report(reader, days)
    except LogReadError as error:
        print(f"klippekort-bot: {error}", file=sys.stderr)
        return EXIT_USAGE
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(render_report(report))
    return 0


def _telegram_token_set() -> bool:
    from bot.adapters.telegram.settings import read_environment

    return bool(read_environment().get("TELEGRAM_BOT_TOKEN", "").strip())


def _run_telegram(knowledge_path: Path | None) -> int:
    # Imported here so that `ask` and `chat` start without loading python-telegram-bot.
    from bot.adapters.telegram.main import run

    return run(knowledge_path)
