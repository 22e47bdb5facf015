"""A force's (or area's) satisfaction dashboard: its figures and their charts."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np

from victimcare.oversight import charts, publication
from victimcare.oversight.figures.common import (
    BREAKDOWNS,
    CARE_MARKERS,
    MIN_DOMAIN_N,
    STAGE_LABELS,
    STAGES,
    WHOLE,
    Frame,
    _fmt,
    _gap_point,
    _label,
    _pick,
    _point,
    _safe,
    comparison_dict,
    estimate_dict,
    sat,
)
from victimcare.oversight.periods import Quarter, month_label, month_shift, twelve_months_to


def dashboard_figures(
    frame: Frame,
    *,
    quarter: Quarter,
    scope_label: str,
    area: str | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    chart_prefix: str = "chart",
    threshold: int = 30,
) -> dict[str, Any]:
    """Everything on a force's (or an area's) satisfaction dashboard for ``quarter``.

    The frame holds the force's responses for the 24 months to the end of the quarter.
    Headline and stages: the quarter. Changes: on the previous quarter and on the same
    quarter a year before. Trend: rolling 12 months at each of the 12 month-ends to the
    quarter's end. Breakdowns, care markers: the 12 months to the quarter's end.
    Ethnic minority gap: each of the last eight quarters. In each breakdown, the most
    and the least satisfied groups with at least ``threshold`` responses are compared.
    ``month_counts`` (responses with a whole-experience answer, by month of report) lets
    the publication rule label periods by the months they really cover.
    """
    labels = labels or {}
    cols = frame.columns
    scope = (
        (cols["area"] == area).astype(np.int64)
        if area is not None
        else np.ones(frame.n, dtype=np.int64)
    )
    frame.with_column("scope", scope)
    year_months = twelve_months_to(quarter.last_month)
    frame.with_column("year", frame.months_flag(year_months))
    design = frame.design
    out: dict[str, Any] = {
        "scope": scope_label,
        "area": area,
        "quarter": quarter.code,
        "quarter_label": quarter.label,
        "year_label": f"{month_label(year_months[0])} to {month_label(year_months[-1])}",
        "previous_label": quarter.previous().label,
        "year_before_label": quarter.year_before().label,
        "responses": int(scope.sum()),
    }
    answered = (scope == 1) & np.isfinite(cols[sat(WHOLE)].astype(float))
    months_seen, month_n = np.unique(cols["month"][answered], return_counts=True)
    out["month_counts"] = {str(m): int(k) for m, k in zip(months_seen, month_n, strict=True)}
    # Headline and stages: the quarter, plus the rolling year.
    stages: list[dict[str, Any]] = []
    quarters = [quarter.shift(-k).code for k in range(7, -1, -1)]
    for stage in STAGES:
        by_quarter = _safe(design.proportion, sat(stage), by=["scope", "quarter"])
        by_year = _safe(design.proportion, sat(stage), by=["scope", "year"])
        stages.append(
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "quarter": estimate_dict(
                    _pick(by_quarter, scope=1, quarter=quarter.code) if by_quarter else None
                ),
                "year": estimate_dict(_pick(by_year, scope=1, year=1) if by_year else None),
                "quarters": [
                    {
                        "quarter": q,
                        "estimate": estimate_dict(
                            _pick(by_quarter, scope=1, quarter=q) if by_quarter else None
                        ),
                    }
                    for q in quarters
                ],
            }
        )
    out["stages"] = stages
    out["headline"] = stages[-1]
    # Changes in whole-experience satisfaction.
    out["changes"] = [
        {
            "label": f"On the previous quarter ({quarter.previous().label})",
            "a_quarter": quarter.code,
            "b_quarter": quarter.previous().code,
            "comparison": comparison_dict(
                _safe(
                    design.compare,
                    sat(WHOLE),
                    ["scope", "quarter"],
                    (1, quarter.code),
                    (1, quarter.previous().code),
                    kind="change",
                )
            ),
        },
        {
            "label": f"On the same quarter a year before ({quarter.year_before().label})",
            "a_quarter": quarter.code,
            "b_quarter": quarter.year_before().code,
            "comparison": comparison_dict(
                _safe(
                    design.compare,
                    sat(WHOLE),
                    ["scope", "quarter"],
                    (1, quarter.code),
                    (1, quarter.year_before().code),
                    kind="change",
                )
            ),
        },
    ]
    # Rolling 12-month trend at each month-end.
    trend: list[dict[str, Any]] = []
    for k in range(11, -1, -1):
        end = month_shift(quarter.last_month, -k)
        frame.with_column("window", frame.months_flag(twelve_months_to(end)))
        est = _safe(frame.design.proportion, sat(WHOLE), by=["scope", "window"])
        trend.append(
            {
                "month": f"{end:%Y-%m}",
                "label": month_label(f"{end:%Y-%m}"),
                "estimate": estimate_dict(_pick(est, scope=1, window=1) if est else None),
            }
        )
    out["trend"] = trend
    design = frame.design
    # Breakdowns over the rolling year.
    breakdowns: list[dict[str, Any]] = []
    for column, title in BREAKDOWNS:
        if column == "area" and area is not None:
            continue
        result = _safe(design.proportion, sat(WHOLE), by=["scope", "year", column])
        rows: list[dict[str, Any]] = []
        for e in result or ():
            if e.by["scope"] != 1 or e.by["year"] != 1 or e.n < MIN_DOMAIN_N:
                continue
            rows.append(
                {
                    "value": str(e.by[column]),
                    "label": _label(e.by[column], labels.get(column)),
                    "estimate": estimate_dict(e),
                }
            )
        rows.sort(key=lambda r: -(r["estimate"]["estimate"] or 0))
        big = [r for r in rows if r["estimate"]["n"] >= threshold and r["value"]]
        spread: dict[str, Any] | None = None
        if len(big) >= 2:
            high, low = big[0], big[-1]
            spread = {
                "higher": high["label"],
                "lower": low["label"],
                "higher_n": high["estimate"]["n"],
                "lower_n": low["estimate"]["n"],
                "comparison": comparison_dict(
                    _safe(
                        design.compare,
                        sat(WHOLE),
                        ["scope", "year", column],
                        (1, 1, high["value"]),
                        (1, 1, low["value"]),
                        kind="gap",
                    )
                ),
            }
        breakdowns.append(
            {
                "column": column,
                "title": title,
                "rows": rows,
                "chart_key": f"breakdown-{column}",
                "spread": spread,
            }
        )
    out["breakdowns"] = breakdowns
    # The ethnic minority gap in each of the last eight quarters, with the number
    # of responses behind each side, so that exports can suppress gaps resting on few.
    # White minus ethnic minority (the bme column: Asian, Black, Mixed and Other groups).
    groups = _safe(design.proportion, sat(WHOLE), by=["scope", "quarter", "bme"])

    def group_n(q: str, bme: int) -> int:
        found = _pick(groups, scope=1, quarter=q, bme=bme) if groups is not None else None
        return int(found.n) if found is not None else 0

    gaps: list[dict[str, Any]] = []
    for q in quarters:
        c = _safe(
            design.compare,
            sat(WHOLE),
            ["scope", "quarter", "bme"],
            (1, q, 0),
            (1, q, 1),
            kind="gap",
        )
        gaps.append(
            {
                "quarter": q,
                "label": Quarter.parse(q).label,
                "gap": comparison_dict(c),
                "n_white": group_n(q, 0),
                "n_bme": group_n(q, 1),
            }
        )
    out["gap"] = gaps
    # Care and satisfaction together.
    care: list[dict[str, Any]] = []
    for column, title, source in CARE_MARKERS:
        if column not in cols:
            continue
        result = _safe(design.proportion, sat(WHOLE), by=["scope", "year", column])
        c = _safe(
            design.compare, sat(WHOLE), ["scope", "year", column], (1, 1, 1), (1, 1, 0), kind="gap"
        )
        care.append(
            {
                "column": column,
                "title": title,
                "source": source,
                "yes": estimate_dict(
                    _pick(result, scope=1, year=1, **{column: 1}) if result else None
                ),
                "no": estimate_dict(
                    _pick(result, scope=1, year=1, **{column: 0}) if result else None
                ),
                "difference": comparison_dict(c),
            }
        )
    out["care"] = care
    out["mode"] = _mode_figures(frame, quarter=quarter, labels=labels.get("mode") or {})
    out["chart_prefix"] = chart_prefix
    out["charts"] = dashboard_charts(out, prefix=chart_prefix)
    return out


def _mode_figures(
    frame: Frame, *, quarter: Quarter, labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Whole-experience satisfaction by survey mode in ``quarter``, with each mode's
    responses in the quarter and the one before (for the mix). Empty when the frame has
    no mode column."""
    cols = frame.columns
    if "mode" not in cols or frame.n == 0:
        return []
    answered = (cols["scope"] == 1) & np.isfinite(cols[sat(WHOLE)].astype(float))
    previous = quarter.previous().code
    modes = sorted(
        set(cols["mode"][answered & np.isin(cols["quarter"], [quarter.code, previous])].tolist())
    )
    result = _safe(frame.design.proportion, sat(WHOLE), by=["scope", "quarter", "mode"])
    rows = []
    for mode in modes:
        here = _pick(result, scope=1, quarter=quarter.code, mode=mode) if result else None
        before = _pick(result, scope=1, quarter=previous, mode=mode) if result else None
        rows.append(
            {
                "value": mode,
                "label": _label(mode, labels),
                "estimate": estimate_dict(here) or {"n": 0, "estimate": None},
                "n": int(here.n) if here is not None else 0,
                "n_previous": int(before.n) if before is not None else 0,
            }
        )
    return rows


