"""The teaching commands of `klippekort-bot`: suggest, learn and dismiss (see bot/teaching.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from bot.teaching import (
    Group,
    TeachingError,
    TeachingLog,
    dismiss,
    find_group,
    learn,
    learn_group,
    suggestions,
    teaching_db_path,
)

COMMANDS = frozenset({"suggest", "learn", "dismiss"})
EXIT_REFUSED = 1  # nothing was added: a duplicate, or closer to another entry
EXIT_ERROR = 2
WHO = "cli"
DEFAULT_DAYS = 30


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """The suggest, learn and dismiss subcommands."""
    log = argparse.ArgumentParser(add_help=False)
    log.add_argument(
        "--log",
        type=Path,
        metavar="PATH",
        help="an SQLite question log (default: $DATABASE_URL, else $QUESTION_LOG)",
    )
    log.add_argument(
        "--days",
        type=_days,
        default=DEFAULT_DAYS,
        help=f"how far back in the question log (default {DEFAULT_DAYS})",
    )

    suggest = commands.add_parser(
        "suggest",
        parents=[common, log],
        help="questions to learn from: unanswered, 'none of these' or 👎, grouped",
    )
    suggest.add_argument("--json", action="store_true", help="one JSON object per group")
    suggest.add_argument(
        "--history", action="store_true", help="what was taught and dismissed, newest first"
    )

    teach = commands.add_parser(
        "learn",
        parents=[common, log],
        help="add a question (or a suggested group) as a phrasing of an entry",
        usage='%(prog)s "QUESTION" ENTRY [--lang da|en] | %(prog)s --group ID ENTRY',
    )
    teach.add_argument("words", nargs="+", metavar="QUESTION ENTRY", help=argparse.SUPPRESS)
    teach.add_argument("--group", metavar="ID", help="a group id from `suggest`")
    teach.add_argument("--lang", choices=("da", "en"), help="the question's language")
    teach.add_argument(
        "--force", action="store_true", help="add even if it matches another entry better"
    )

    drop = commands.add_parser(
        "dismiss", parents=[common, log], help="drop a suggested group for good"
    )
    drop.add_argument("group", metavar="ID", help="a group id from `suggest`")


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError("the number of days must be 1 or more")
    return days


def run(args: argparse.Namespace, knowledge_path: Path, env: Mapping[str, str]) -> int:
    """Run one teaching command; errors are printed as one clear line, never a traceback."""
    audit = TeachingLog(teaching_db_path(env))
    try:
        if args.command == "suggest":
            if args.history:
                return _history(audit, args.json)
            return _suggest(args, knowledge_path, env, audit)
        if args.command == "learn":
            return _learn(args, knowledge_path, env, audit)
        group = _group(args, knowledge_path, env, audit, args.group)
        dismiss(audit, group, WHO)
        print(f"dismissed group {group.id} ({group.count} × {group.questions[0]})")
        return 0
    except TeachingError as error:
        print(f"klippekort-bot: {error}", file=sys.stderr)
        return EXIT_ERROR


def _suggest(
    args: argparse.Namespace, knowledge_path: Path, env: Mapping[str, str], audit: TeachingLog
) -> int:
    groups = _groups(args, knowledge_path, env, audit)
    if args.json:
        for group in groups:
            print(json.dumps(group.as_dict(), ensure_ascii=False))
        return 0
    print(f"Questions to learn from, last {args.days} days: {len(groups)} group(s)")
    for group in groups:
        print()
        print(f"[{group.id}] {group.count} × {group.questions[0]}")
        for wording in group.questions[1:3]:
            print(f"      – {wording}")
        reasons = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in group.reasons.items())
        print(f"    why: {reasons}")
        likely = [
            f"{c.entry_id} {c.score:.0f}" + (f" ({', '.join(c.concepts)})" if c.concepts else "")
            for c in group.candidates
        ]
        print(f"    likely: {'; '.join(likely) if likely else '(no entry fits)'}")
    if groups:
        print()
        print(
            "Teach a group: klippekort-bot learn --group ID ENTRY;"
            " drop it: klippekort-bot dismiss ID"
        )
    return 0


def _history(audit: TeachingLog, as_json: bool) -> int:
    records = audit.history()
    if as_json:
        for record in records:
            print(json.dumps(record.as_dict(), ensure_ascii=False))
        return 0
    if not records:
        print("Nothing taught or dismissed yet.")
    for record in records:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.at))
        what = f"{record.action} {record.entry_id or ''}".rstrip()
        if record.phrasing is not None:
            what += f' ({record.language}) "{record.phrasing}"'
        group = f" [group {record.group_id}]" if record.group_id else ""
        print(f"{when}  {record.who}  {what}{group}")
    return 0


def _learn(
    args: argparse.Namespace, knowledge_path: Path, env: Mapping[str, str], audit: TeachingLog
) -> int:
    words: list[str] = args.words
    if args.group is not None:
        if len(words) != 1:
            raise TeachingError("give one entry after --group ID: learn --group ID ENTRY")
        group = _group(args, knowledge_path, env, audit, args.group)
        outcome = learn_group(knowledge_path, group, words[0], args.force, audit=audit, who=WHO)
    else:
        if len(words) != 2:
            raise TeachingError(
                'give the question in quotes, then the entry: learn "QUESTION" ENTRY'
            )
        question, entry_id = words
        outcome = learn(knowledge_path, question, entry_id, args.lang, args.force, audit=audit)
    print(outcome.describe())
    if not outcome.changed:
        return EXIT_REFUSED
    print(
        f"{knowledge_path}: saved. A running bot takes it by itself (it watches the file), or"
        " after /reload."
    )
    return 0


def _groups(
    args: argparse.Namespace, knowledge_path: Path, env: Mapping[str, str], audit: TeachingLog
) -> list[Group]:
    from bot.cache import load_assistant
    from bot.logreader import LogOffError, LogReadError, reader_from_environment

    try:
        reader = reader_from_environment(env, args.log)
    except LogOffError as error:
        raise TeachingError(f"{error}: nothing to suggest") from None
    except LogReadError as error:
        raise TeachingError(str(error)) from None
    with reader:
        assistant = load_assistant(knowledge_path)
        try:
            return suggestions(reader, assistant, audit, args.days)
        except LogReadError as error:
            raise TeachingError(str(error)) from None


def _group(
    args: argparse.Namespace,
    knowledge_path: Path,
    env: Mapping[str, str],
    audit: TeachingLog,
    group_id: str,
) -> Group:
    return find_group(_groups(args, knowledge_path, env, audit), group_id)
