"""Small bar charts of one indicator across years, as SVG text to inline in the HTML page."""
from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

BAR_COLOUR = "#2f7d6d"
LATEST_COLOUR = "#1b4f45"
INK = "#33393f"

_STYLE = {
    "svg.fonttype": "none",  # real <text>: smaller files, crisp, selectable
    "svg.hashsalt": "esg-report",  # stable ids, so reruns give identical files
    "font.size": 9,
    "axes.edgecolor": "#b8bec4",
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
}


def compact_number(value: float) -> str:
    """1234567 -> '1.23M': axis labels and bar labels stay short."""
    magnitude = abs(value)
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return f"{value:.3g}" if magnitude else "0"


def bar_chart_svg(years: Sequence[int], values: Sequence[float], *, unit: str, chart_id: str, label: str) -> str:
    """One indicator, one bar per year; the latest year darker. Returns an <svg> element."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(3.8, 2.4))
        positions = range(len(years))
        colours = [BAR_COLOUR] * (len(years) - 1) + [LATEST_COLOUR]
        bars = ax.bar(positions, values, color=colours, width=0.62)
        ax.bar_label(bars, labels=[compact_number(v) for v in values], padding=2, fontsize=8, color=INK)
        ax.set_xticks(list(positions), [str(y) for y in years])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact_number(v)))
        ax.set_ylabel(unit)
        ax.margins(y=0.18)  # room for the bar labels
        ax.set_ylim(bottom=min(0, min(values) * 1.18))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color="#e6e9ec", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout(pad=0.4)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", transparent=True, metadata={"Date": None})
        plt.close(fig)
    return _inline_svg(buffer.getvalue(), chart_id, label)


def _inline_svg(document: str, chart_id: str, label: str) -> str:
    """Drop the XML prolog, make it scale with its box, and give ids a per-chart prefix:
    matplotlib numbers ids per figure, and duplicates across inline SVGs break clip paths."""
    svg = document[document.index("<svg"):]
    svg = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r'\1 width="100%"', svg, count=1)
    svg = re.sub(r'\bid="', f'id="{chart_id}-', svg)
    svg = re.sub(r'url\(#', f'url(#{chart_id}-', svg)
    svg = re.sub(r'href="#', f'href="#{chart_id}-', svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" ', 1)
