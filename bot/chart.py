"""The usage chart: hours per period as bars, cumulative reported use against the pool.

Drawn from the knowledge base's facts with matplotlib's Agg backend (no display needed), with
every text from the knowledge base's `ui` in the reader's language. Rendered once per knowledge
base and language; `ChartCache` keeps the PNG bytes.
"""

from __future__ import annotations

import io
import itertools
import threading

from bot.model import KnowledgeBase
from bot.render import fill, format_number

CHART_SIZE_INCHES = (8.0, 6.0)
CHART_DPI = 150  # 1200 × 900 pixels: sharp on a phone, small to send


def render_chart(knowledge: KnowledgeBase, language: str) -> bytes:
    """The chart as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    facts = knowledge.facts
    ui = knowledge.ui
    labels = []
    for row in facts.usage:
        label = row.label
        if row.is_multi_year:
            years = row.last_year - row.first_year + 1
            label += "\n" + fill(ui["chart_period_note"][language], {"years": str(years)})
        labels.append(label)
    used = [row.used for row in facts.usage]
    cumulative = list(itertools.accumulate(row.reported for row in facts.usage))

    def number(value: float, _position: object = None) -> str:
        return format_number(round(value), language)

    figure, axes = plt.subplots(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI)
    try:
        positions = range(len(labels))
        bars = axes.bar(
            positions,
            used,
            color=["#9ecae1" if row.is_multi_year else "#3182bd" for row in facts.usage],
            hatch=None,
            label=fill(ui["chart_bars"][language], {}),
        )
        for bar, row in zip(bars, facts.usage, strict=True):
            if row.is_multi_year:
                bar.set_hatch("//")
            axes.annotate(
                number(row.used),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=12,
                xytext=(0, 3),
                textcoords="offset points",
            )
        axes.plot(
            positions,
            cumulative,
            marker="o",
            color="#e6550d",
            linewidth=2.5,
            label=fill(ui["chart_cumulative"][language], {}),
        )
        axes.axhline(
            facts.pool_hours,
            color="#636363",
            linestyle="--",
            linewidth=1.5,
            label=fill(ui["chart_pool"][language], {"pool_hours": number(facts.pool_hours)}),
        )
        axes.set_xticks(list(positions), labels, fontsize=12)
        axes.set_ylim(0, facts.pool_hours * 1.35)  # room for the legend above the pool line
        axes.yaxis.set_major_formatter(FuncFormatter(number))
        # No ticks above the pool: nothing can be used beyond it.
        axes.set_yticks([t for t in axes.get_yticks() if 0 <= t <= facts.pool_hours])
        axes.set_ylim(0, facts.pool_hours * 1.35)
        axes.tick_params(axis="y", labelsize=11)
        axes.set_ylabel(fill(ui["chart_axis"][language], {}), fontsize=13)
        axes.set_title(fill(ui["chart_title"][language], {}), fontsize=16, pad=12)
        axes.legend(loc="upper left", fontsize=11, frameon=False, ncols=2)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


class ChartCache:
    """PNG bytes per knowledge base and language, rendered on first use."""

    def __init__(self) -> None:
        # Keyed by the knowledge base's identity; the value holds the knowledge base too, so
        # that its id cannot be reused by another while the entry exists.
        self._charts: dict[tuple[int, str], tuple[KnowledgeBase, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, knowledge: KnowledgeBase, language: str) -> bytes:
        key = (id(knowledge), language)
        with self._lock:
            cached = self._charts.get(key)
            if cached is None:
                cached = (knowledge, render_chart(knowledge, language))
                self._charts[key] = cached
            return cached[1]

    def clear(self) -> None:
        with self._lock:
            self._charts.clear()
