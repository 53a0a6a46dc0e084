"""Answer rendering: templates from the knowledge base filled with facts, per language.

Facts are stored once, as numbers; this module is the only place that turns them into text, so
every answer formats 47746 the same way: 47.746 in Danish, 47,746 in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.model import PLACEHOLDER_RE, Facts, UsageRow
from bot.normalize import Period

THOUSANDS_SEPARATOR = {"da": ".", "en": ","}
MONTHS = {
    "da": (
        "januar februar marts april maj juni juli august september oktober november december"
    ).split(),
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
}


def format_number(value: int, language: str) -> str:
    """Group thousands the way the language does: 47.746 (da), 47,746 (en)."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", THOUSANDS_SEPARATOR.get(language, ","))


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace {name} placeholders; the loader has already checked that each one resolves."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _year_span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def usage_table(facts: Facts, language: str, ui: Mapping[str, Mapping[str, str]]) -> str:
    """One bullet per period, then the reported total."""
    lines = []
    for row in facts.usage:
        key = "usage_row_reported" if row.reported != row.used else "usage_row"
        lines.append("• " + fill(ui[key][language], row_values(row, language)))
    total = format_number(facts.reported_total, language)
    lines.append(fill(ui["usage_total"][language], {"reported_total": total}))
    return "\n".join(lines)


def row_values(row: UsageRow, language: str) -> dict[str, str]:
    """The placeholders a usage row fills: period, used, reported."""
    return {
        "period": row.label,
        "used": format_number(row.used, language),
        "reported": format_number(row.reported, language),
    }


def fact_values(
    facts: Facts, language: str, ui: Mapping[str, Mapping[str, str]] | None
) -> dict[str, str]:
    """Every fact an answer template may name, rendered for `language`.

    Facts that need text from `ui` (the usage table, the list of topics) are left empty when
    `ui` is None; the loader uses that form only to learn which names exist.
    """
    fmt = format_number
    single_years = [row for row in facts.usage if not row.is_multi_year]
    multi = next((row for row in facts.usage if row.is_multi_year), None)
    values = {
        "pool_hours": fmt(facts.pool_hours, language),
        "reported_total": fmt(facts.reported_total, language),
        "used_total": fmt(facts.used_total, language),
        "remaining_hours": fmt(facts.remaining_hours, language),
        "closed": f"{MONTHS[language][facts.closed_month - 1]} {facts.closed_year}",
        "closed_year": str(facts.closed_year),
        "first_year": str(facts.usage[0].first_year),
        "last_year": str(facts.usage[-1].last_year),
        "contact_role": facts.contact_role[language],
        "contact_phone": facts.contact_phone,
        "usage_table": usage_table(facts, language, ui) if ui is not None else "",
        "topics": ui["topics"][language] if ui is not None else "",
    }
    if single_years:
        peak, lowest = most_and_least(single_years)
        values |= {
            "peak_period": peak.label,
            "peak_hours": fmt(peak.used, language),
            "lowest_period": lowest.label,
            "lowest_hours": fmt(lowest.used, language),
        }
    if multi is not None:
        later = [row for row in facts.usage if row.first_year > multi.last_year]
        values |= {
            "multi_period": multi.label,
            "multi_used": fmt(multi.used, language),
            "multi_reported": fmt(multi.reported, language),
            "multi_difference": fmt(multi.used - multi.reported, language),
        }
        if later:
            values["later_periods"] = _year_span(later[0].first_year, later[-1].last_year)
    return values


def period_texts(
    facts: Facts,
    periods: tuple[Period, ...],
    variants: Mapping[str, Mapping[str, str]],
    ui: Mapping[str, Mapping[str, str]],
    language: str,
    base: Mapping[str, str],
) -> list[str]:
    """Answer texts for the years and periods a usage question names, in order."""
    texts: list[str] = []
    for period in periods:
        rows = _overlapping(facts, period)
        uncovered = [
            y for y in range(period.first, period.last + 1) if facts.row_for_year(y) is None
        ]
        if len(rows) == 1:
            texts.append(_row_text(rows[0], period, variants, language, base))
        for row in rows if len(rows) > 1 else ():
            if row.is_multi_year and not _inside(row, period):
                texts.append(_row_text(row, period, variants, language, base))
            else:
                key = "usage_row_reported" if row.reported != row.used else "usage_row"
                texts.append("• " + fill(ui[key][language], row_values(row, language)))
        if uncovered:
            values = dict(base, year=_year_span(uncovered[0], uncovered[-1]))
            texts.append(fill(variants["out_of_range"][language], values))
        whole = _whole(facts, period) if len(rows) > 1 else None
        if whole is not None:
            label, hours = whole
            total = format_number(hours, language)
            texts.append(fill(ui["usage_sum"][language], {"period": label, "reported": total}))
    return texts