def dashboard_publish(
    raw: Mapping[str, Any],
    *,
    threshold: int,
    on: date,
    benchmark: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The dashboard's figures under the publication rule (``publication``): rates under
    ``threshold`` responses withheld, periods labelled by the months they cover, a
    quarter with fieldwork open flagged and never compared, changes and gaps with their
    test and rule; charts redrawn from what is shown (withheld rows in no chart).
    ``benchmark`` (``oversight.benchmark``: the CSEW figure) is drawn on the trend as a
    reference line, with its source and period."""
    fig: dict[str, Any] = copy.deepcopy(dict(raw))
    fig["benchmark"] = dict(benchmark) if benchmark else None
    counts = fig.get("month_counts") or {}
    quarter = Quarter.parse(fig["quarter"])
    year_months = twelve_months_to(quarter.last_month)
    fig["threshold"] = threshold
    fig["fieldwork"] = publication.fieldwork(quarter.months, counts=counts, on=on)
    fig["quarter_covers"] = publication.months_label(quarter.months, counts=counts)
    fig["year_label"] = publication.months_label(year_months, counts=counts)
    year_fieldwork = publication.fieldwork(year_months, counts=counts, on=on)
    fig["year_fieldwork"] = year_fieldwork
    for s in fig["stages"]:
        s["quarter"] = publication.publish(s["quarter"], threshold=threshold)
        s["year"] = publication.publish(s["year"], threshold=threshold)
        for q in s["quarters"]:
            q["estimate"] = publication.publish(q["estimate"], threshold=threshold)
    fig["headline"] = fig["stages"][-1]
    by_quarter = {q["quarter"]: q["estimate"]["n"] for q in fig["headline"]["quarters"]}

    def incomplete(code: str) -> str | None:
        status = publication.fieldwork(Quarter.parse(code).months, counts=counts, on=on)
        return None if status["complete"] else f"{Quarter.parse(code).label}: {status['note']}"

    for change in fig["changes"]:
        a, b = change.get("a_quarter", fig["quarter"]), change.get("b_quarter", "")
        change["comparison"] = publication.publish_comparison(
            change["comparison"],
            n_a=by_quarter.get(a, 0),
            n_b=by_quarter.get(b, 0),
            threshold=threshold,
            rule=publication.CHANGE_RULE,
            incomplete=incomplete(a) or (incomplete(b) if b else None),
        )
    for t in fig["trend"]:
        window = twelve_months_to(date.fromisoformat(f"{t['month']}-01"))
        t["estimate"] = publication.publish(t["estimate"], threshold=threshold)
        t["covers"] = publication.months_label(window, counts=counts)
    for b in fig["breakdowns"]:
        rows = [
            dict(r, estimate=publication.publish(r["estimate"], threshold=threshold))
            for r in b["rows"]
        ]
        shown = [r for r in rows if r["estimate"]["published"]]
        withheld = sorted(
            (r for r in rows if not r["estimate"]["published"]), key=lambda r: r["label"].lower()
        )
        b["rows"] = shown + withheld
        spread = b.get("spread")
        if spread:
            spread["comparison"] = publication.publish_comparison(
                spread["comparison"],
                n_a=spread["higher_n"],
                n_b=spread["lower_n"],
                threshold=threshold,
                rule=publication.GAP_RULE,
            )
            spread["called_out"] = bool(
                spread["comparison"]["published"] and spread["comparison"]["significant"]
            )
    fig["gaps_called_out"] = [
        b for b in fig["breakdowns"] if b.get("spread") and b["spread"]["called_out"]
    ]
    for g in fig["gap"]:
        g["gap"] = publication.publish_comparison(
            g["gap"],
            n_a=g.get("n_white", 0),
            n_b=g.get("n_bme", 0),
            threshold=threshold,
            rule=publication.GAP_RULE,
        )
    for c in fig["care"]:
        c["yes"] = publication.publish(c["yes"], threshold=threshold)
        c["no"] = publication.publish(c["no"], threshold=threshold)
        c["difference"] = publication.publish_comparison(
            c["difference"],
            n_a=c["yes"]["n"],
            n_b=c["no"]["n"],
            threshold=threshold,
            rule=publication.GAP_RULE,
        )
    mode_rows = [
        dict(r, estimate=publication.publish(r["estimate"], threshold=threshold))
        for r in fig.get("mode") or []
    ]
    fig["mode_mix"] = publication.mode_mix(
        mode_rows,
        incomplete=incomplete(fig["quarter"]) or incomplete(quarter.previous().code),
    )
    fig["ethnic_minority_groups"] = publication.ETHNIC_MINORITY_GROUPS
    fig["charts"] = dashboard_charts(fig, prefix=fig.get("chart_prefix", "chart"))
    return fig


def dashboard_charts(fig: Mapping[str, Any], *, prefix: str) -> dict[str, str]:
    """The dashboard's SVG charts (strings), drawn once from its figures."""
    scope = fig["scope"]
    out: dict[str, str] = {}
    stages = [_point(s["label"], s["quarter"]) for s in fig["stages"]]
    out["stages"] = charts.dot_interval_chart(
        f"{prefix}-stages",
        stages,
        sort=False,
        title=f"Satisfaction at each stage, {scope}, {fig['quarter_label']}",
        desc="Percentage of victims satisfied at each of the five stages, with 95% "
        "confidence intervals. "
        + "; ".join(
            f"{s['label']}: {_fmt((s['quarter'] or {}).get('estimate'))}" for s in fig["stages"]
        ),
    ).svg
    trend = [_point(t["label"], t["estimate"]) for t in fig["trend"]]
    benchmark = fig.get("benchmark") or {}
    out["trend"] = charts.trend_chart(
        f"{prefix}-trend",
        trend,
        title=f"Whole-experience satisfaction, rolling 12 months, {scope}",
        desc="Rolling 12-month estimate at each month end with its 95% confidence "
        "interval as a band. "
        + "; ".join(
            f"12 months to {t['label']}: {_fmt((t['estimate'] or {}).get('estimate'))}"
            for t in fig["trend"]
        )
        + (f". Dotted line, for reference: {benchmark['caption']}" if benchmark else ""),
        benchmark=benchmark.get("value"),
        benchmark_label=f"CSEW, {benchmark.get('period', '')} (a different survey)",
    ).svg
    for b in fig["breakdowns"]:
        points = [_point(r["label"], r["estimate"]) for r in b["rows"]]
        out[f"breakdown-{b['column']}"] = charts.dot_interval_chart(
            f"{prefix}-by-{b['column']}",
            points,
            reference=(fig["stages"][-1]["year"] or {}).get("estimate"),
            reference_label=f"{scope} overall",
            title=f"Whole-experience satisfaction by {b['title'].lower()}, {fig['year_label']}",
            desc="Dots are estimates, bars 95% confidence intervals, sorted by estimate; "
            "the dashed line is the overall figure. "
            + "; ".join(f"{r['label']}: {_fmt(r['estimate']['estimate'])}" for r in b["rows"]),
        ).svg
    gaps = [_gap_point(g["label"], g["gap"]) for g in fig["gap"]]
    out["gap"] = charts.trend_chart(
        f"{prefix}-gap",
        gaps,
        zero_line=True,
        limits=charts.gap_axis(gaps),
        axis_label="Gap in points (white minus ethnic minority)",
        title=f"Ethnic minority satisfaction gap by quarter, {scope}",
        desc="Whole-experience satisfaction of white victims minus that of ethnic "
        f"minority victims ({publication.ETHNIC_MINORITY_GROUPS}), "
        "in percentage points, with its 95% confidence interval. Above zero: white "
        "victims more satisfied. "
        + "; ".join(
            f"{g['label']}: "
            + (
                "no estimate"
                if not g["gap"] or g["gap"]["difference"] is None
                else f"{g['gap']['difference'] * 100:.1f} points"
            )
            for g in fig["gap"]
        ),
    ).svg
    care_points = []
    for c in fig["care"]:
        care_points.append(_point(f"{c['title']}: yes", c["yes"]))
        care_points.append(_point(f"{c['title']}: no", c["no"]))
    out["care"] = charts.dot_interval_chart(
        f"{prefix}-care",
        care_points,
        sort=False,
        title=f"Whole-experience satisfaction by the care victims received, {scope}",
        desc="Satisfaction of victims who were and were not kept informed, visited and "
        "referred, with 95% confidence intervals. "
        + "; ".join(
            f"{p.label}: {_fmt(p.estimate if math.isfinite(p.estimate) else None)}"
            for p in care_points
        ),
    ).svg
    return out


# --- peers -------------------------------------------------------------------------------
