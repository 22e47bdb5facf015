"""Charts drawn once as SVG (matplotlib's SVG backend) and used on pages and in PDFs.

Every chart is an accessible image: ``role="img"`` with a ``<title>`` and a ``<desc>``
that say what it shows, and every page puts the same figures in a table beside it.
Element ids inside each SVG are prefixed with the chart's own id, so that several charts
on one page never clash. Drawing is deterministic (fixed hash salt, text kept as text).

No Django here.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

INK = "#0b0c0c"
BLUE = "#1d70b8"
GREY = "#505a5f"
LIGHT = "#b1b4b6"
ACCENT = "#d4351c"
BAND = "#9ec3e6"

STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "victimcare",
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
}


PERCENT_AXIS = (0.0, 100.0)


def gap_axis(points: Sequence[Point], *, scale: float = 100.0) -> tuple[float, float]:
    """A symmetric axis for differences in points: at least -30 to +30, widened in steps
    of 10 to hold every interval, so that gap charts share one axis unless a gap is
    wider."""
    widest = max(
        (abs(v) * scale for p in points for v in (p.estimate, p.low, p.high) if math.isfinite(v)),
        default=0.0,
    )
    edge = max(30.0, math.ceil(widest / 10.0) * 10.0)
    return (-edge, edge)


@dataclass(frozen=True)
class Point:
    """One estimate to draw: a label, the estimate and its interval (proportion scale)."""

    label: str
    estimate: float
    low: float
    high: float
    highlight: bool = False


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    svg: str

    def __html__(self) -> str:  # Django templates render it as is
        return self.svg

    def __str__(self) -> str:
        return self.svg


_ID = re.compile(r'\bid="([^"]+)"')
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def _presentation_attributes(match: re.Match) -> str:
    """style="fill: #fff; stroke-width: 0.8" -> fill="#fff" stroke-width="0.8".

    The Content-Security-Policy forbids style attributes in pages; SVG presentation
    attributes draw the same and are markup, which the policy does not govern.
    """
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'href="#([^"]+)"')


def _finish(fig: Figure, chart_id: str, title: str, desc: str) -> Chart:
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        FigureCanvasSVG(fig).print_svg(buf)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    # matplotlib's one style sheet, "*{stroke-linejoin: round; stroke-linecap: butt}",
    # becomes attributes of the root <svg>, which every shape inherits.
    sheet = _STYLE_ELEMENT.search(svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    if sheet:
        rules = re.search(r"\*\s*\{([^}]*)\}", sheet.group(1))
        if rules:
            svg = svg.replace(
                "<svg ",
                "<svg "
                + _STYLE_ATTRIBUTE.sub(
                    _presentation_attributes, f' style="{rules.group(1)}"'
                ).strip()
                + " ",
                1,
            )
    svg = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{chart_id}-{m.group(1)})", svg)
    svg = _HREF.sub(lambda m: f'href="#{chart_id}-{m.group(1)}"', svg)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r"<svg \1", svg, count=1)
    head = (
        f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'id="{chart_id}" class="vc-chart" focusable="false" '
    )
    svg = svg.replace("<svg ", head, 1)
    close = svg.index(">") + 1
    svg = (
        svg[:close]
        + f'<title id="{chart_id}-title">{escape(title)}</title>'
        + f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + svg[close:]
    )
    return Chart(id=chart_id, title=title, desc=desc, svg=svg.strip())


def _figure(width: float, height: float, *, left: float = 0.6, bottom: float = 0.45) -> Figure:
    """A figure with fixed margins (inches): cheaper than a layout engine."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(
            left=left / width,
            right=1 - 0.2 / width,
            bottom=bottom / height,
            top=1 - 0.25 / height,
        )
        return fig


def _scaled(v: float | None, scale: float) -> float:
    return v * scale if v is not None and math.isfinite(v) else math.nan


