"""Read and validate the YAML knowledge base.

The loader walks PyYAML's node tree rather than plain Python objects so that every problem can be
reported with the file and line it comes from. All problems are collected before refusing a file,
so one `check` run lists everything an editor has to fix.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.matcher import CONCEPT_MARK, Concepts, gapped_expression
from bot.model import (
    PLACEHOLDER_RE,
    SUPPORTED_LANGUAGES,
    Entry,
    Facts,
    KnowledgeBase,
    KnowledgeError,
    Localized,
    Problem,
    UsageRow,
)
from bot.normalize import fold, normalize
from bot.stopwords import ALL_STOPWORDS

try:  # libyaml is about four times faster; fall back to the pure loader where it is missing.
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

REQUIRED_ENTRIES = ("remaining_hours", "usage", "interface_costs", "contact")
# What an entry answers about (`Entry.slot`).
SLOTS = ("period", "extremes", "end", "pool", "document")
PERIOD_VARIANTS = ("single_year", "multi_year", "year_in_period", "out_of_range")
PHRASING_PLACEHOLDERS = frozenset({"year"})
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# An entry's id travels in a button's callback data (Telegram allows 64 bytes in all).
MAX_ID_LENGTH = 40
_PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{4}))?$")

# Which placeholders each kind of template may use, besides the shared fact names.
UI_TEMPLATE_NAMES: Mapping[str, frozenset[str]] = {
    "source": frozenset({"section"}),
    "suggest": frozenset(),
    "unknown": frozenset(),
    "empty": frozenset(),
    "related": frozenset(),
    "usage_row": frozenset({"period", "used"}),
    "usage_row_reported": frozenset({"period", "used", "reported"}),
    "usage_total": frozenset(),
    "usage_sum": frozenset({"period", "reported"}),
    "usage_yearly_only": frozenset(),
    "holders_not_split": frozenset(),
    "usage_share": frozenset({"period", "share"}),
    "usage_difference": frozenset({"first", "second", "hours"}),
    "usage_extremes": frozenset({"most", "most_hours", "least", "least_hours"}),
    "topics": frozenset(),
    "chart_title": frozenset(),
    "chart_axis": frozenset(),
    "chart_bars": frozenset(),
    "chart_cumulative": frozenset(),
    "chart_pool": frozenset({"pool_hours"}),
    "chart_period_note": frozenset({"years"}),
}
# The chat adapters' own words (Telegram, the console), by the placeholders each is given. They
# are filled by `KnowledgeBase.text` with these values only: a fact's name does not resolve here.
BOT_TEXT_NAMES: Mapping[str, frozenset[str]] = {
    "console_greeting": frozenset(),
    "start_command": frozenset(),
    "help_command": frozenset(),
    "language_command": frozenset(),
    "forget_command": frozenset(),
    "text_only": frozenset(),
    "too_many": frozenset(),
    "error": frozenset(),
    "stale": frozenset(),
    "unknown_command": frozenset(),
    "usage_argument": frozenset({"argument"}),
    "choose_language": frozenset(),
    "language_button_da": frozenset(),
    "language_button_en": frozenset(),
    "language_button_auto": frozenset(),
    "language_da": frozenset(),
    "language_en": frozenset(),
    "language_auto": frozenset(),
    "forgotten": frozenset(),
    "none_of_these": frozenset(),
    "feedback_thanks": frozenset(),
    "feedback_again": frozenset(),
    "stats_command": frozenset(),
    "unanswered_command": frozenset(),
    "reload_command": frozenset(),
    "unanswered_heading": frozenset({"days"}),
    "unanswered_none": frozenset(),
    "log_off": frozenset(),
    "log_unreadable": frozenset({"error"}),
    "reloaded": frozenset({"entries"}),
    "not_reloaded": frozenset(),
    "teach_question": frozenset(),
    "teach_other": frozenset(),
    "teach_ignore": frozenset(),
    "teach_back": frozenset(),
    "teach_cancel": frozenset(),
    "teach_anyway": frozenset(),
    "teach_done": frozenset({"count", "entry"}),
    "teach_live": frozenset(),
    "teach_known": frozenset({"entry"}),
    "teach_closer": frozenset({"question", "other", "other_score", "entry", "own_score"}),
    "teach_anyway_hint": frozenset({"entry"}),
    "teach_unusable": frozenset({"question", "reason"}),
    "teach_ignored": frozenset(),
    "teach_cancelled": frozenset(),
    "teach_gone": frozenset(),
    "teach_failed": frozenset({"error"}),
    "teach_admins_only": frozenset(),
}
VARIANT_NAMES = frozenset({"period", "year", "used", "reported"})


class _Reader:
    """Turns YAML nodes into values, recording a Problem for everything that does not fit."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node | int, reason: str) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        self.problems.append(Problem(self.file, line, reason))

    def mapping(
        self,
        node: yaml.Node,
        where: str,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        open_keys: bool = False,
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{where} must be a mapping")
            return None
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, f"{where}: keys must be plain names")
                continue
            if key in result:
                self.problem(key_node, f"{where}: duplicate key '{key}'")
                continue
            if not open_keys and key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                self.problem(key_node, f"{where}: unknown field '{key}' (allowed: {allowed})")
                continue
            result[key] = value_node
        for key in required:
            if key not in result:
                self.problem(node, f"{where}: missing field '{key}'")
        return result

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{where} must be a list")
            return None
        return list(node.value)

    def string(self, node: yaml.Node, where: str) -> str | None:
        if (
            not isinstance(node, yaml.ScalarNode)
            or node.tag != "tag:yaml.org,2002:str"
            or not node.value.strip()
        ):
            self.problem(node, f"{where} must be a non-empty text")
            return None
        return str(node.value)

    def integer(self, node: yaml.Node, where: str, minimum: int = 0) -> int | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:int":
            self.problem(node, f"{where} must be a whole number")
            return None
        try:
            value = int(node.value.replace("_", ""), 0)
        except ValueError:
            self.problem(node, f"{where} must be a whole number")
            return None
        if value < minimum:
            self.problem(node, f"{where} must be at least {minimum}")
            return None
        return value

    def boolean(self, node: yaml.Node, where: str) -> bool | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
            self.problem(node, f"{where} must be true or false")
            return None
        return node.value.lower() in ("true", "yes", "on")

    def identifier(self, node: yaml.Node, where: str) -> str | None:
        value = self.string(node, where)
        if value is not None and not _ID_RE.match(value):
            self.problem(node, f"{where} '{value}' must be lower-case letters, digits and _")
            return None
        if value is not None and len(value) > MAX_ID_LENGTH:
            self.problem(
                node,
                f"{where} '{value}' is longer than {MAX_ID_LENGTH} characters (it travels in "
                "the data of a Telegram button)",
            )
            return None
        return value

    def localized(
        self, node: yaml.Node, where: str, languages: tuple[str, ...]
    ) -> tuple[dict[str, str], dict[str, int]] | None:
        """A text per language; returns the texts and the line of each."""
        fields = self.mapping(node, where, required=languages)
        if fields is None:
            return None
        texts: dict[str, str] = {}
        lines: dict[str, int] = {}
        for language, value_node in fields.items():
            text = self.string(value_node, f"{where}.{language}")
            if text is not None:
                texts[language] = text
                lines[language] = value_node.start_mark.line + 1
        if set(texts) != set(languages):
            return None
        return texts, lines