def sum_text(
    facts: Facts,
    periods: tuple[Period, ...],
    ui: Mapping[str, Mapping[str, str]],
    language: str,
) -> str | None:
    """The reported total of several years and periods asked together ("2015 og 2016
    tilsammen"), when each is made of whole rows of the table (2011 alone is not) and they
    cover two rows or more."""
    rows: list[UsageRow] = []
    for period in periods:
        covered = _rows_of(facts, period)
        if not covered:
            return None
        rows += [row for row in covered if row not in rows]
    if len(rows) < 2:
        return None
    rows.sort(key=lambda row: row.first_year)
    label = " + ".join(row.label for row in rows)
    total = format_number(sum(row.reported for row in rows), language)
    return fill(ui["usage_sum"][language], {"period": label, "reported": total})


def difference_text(
    facts: Facts,
    periods: tuple[Period, ...],
    ui: Mapping[str, Mapping[str, str]],
    language: str,
) -> str | None:
    """The difference in reported hours between two years or periods asked together
    ("forskellen mellem 2013 og 2014"), when each is whole rows of the table."""
    if len(periods) != 2:
        return None
    first_side, second_side = (_whole(facts, period) for period in periods)
    if first_side is None or second_side is None:
        return None
    (first, first_hours), (second, second_hours) = first_side, second_side
    hours = format_number(abs(first_hours - second_hours), language)
    return fill(
        ui["usage_difference"][language], {"first": first, "second": second, "hours": hours}
    )


def most_and_least(rows: list[UsageRow]) -> tuple[UsageRow, UsageRow]:
    """The rows of most and of least use among `rows` (not empty)."""
    return max(rows, key=lambda row: row.used), min(rows, key=lambda row: row.used)


def single_years_of(facts: Facts, periods: tuple[Period, ...]) -> list[UsageRow]:
    """The single-year rows that the periods asked are made of, in the table's order: the
    years a question compares ("brugte 2014 eller 2015 flest timer?"). None when a period
    has no rows of its own (2017), cuts a row (2012 alone) or takes in the period counted as a
    whole (2010–2012), which has no single year to compare: each must be answered as it is."""
    rows: set[UsageRow] = set()
    for period in periods:
        covered = _rows_of(facts, period)
        if not covered or any(row.is_multi_year for row in covered):
            return []
        rows.update(covered)
    return [row for row in facts.usage if row in rows]


def extremes_texts(
    rows: list[UsageRow], ui: Mapping[str, Mapping[str, str]], language: str
) -> list[str]:
    """The use of each year compared, then which of them used the most and the fewest hours."""
    most, least = most_and_least(rows)
    lines = ["• " + fill(ui["usage_row"][language], row_values(row, language)) for row in rows]
    values = {
        "most": most.label,
        "most_hours": format_number(most.used, language),
        "least": least.label,
        "least_hours": format_number(least.used, language),
    }
    return [*lines, fill(ui["usage_extremes"][language], values)]


def _overlapping(facts: Facts, period: Period) -> list[UsageRow]:
    """The rows of the table that share a year with a period."""
    return [r for r in facts.usage if r.first_year <= period.last and r.last_year >= period.first]


def _rows_of(facts: Facts, period: Period) -> list[UsageRow]:
    """The rows of the table a period is made of; none when it cuts one (2011 alone)."""
    rows = _overlapping(facts, period)
    return rows if all(_inside(row, period) for row in rows) else []


def _whole(facts: Facts, period: Period) -> tuple[str, int] | None:
    """A period made of whole rows of the table, as its label ("2013–2015") and its reported
    hours; None when it cuts a row or has none."""
    rows = _rows_of(facts, period)
    if not rows:
        return None
    return _year_span(rows[0].first_year, rows[-1].last_year), sum(r.reported for r in rows)


def share_texts(
    facts: Facts,
    periods: tuple[Period, ...],
    ui: Mapping[str, Mapping[str, str]],
    language: str,
    base: Mapping[str, str],
) -> list[str]:
    """Each period's reported hours as a share of the pool, when the period is whole rows of
    the table (2011 alone has no figure to share)."""
    texts: list[str] = []
    for period in periods:
        whole = _whole(facts, period)
        if whole is None or not facts.pool_hours:
            continue
        label, hours = whole
        share = format_share(100 * hours / facts.pool_hours, language)
        texts.append(fill(ui["usage_share"][language], dict(base, period=label, share=share)))
    return texts


def format_share(value: float, language: str) -> str:
    """A percentage to one decimal: 17,0 (da), 17.0 (en)."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if THOUSANDS_SEPARATOR.get(language) == "." else text


def _inside(row: UsageRow, period: Period) -> bool:
    return period.first <= row.first_year and row.last_year <= period.last


def _row_text(
    row: UsageRow,
    period: Period,
    variants: Mapping[str, Mapping[str, str]],
    language: str,
    base: Mapping[str, str],
) -> str:
    values = dict(base) | row_values(row, language)
    if not row.is_multi_year:
        return fill(variants["single_year"][language], values)
    if _inside(row, period):
        return fill(variants["multi_year"][language], values)
    shown = _year_span(max(period.first, row.first_year), min(period.last, row.last_year))
    return fill(variants["year_in_period"][language], values | {"year": shown})


_PARAGRAPH_BREAK = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """Collapse runs of blank lines left by empty template parts."""
    return _PARAGRAPH_BREAK.sub("\n\n", text).strip()