def dot_interval_chart(
    chart_id: str,
    points: Sequence[Point],
    *,
    title: str,
    desc: str,
    axis_label: str = "% satisfied (95% confidence interval)",
    reference: float | None = None,
    reference_label: str = "",
    scale: float = 100.0,
    sort: bool = True,
    limits: tuple[float, float] | None = PERCENT_AXIS,
) -> Chart:
    """Horizontal dots with interval bars, one row per point, sorted by estimate
    (highest at the top). ``reference`` draws a vertical line (e.g. the force overall).
    ``limits``: the axis (drawn scale), the same 0-100% for every chart of percentages so
    that charts can be compared by eye; None fits the axis to the points."""
    shown = [p for p in points if math.isfinite(p.estimate)]
    # Rows are drawn bottom-up: sorted lowest first puts the highest at the top; an
    # unsorted list is reversed so that it reads top-down in the order given.
    shown = sorted(shown, key=lambda p: p.estimate) if sort else shown[::-1]
    height = 0.9 + 0.28 * max(len(shown), 1)
    with matplotlib.rc_context(STYLE):
        labels = [textwrap.fill(p.label, 30) for p in shown]
        longest = max((len(line) for lab in labels for line in lab.split("\n")), default=4)
        fig = _figure(6.4, height, left=min(0.3 + 0.075 * longest, 3.4))
        ax = fig.add_subplot()
        for i, p in enumerate(shown):
            colour = ACCENT if p.highlight else BLUE
            low, high = _scaled(p.low, scale), _scaled(p.high, scale)
            if math.isfinite(low) and math.isfinite(high):
                ax.plot([low, high], [i, i], color=colour, linewidth=2)
            ax.plot([p.estimate * scale], [i], "o", color=colour, markersize=5)
        ax.set_yticks(range(len(shown)), labels)
        ax.set_ylim(-0.7, len(shown) - 0.3)
        if reference is not None and math.isfinite(reference):
            ax.axvline(reference * scale, color=GREY, linestyle="--", linewidth=1)
            if reference_label:
                ax.text(
                    0.0,
                    1.01,
                    f"Dashed line: {reference_label}",
                    color=GREY,
                    fontsize=8,
                    ha="left",
                    va="bottom",
                    transform=ax.transAxes,
                )
        if limits is not None:
            ax.set_xlim(*limits)
        ax.set_xlabel(axis_label)
        ax.grid(axis="x", color=LIGHT, linewidth=0.5)
        ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, chart_id, title, desc)


def trend_chart(
    chart_id: str,
    points: Sequence[Point],
    *,
    title: str,
    desc: str,
    axis_label: str = "% satisfied",
    target: float | None = None,
    target_label: str = "Target",
    trajectory: Sequence[float] | None = None,
    zero_line: bool = False,
    scale: float = 100.0,
    limits: tuple[float, float] | None = PERCENT_AXIS,
    benchmark: float | None = None,
    benchmark_label: str = "National benchmark",
) -> Chart:
    """A line of estimates over time with the 95% interval as a band; optionally a target
    (horizontal), a trajectory (dashed) and a benchmark (a dotted horizontal reference
    line, e.g. the Crime Survey for England and Wales, labelled in the legend).
    ``limits`` as for ``dot_interval_chart``."""
    with matplotlib.rc_context(STYLE):
        fig = _figure(6.4, 3.0, left=0.75, bottom=0.75)
        ax = fig.add_subplot()
        xs = list(range(len(points)))
        est = [_scaled(p.estimate, scale) for p in points]
        low = [_scaled(p.low, scale) for p in points]
        high = [_scaled(p.high, scale) for p in points]
        ax.fill_between(
            xs, low, high, color=BAND, alpha=0.7, linewidth=0, label="95% confidence interval"
        )
        ax.plot(xs, est, "o-", color=BLUE, markersize=3.5, linewidth=1.6, label="Estimate")
        if target is not None:
            ax.axhline(target * scale, color=ACCENT, linewidth=1.2, label=target_label)
        if trajectory is not None:
            ax.plot(
                xs,
                [t * scale for t in trajectory],
                "--",
                color=INK,
                linewidth=1,
                label="Trajectory to the target",
            )
        if benchmark is not None and math.isfinite(benchmark):
            ax.axhline(
                benchmark * scale, color=GREY, linestyle=":", linewidth=1.4, label=benchmark_label
            )
        if zero_line:
            ax.axhline(0, color=GREY, linewidth=0.8)
        step = max(1, math.ceil(len(points) / 8))
        ax.set_xticks(
            xs[::step], [p.label for p in points][::step], rotation=30, ha="right", fontsize=8
        )
        if limits is not None:
            ax.set_ylim(*limits)
        ax.set_ylabel(axis_label)
        ax.grid(axis="y", color=LIGHT, linewidth=0.5)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="best", fontsize=7, frameon=False)
    return _finish(fig, chart_id, title, desc)