class _Figures(enum.Enum):
    """Which figures a template may write out rather than take from a fact's placeholder."""

    ANY = "any"
    # A sample question in chit-chat may name a year ("... brugt i 2014?"), never an amount.
    SAMPLE_YEARS = "sample years"
    NONE = "none"


_FIGURE_RE = re.compile(r"(?<!\d)\d+")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


def _figure_in(text: str, allowed: _Figures) -> str | None:
    """The first figure the template writes out that it may not, else None."""
    if allowed is _Figures.ANY:
        return None
    for found in _FIGURE_RE.finditer(PLACEHOLDER_RE.sub(" ", text)):
        if not (allowed is _Figures.SAMPLE_YEARS and _YEAR_RE.fullmatch(found.group())):
            return found.group()
    return None


@dataclass
class _Template:
    """A template waiting for its placeholders to be checked once all facts are known."""

    text: str
    line: int
    where: str
    extra_names: frozenset[str]
    # False for the bot's own words, which are given their `extra_names` and no fact.
    with_facts: bool = True


def parse_knowledge(text: str, file_path: Path) -> KnowledgeBase:
    """Validate YAML text as a knowledge base; `file_path` is used for messages and identity."""
    reader = _Reader(str(file_path))
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = f"YAML syntax error: {error.problem or error}"
        if error.context:
            reason += f" ({error.context})"
        raise KnowledgeError([Problem(str(file_path), line, reason)]) from None
    except yaml.reader.ReaderError as error:
        raise KnowledgeError([_unacceptable_character(text, error, str(file_path))]) from None
    except yaml.YAMLError as error:
        raise KnowledgeError([Problem(str(file_path), 0, f"YAML error: {error}")]) from None
    if root is None:
        raise KnowledgeError([Problem(str(file_path), 1, "the file is empty")])
    if _Loader is not yaml.SafeLoader:
        _check_plain_yaml(text, root, reader)
    knowledge = _Builder(reader, file_path).build(root)
    if reader.problems or knowledge is None:
        raise KnowledgeError(sorted(reader.problems, key=lambda p: p.line))
    return knowledge


def _unacceptable_character(text: str, error: yaml.reader.ReaderError, file: str) -> Problem:
    # PyYAML gives an offset into the whole text (libyaml's even counts UTF-8 bytes); an
    # invisible character is found only by line and column.
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    index = found.start() if found else min(max(error.position, 0), len(text))
    start = text.rfind("\n", 0, index) + 1
    line = text.count("\n", 0, start) + 1
    code = ord(text[index]) if index < len(text) else error.character
    reason = f"the character U+{code:04X} is not allowed in YAML ({error.reason})"
    return Problem(file, line, reason, index - start + 1)


def _check_plain_yaml(text: str, root: yaml.Node, reader: _Reader) -> None:
    """Refuse YAML that libyaml reads but PyYAML's own parser reads otherwise or not at all.

    The loader falls back to the pure parser where libyaml is missing, and libyaml is laxer
    with plain scalars (a `?` inside `{...}`): without this, whether a file is accepted, and
    what it says, would depend on how PyYAML happens to be installed.
    """
    hint = "only libyaml reads this; put the text in quotes"
    try:
        plain = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        reason = f"{hint} (without libyaml: {error.problem or error})"
        reader.problems.append(Problem(reader.file, line, reason, column))
        return
    except yaml.YAMLError as error:
        reader.problems.append(Problem(reader.file, 0, f"{hint} (without libyaml: {error})"))
        return
    differs = _first_difference(root, plain)
    if differs is not None:
        mark = differs.start_mark
        reason = "libyaml and PyYAML's own parser read this differently; put the text in quotes"
        reader.problems.append(Problem(reader.file, mark.line + 1, reason, mark.column + 1))


def _first_difference(fast: yaml.Node | None, plain: yaml.Node | None) -> yaml.Node | None:
    """The first node, of the pure parser's tree, where the two trees part."""
    if fast is None or plain is None:
        return plain or fast
    if type(fast) is not type(plain) or fast.tag != plain.tag:
        return plain
    if isinstance(plain, yaml.ScalarNode):
        return plain if fast.value != plain.value else None
    if len(fast.value) != len(plain.value):
        return plain
    pairs: list[tuple[Any, Any]] = list(zip(fast.value, plain.value, strict=True))
    for fast_item, plain_item in pairs:
        if isinstance(plain, yaml.MappingNode):
            differs = _first_difference(fast_item[0], plain_item[0]) or _first_difference(
                fast_item[1], plain_item[1]
            )
        else:
            differs = _first_difference(fast_item, plain_item)
        if differs is not None:
            return differs
    return None


class _Builder:
    """Builds a KnowledgeBase section by section, collecting problems in the reader."""

    def __init__(self, reader: _Reader, file_path: Path) -> None:
        self.r = reader
        self.file_path = file_path
        self.languages: tuple[str, ...] = SUPPORTED_LANGUAGES
        self.templates: list[_Template] = []
        # The concepts, to read phrasings for the off-topic ones (by their tokens).
        self.concept_reader: Concepts | None = None
        self.off_topic_tokens: dict[str, str] = {}

    def build(self, root: yaml.Node) -> KnowledgeBase | None:
        r = self.r
        top = r.mapping(
            root,
            "the file",
            required=("schema", "languages", "facts", "entries", "ui", "sources"),
            optional=(
                "neutral_words",
                "card_names",
                "organisations",
                "holders",
                "concepts",
                "off_topic",
                "yearly_only",
            ),
        )
        if top is None:
            return None
        if "schema" in top:
            schema = r.integer(top["schema"], "schema")
            if schema is not None and schema != 1:
                r.problem(top["schema"], f"schema {schema} is not supported (expected 1)")
        if "languages" in top:
            self.languages = self._languages(top["languages"])
        facts = self._facts(top["facts"]) if "facts" in top else None
        sources = self._sources(top["sources"]) if "sources" in top else {}
        ui = self._ui(top["ui"]) if "ui" in top else {}
        # Concepts first: no phrasing may say what an off-topic concept names.
        concepts = self._concepts(top["concepts"]) if "concepts" in top else {}
        off_topic = self._off_topic(top["off_topic"], concepts) if "off_topic" in top else ()
        entries = self._entries(top["entries"], sources) if "entries" in top else {}
        neutral = (
            self._word_lists(top["neutral_words"], "neutral_words")
            if "neutral_words" in top
            else {}
        )
        yearly_only = (
            self._word_lists(top["yearly_only"], "yearly_only") if "yearly_only" in top else {}
        )
        card_names = (
            self._neutral_names(top["card_names"], neutral, "card_names")
            if "card_names" in top
            else ()
        )
        organisations = (
            self._neutral_names(top["organisations"], neutral, "organisations")
            if "organisations" in top
            else ()
        )
        holders = (
            tuple(self._names_among(top["holders"], "holders", organisations, "the organisations"))
            if "holders" in top
            else ()
        )
        if facts is None:
            return None
        self._check_templates(facts)
        return KnowledgeBase(
            path=self.file_path,
            languages=self.languages,
            facts=facts,
            sources=sources,
            ui=ui,
            entries=entries,
            neutral_words=neutral,
            card_names=card_names,
            organisations=organisations,
            holders=holders,
            concepts=concepts,
            off_topic=off_topic,
            yearly_only=yearly_only,
        )

    def _concepts(self, node: yaml.Node) -> dict[str, dict[str, tuple[str, ...]]]:
        """Groups of words that mean the same for matching; a word belongs to one group only."""
        fields = self.r.mapping(node, "concepts", open_keys=True) or {}
        concepts: dict[str, dict[str, tuple[str, ...]]] = {}
        owner: dict[tuple[str, ...], tuple[str, str]] = {}
        for name, languages_node in fields.items():
            if not _ID_RE.match(name):
                self.r.problem(
                    languages_node, f"concept '{name}' must be lower-case letters, digits and _"
                )
                continue
            languages = self.r.mapping(languages_node, f"concept '{name}'", optional=self.languages)
            if languages is None:
                continue
            lists: dict[str, tuple[str, ...]] = {}
            for language, list_node in languages.items():
                where = f"concept '{name}', {language}"
                words: list[str] = []
                for item in self.r.sequence(list_node, where) or []:
                    text = self.r.string(item, where)
                    if text is None:
                        continue
                    gapped = gapped_expression(text)
                    key = normalize(text).words if gapped is None else (*gapped[0], "…", *gapped[1])
                    reads = " ".join(key)
                    seen = owner.get(key)
                    if not key or (gapped is not None and not (gapped[0] or gapped[1])):
                        self.r.problem(item, f"{where}: '{text}' has no words to match")
                    elif gapped is not None and not (gapped[0] and gapped[1]):
                        self.r.problem(
                            item, f"{where}: '{text}' needs words on both sides of its gap"
                        )
                    elif seen == (name, language):
                        also = "" if reads == fold(text) else f" (it reads as '{reads}')"
                        self.r.problem(item, f"{where}: '{text}' is listed twice{also}")
                    elif seen is not None and seen[0] != name:
                        self.r.problem(item, f"{where}: '{text}' is also in concept '{seen[0]}'")
                    else:
                        owner[key] = (name, language)
                        words.append(text)
                lists[language] = tuple(words)
            if not any(lists.values()):
                self.r.problem(languages_node, f"concept '{name}' lists no words")
            concepts[name] = lists
        return concepts

    def _off_topic(
        self, node: yaml.Node, concepts: Mapping[str, Mapping[str, tuple[str, ...]]]
    ) -> tuple[str, ...]:
        """The concepts that name what the card is not about; each must be a concept. Their
        words and expressions are kept to refuse a phrasing that says one (`_phrasings`)."""
        names = self._names_among(node, "off_topic", concepts, "the concepts")
        if names:
            # Read as the matcher reads phrasings: also typed without æøå, and an expression
            # with a filler word inside.
            self.concept_reader = Concepts(concepts, ALL_STOPWORDS)
            self.off_topic_tokens = {CONCEPT_MARK + name: name for name in names}
        return tuple(names)

    def _word_lists(self, node: yaml.Node, name: str) -> dict[str, tuple[str, ...]]:
        """A list of words per language (`neutral_words`, `yearly_only`)."""
        fields = self.r.mapping(node, name, optional=self.languages)
        lists: dict[str, tuple[str, ...]] = {}
        for language, list_node in (fields or {}).items():
            items = self.r.sequence(list_node, f"{name}.{language}") or []
            words = [self.r.string(item, f"{name}.{language}[]") for item in items]
            lists[language] = tuple(w for w in words if w is not None)
        return lists

    def _neutral_names(
        self, node: yaml.Node, neutral: Mapping[str, tuple[str, ...]], key: str
    ) -> tuple[str, ...]:
        """Neutral words of one kind (`card_names`, `organisations`); each must be one."""
        known = {word for words in neutral.values() for word in words}
        return tuple(self._names_among(node, key, known, "the neutral_words"))

    def _names_among(
        self, node: yaml.Node, key: str, known: Collection[str], among: str
    ) -> list[str]:
        """A list of names, each of which must be one of `known` (`among` says which)."""
        names: list[str] = []
        for item in self.r.sequence(node, key) or []:
            name = self.r.string(item, f"{key}[]")
            if name is None:
                continue
            if name not in known:
                self.r.problem(item, f"{key}: '{name}' is not one of {among}")
                continue
            names.append(name)
        return names

    def _languages(self, node: yaml.Node) -> tuple[str, ...]:
        items = self.r.sequence(node, "languages")
        if not items:
            if items is not None:
                self.r.problem(node, "languages must name at least one language")
            return SUPPORTED_LANGUAGES
        languages: list[str] = []
        for item in items:
            language = self.r.string(item, "languages[]")
            if language is None:
                continue
            if language not in SUPPORTED_LANGUAGES:
                supported = ", ".join(SUPPORTED_LANGUAGES)
                self.r.problem(item, f"language '{language}' is not supported ({supported})")
            elif language in languages:
                self.r.problem(item, f"language '{language}' is listed twice")
            else:
                languages.append(language)
        return tuple(languages) or SUPPORTED_LANGUAGES

    def _facts(self, node: yaml.Node) -> Facts | None:
        r = self.r
        fields = r.mapping(node, "facts", required=("pool_hours", "closed", "contact", "usage"))
        if fields is None or len(fields) < 4:
            return None
        pool = r.integer(fields["pool_hours"], "facts.pool_hours", minimum=1)
        closed_year = closed_month = None
        closed = r.mapping(fields["closed"], "facts.closed", required=("year", "month"))
        if closed is not None and len(closed) == 2:
            closed_year = r.integer(closed["year"], "facts.closed.year", minimum=1900)
            closed_month = r.integer(closed["month"], "facts.closed.month", minimum=1)
            if closed_month is not None and closed_month > 12:
                r.problem(closed["month"], "facts.closed.month must be 1 to 12")
                closed_month = None
        role: dict[str, str] | None = None
        phone = None
        contact = r.mapping(fields["contact"], "facts.contact", required=("role", "phone"))
        if contact is not None and len(contact) == 2:
            localized = r.localized(contact["role"], "facts.contact.role", self.languages)
            role = localized[0] if localized else None
            phone = r.string(contact["phone"], "facts.contact.phone")
        usage = self._usage(fields["usage"], pool)
        if None in (pool, closed_year, closed_month, role, phone, usage):
            return None
        assert pool is not None
        assert closed_year is not None
        assert closed_month is not None
        assert role is not None
        assert phone is not None
        assert usage is not None
        if usage and closed_year < usage[-1].last_year:
            r.problem(fields["closed"], "facts.closed is before the last usage period")
        return Facts(pool, closed_year, closed_month, role, phone, usage)

    def _usage(self, node: yaml.Node, pool: int | None) -> tuple[UsageRow, ...] | None:
        r = self.r
        items = r.sequence(node, "facts.usage")
        if items is None:
            return None
        if not items:
            r.problem(node, "facts.usage must list at least one period")
            return None
        rows: list[UsageRow] = []
        ok = True
        for item in items:
            fields = r.mapping(item, "facts.usage[]", ("period", "used"), ("reported",))
            if fields is None or "period" not in fields or "used" not in fields:
                ok = False
                continue
            period_node = fields["period"]
            period_text = period_node.value if isinstance(period_node, yaml.ScalarNode) else ""
            match = _PERIOD_RE.match(str(period_text).strip())
            if match is None:
                r.problem(period_node, "facts.usage[].period must be a year or 'YYYY-YYYY'")
                ok = False
                continue
            first = int(match.group(1))
            last = int(match.group(2) or first)
            if last < first:
                r.problem(period_node, f"period '{period_text}' ends before it starts")
                ok = False
                continue
            if rows and first <= rows[-1].last_year:
                r.problem(period_node, f"period '{period_text}' overlaps or precedes the one above")
                ok = False
                continue
            used = r.integer(fields["used"], "facts.usage[].used")
            reported = used
            if "reported" in fields:
                reported = r.integer(fields["reported"], "facts.usage[].reported")
            if used is None or reported is None:
                ok = False
                continue
            if reported > used:
                r.problem(fields["reported"], "reported hours cannot exceed the hours used")
                ok = False
                continue
            rows.append(UsageRow(first, last, used, reported))
        if not ok:
            return None
        total = sum(row.reported for row in rows)
        if pool is not None and total != pool:
            r.problem(
                node,
                f"reported usage adds up to {total} hours, not the pool of {pool} "
                "(use `reported:` where a period's reported figure differs from `used:`)",
            )
            return None
        return tuple(rows)

    def _sources(self, node: yaml.Node) -> dict[str, str]:
        fields = self.r.mapping(node, "sources", open_keys=True)
        sources: dict[str, str] = {}
        for key, value_node in (fields or {}).items():
            if not _ID_RE.match(key):
                self.r.problem(value_node, f"source id '{key}' must be lower-case letters and _")
                continue
            section = self.r.string(value_node, f"sources.{key}")
            if section is not None:
                sources[key] = section
        return sources

    def _ui(self, node: yaml.Node) -> dict[str, Localized]:
        fields = self.r.mapping(node, "ui", required=(*UI_TEMPLATE_NAMES, *BOT_TEXT_NAMES))
        ui: dict[str, Localized] = {}
        for key, value_node in (fields or {}).items():
            bot_text = key in BOT_TEXT_NAMES
            names = BOT_TEXT_NAMES[key] if bot_text else UI_TEMPLATE_NAMES[key]
            texts = self._localized_templates(
                value_node, f"ui.{key}", names, with_facts=not bot_text
            )
            if texts is not None:
                ui[key] = texts
        return ui

    def _localized_templates(
        self,
        node: yaml.Node,
        where: str,
        extra_names: frozenset[str],
        figures: _Figures = _Figures.ANY,
        with_facts: bool = True,
    ) -> dict[str, str] | None:
        localized = self.r.localized(node, where, self.languages)
        if localized is None:
            return None
        texts, lines = localized
        for language, text in texts.items():
            self.templates.append(
                _Template(text, lines[language], f"{where}.{language}", extra_names, with_facts)
            )
            figure = _figure_in(text, figures)
            if figure is not None:
                self.r.problem(
                    lines[language],
                    f"{where} ({language}) states a figure ('{figure}'): "
                    "an answer names facts only as {placeholders}",
                )
        return texts

    def _entries(self, node: yaml.Node, sources: Mapping[str, str]) -> dict[str, Entry]:
        r = self.r
        items = r.sequence(node, "entries")
        if items is None:
            return {}
        entries: dict[str, Entry] = {}
        references: list[tuple[yaml.Node, str, str]] = []
        # Ids are known even for entries refused for other reasons, so that one mistake in an
        # entry does not also show up as "unknown entry" everywhere it is referred to.
        declared = {
            value.value
            for item in items
            if isinstance(item, yaml.MappingNode)
            for key, value in item.value
            if isinstance(key, yaml.ScalarNode)
            and key.value == "id"
            and isinstance(value, yaml.ScalarNode)
        }
        for item in items:
            entry = self._entry(item, sources, references)
            if entry is None:
                continue
            if entry.id in entries:
                r.problem(entry.line, f"duplicate entry id '{entry.id}'")
                continue
            entries[entry.id] = entry
        for ref_node, entry_id, target in references:
            if target not in declared:
                r.problem(ref_node, f"entry '{entry_id}' relates to unknown entry '{target}'")
        for required in REQUIRED_ENTRIES:
            if required not in declared:
                r.problem(node, f"required entry '{required}' is missing")
        return entries

    def _entry(
        self,
        node: yaml.Node,
        sources: Mapping[str, str],
        references: list[tuple[yaml.Node, str, str]],
    ) -> Entry | None:
        r = self.r
        fields = r.mapping(
            node,
            "entry",
            required=("id", "title", "answer", "phrasings"),
            optional=(
                "related",
                "variants",
                "dated_answer",
                "named_answer",
                "subject",
                "source",
                "slot",
                "chitchat",
                "reaction",
                "thanks",
            ),
        )
        if fields is None or "id" not in fields:
            return None
        entry_id = r.identifier(fields["id"], "entry id")
        if entry_id is None:
            return None
        where = f"entry '{entry_id}'"
        errors_before = len(r.problems)
        chitchat = False
        if "chitchat" in fields:
            chitchat = bool(r.boolean(fields["chitchat"], f"{where}: chitchat"))
        reaction = self._chitchat_flag(fields, "reaction", where, chitchat)
        thanks = self._chitchat_flag(fields, "thanks", where, chitchat)
        # Chit-chat never states a figure, so its templates may use only the list of topics.
        names = frozenset({"topics"}) if chitchat else frozenset()
        title = (
            r.localized(fields["title"], f"{where}: title", self.languages)
            if ("title" in fields)
            else None
        )
        answer = (
            self._localized_templates(
                fields["answer"],
                f"{where}: chit-chat answer" if chitchat else f"{where}: answer",
                names,
                figures=_Figures.SAMPLE_YEARS if chitchat else _Figures.NONE,
            )
            if "answer" in fields
            else None
        )
        phrasings = self._phrasings(fields["phrasings"], where) if "phrasings" in fields else None
        related: list[str] = []
        if "related" in fields:
            for item in r.sequence(fields["related"], f"{where}: related") or []:
                target = r.identifier(item, f"{where}: related")
                if target is not None:
                    related.append(target)
                    references.append((item, entry_id, target))
        source = None
        if "source" in fields:
            source = r.identifier(fields["source"], f"{where}: source")
            if source is not None and source not in sources:
                r.problem(fields["source"], f"{where}: unknown source '{source}'")
        elif not chitchat:
            r.problem(node, f"{where}: missing field 'source'")
        slot = None
        if "slot" in fields:
            slot = r.string(fields["slot"], f"{where}: slot")
            if slot is not None and slot not in SLOTS:
                known = " or ".join(f"'{name}'" for name in SLOTS)
                r.problem(fields["slot"], f"{where}: unknown slot '{slot}' (only {known})")
        variants = self._variants(fields.get("variants"), where, slot, node)
        dated_answer = self._other_answer(
            fields,
            "dated_answer",
            where,
            "dated_answer is for an entry that takes no period and is no chit-chat"
            if slot == "period" or chitchat
            else None,
        )
        named_answer = self._other_answer(
            fields, "named_answer", where, "chit-chat has no named_answer" if chitchat else None
        )
        subject = None
        if "subject" in fields:
            read = r.localized(fields["subject"], f"{where}: subject", self.languages)
            subject = read[0] if read is not None else None
        if len(r.problems) > errors_before or title is None or answer is None or not phrasings:
            return None
        return Entry(
            id=entry_id,
            title=title[0],
            answer=answer,
            phrasings=phrasings,
            related=tuple(related),
            variants=variants,
            dated_answer=dated_answer,
            named_answer=named_answer,
            subject=subject,
            source=source,
            slot=slot,
            chitchat=chitchat,
            reaction=reaction,
            thanks=thanks,
            line=node.start_mark.line + 1,
        )

    def _other_answer(
        self, fields: Mapping[str, yaml.Node], name: str, where: str, refused: str | None
    ) -> dict[str, str] | None:
        """An entry's answer for a kind of question (`dated_answer`, `named_answer`), which
        states no figure of its own; None when it has none or `refused` says why it may not."""
        if name not in fields:
            return None
        if refused is not None:
            self.r.problem(fields[name], f"{where}: {refused}")
            return None
        return self._localized_templates(
            fields[name], f"{where}: {name}", frozenset(), _Figures.NONE
        )

    def _phrasings(self, node: yaml.Node, where: str) -> dict[str, tuple[str, ...]] | None:
        r = self.r
        fields = r.mapping(node, f"{where}: phrasings", required=self.languages)
        if fields is None:
            return None
        phrasings: dict[str, tuple[str, ...]] = {}
        for language, list_node in fields.items():
            texts: list[str] = []
            for item in r.sequence(list_node, f"{where}: phrasings.{language}") or []:
                text = r.string(item, f"{where}: phrasings.{language}[]")
                if text is None:
                    continue
                for name in PLACEHOLDER_RE.findall(text):
                    if name not in PHRASING_PLACEHOLDERS:
                        r.problem(item, f"{where}: phrasing placeholder '{{{name}}}' is unknown")
                concept = self._off_topic_said(text)
                if concept is not None:
                    r.problem(
                        item,
                        f"{where}: phrasing '{text}' says the off-topic concept '{concept}',"
                        " which would then no longer keep a message from an answer",
                    )
                texts.append(text)
            if not texts:
                r.problem(list_node, f"{where}: phrasings.{language} must not be empty")
            phrasings[language] = tuple(texts)
        return phrasings

    def _off_topic_said(self, text: str) -> str | None:
        """The off-topic concept a phrasing says, if any."""
        if self.concept_reader is None:
            return None
        for token in self.concept_reader.fold(normalize(text).words):
            name = self.off_topic_tokens.get(token)
            if name is not None:
                return name
        return None

    def _chitchat_flag(
        self, fields: Mapping[str, yaml.Node], name: str, where: str, chitchat: bool
    ) -> bool:
        """An entry's flag that only a chit-chat entry may have (`reaction`, `thanks`)."""
        if name not in fields:
            return False
        flag = bool(self.r.boolean(fields[name], f"{where}: {name}"))
        if flag and not chitchat:
            self.r.problem(fields[name], f"{where}: {name} is for a chit-chat entry")
        return flag

    def _variants(
        self, node: yaml.Node | None, where: str, slot: str | None, entry_node: yaml.Node
    ) -> dict[str, Localized]:
        r = self.r
        if node is None:
            if slot == "period":
                r.problem(entry_node, f"{where}: slot 'period' needs variants {PERIOD_VARIANTS}")
            return {}
        if slot != "period":
            r.problem(node, f"{where}: variants are only used with slot: period")
            return {}
        fields = r.mapping(node, f"{where}: variants", required=PERIOD_VARIANTS)
        variants: dict[str, Localized] = {}
        for key, value_node in (fields or {}).items():
            texts = self._localized_templates(
                value_node, f"{where}: variants.{key}", VARIANT_NAMES, figures=_Figures.NONE
            )
            if texts is not None:
                variants[key] = texts
        return variants

    def _check_templates(self, facts: Facts) -> None:
        """Every placeholder must resolve: try each against the facts it may name."""
        # Imported here because rendering depends on the data classes above.
        from bot.render import fact_values

        values_by_language = {lang: fact_values(facts, lang, None) for lang in self.languages}
        for template in self.templates:
            language = template.where.rsplit(".", 1)[-1]
            known = values_by_language.get(language, {}) if template.with_facts else {}
            for name in PLACEHOLDER_RE.findall(template.text):
                if name in template.extra_names or name in known:
                    continue
                if template.with_facts:
                    reason = "does not resolve to a fact"
                else:
                    given = ", ".join(f"{{{n}}}" for n in sorted(template.extra_names))
                    reason = f"is not given to this text (it takes {given or 'none'})"
                where = f"{template.where}: placeholder '{{{name}}}'"
                self.r.problem(template.line, f"{where} {reason}")
            unmatched = PLACEHOLDER_RE.sub("", template.text)
            if "{" in unmatched or "}" in unmatched:
                self.r.problem(template.line, f"{template.where}: unbalanced or malformed braces")
