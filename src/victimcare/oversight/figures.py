"""The figures oversight shows, computed by the estimation library from a frame of
weighted responses (a dict of numpy columns, as ``selectors.responses_frame`` gives).

Every satisfaction figure is an ``Estimate`` or ``Comparison`` of the estimation library
on the design of the frame: strata (a month's sample stratum), design weights ``w`` and
stratum populations ``N`` for the finite population correction; each respondent is their
own PSU. Areas and groups are domains of the force's design, never subsets; a period is
a set of whole months (whole strata). Results are plain dicts, so that they can be
cached as JSON and rendered by pages, the report pack and the API alike.

No Django here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

from victimcare.estimation import Comparison, Design, Estimate, NotEnoughDataError
from victimcare.oversight import charts, drivers, league
from victimcare.oversight.periods import Quarter, month_label, month_shift, twelve_months_to

STAGES = ("ease_of_contact", "actions_taken", "kept_informed", "treatment", "whole_experience")
STAGE_LABELS = {
    "ease_of_contact": "Ease of contact",
    "actions_taken": "Actions taken",
    "kept_informed": "Kept informed",
    "treatment": "Treatment",
    "whole_experience": "Whole experience",
}
DRIVER_STAGES = STAGES[:4]
WHOLE = "whole_experience"

BREAKDOWNS = (
    ("area", "Area"),
    ("crime_group", "Crime group"),
    ("report_channel", "Reporting channel"),
    ("ethnicity", "Ethnicity"),
    ("age_band", "Age band"),
    ("sex", "Sex"),
    ("disability", "Disability"),
)
CARE_MARKERS = (
    ("kept_informed", "Kept informed by an officer", "from the case record"),
    ("visited", "Visited by an officer", "from the case record"),
    ("referred", "Referred to victim support", "from the Victims' Code records"),
)
MIN_DOMAIN_N = 1  # domains with no responses are not shown


def sat(stage: str) -> str:
    return f"sat_{stage}"


# --- conversions -------------------------------------------------------------------------


def _num(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def estimate_dict(e: Estimate | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "estimate": _num(e.estimate),
        "ci_low": _num(e.ci_low),
        "ci_high": _num(e.ci_high),
        "se": _num(e.se),
        "n": int(e.n),
        "df": int(e.df),
        "weight_total": _num(e.weight_total),
    }


def comparison_dict(c: Comparison | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "a": _num(c.estimate_a),
        "b": _num(c.estimate_b),
        "difference": _num(c.difference),
        "ci_low": _num(c.ci_low),
        "ci_high": _num(c.ci_high),
        "p_value": _num(c.p_value),
        "significant": bool(c.significant),
        "verdict": c.verdict,
    }


def _label(value: Any, labels: Mapping[str, str] | None) -> str:
    text = "" if value is None else str(value)
    if not text:
        return "Not recorded"
    if labels and text in labels:
        return str(labels[text])
    return text


# --- the design --------------------------------------------------------------------------


class Frame:
    """A frame of responses with the derived columns the figures need."""

    def __init__(self, columns: Mapping[str, np.ndarray]) -> None:
        # Text columns as numpy strings, so that the library groups them in C, not Python.
        self.columns = {}
        for name, values in columns.items():
            arr = np.asarray(values)
            if arr.dtype == object:
                arr = arr.astype(str)
            self.columns[name] = arr
        self.n = len(self.columns.get("w", ()))
        months = self.columns.get("month", np.array([], dtype=str))
        self.columns["quarter"] = (
            np.array([f"{m[:4]}Q{(int(m[5:7]) - 1) // 3 + 1}" for m in months], dtype=str)
            if len(months)
            else np.array([], dtype=str)
        )
        self._design: Design | None = None

    def __len__(self) -> int:
        return self.n

    def with_column(self, name: str, values: np.ndarray) -> None:
        self.columns[name] = values
        self._design = None

    @property
    def design(self) -> Design:
        if self.n == 0:
            return _NoDesign()  # type: ignore[return-value]
        if self._design is None:
            self._design = Design(
                self.columns, weight="w", strata="stratum", fpc="N", lonely_psu="certainty"
            )
        return self._design

    def months_flag(self, months: Sequence[str]) -> np.ndarray:
        """1 for rows in the given months, 0 otherwise."""
        return np.isin(self.columns["month"], list(months)).astype(np.int64)


class _NoDesign:
    """Stands for the design of an empty frame: every estimate is "no responses"."""

    def __getattr__(self, name: str):
        def fail(*args: Any, **kwargs: Any):  # noqa: ARG001 (stands in for any estimator)
            raise NotEnoughDataError("no responses")

        return fail


def _pick(result: Any, **by: Any) -> Estimate | None:
    try:
        return result.get(**by)
    except KeyError:
        return None


def _safe(fn, *args, **kwargs):
    """``fn(...)``, or None when the data are too few for it (the estimation library's
    ``NotEnoughDataError``: no responses, an empty domain, a model its rows cannot
    identify), which the pages show as a blank figure. Anything else is a bug or bad
    input and propagates."""
    try:
        return fn(*args, **kwargs)
    except NotEnoughDataError:
        return None


# --- the dashboard -----------------------------------------------------------------------


def dashboard_figures(
    frame: Frame,
    *,
    quarter: Quarter,
    scope_label: str,
    area: str | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    chart_prefix: str = "chart",
) -> dict[str, Any]:
    """Everything on a force's (or an area's) satisfaction dashboard for ``quarter``.

    The frame holds the force's responses for the 24 months to the end of the quarter.
    Headline and stages: the quarter. Changes: on the previous quarter and on the same
    quarter a year before. Trend: rolling 12 months at each of the 12 month-ends to the
    quarter's end. Breakdowns, care markers: the 12 months to the quarter's end.
    White-BME gap: each of the last eight quarters.
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
    # Headline and stages: the quarter, plus the rolling year.
    stages = []
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
    trend = []
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
    breakdowns = []
    for column, title in BREAKDOWNS:
        if column == "area" and area is not None:
            continue
        result = _safe(design.proportion, sat(WHOLE), by=["scope", "year", column])
        rows = []
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
        breakdowns.append(
            {"column": column, "title": title, "rows": rows, "chart_key": f"breakdown-{column}"}
        )
    out["breakdowns"] = breakdowns
    # White-BME gap in each of the last eight quarters (white minus BME), with the number
    # of responses behind each side, so that exports can suppress gaps resting on few.
    groups = _safe(design.proportion, sat(WHOLE), by=["scope", "quarter", "bme"])

    def group_n(q: str, bme: int) -> int:
        found = _pick(groups, scope=1, quarter=q, bme=bme) if groups is not None else None
        return int(found.n) if found is not None else 0

    gaps = []
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
    care = []
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
    out["charts"] = dashboard_charts(out, prefix=chart_prefix)
    return out


def _point(label: str, e: Mapping[str, Any] | None, highlight: bool = False) -> charts.Point:
    if not e or e.get("estimate") is None:
        return charts.Point(label, math.nan, math.nan, math.nan, highlight)
    return charts.Point(
        label, e["estimate"], _nan(e.get("ci_low")), _nan(e.get("ci_high")), highlight
    )


def _nan(v: float | None) -> float:
    return math.nan if v is None else v


def _gap_point(label: str, c: Mapping[str, Any] | None) -> charts.Point:
    if not c or c.get("difference") is None:
        return charts.Point(label, math.nan, math.nan, math.nan)
    return charts.Point(label, c["difference"], _nan(c.get("ci_low")), _nan(c.get("ci_high")))


def _fmt(v: float | None) -> str:
    return "no estimate" if v is None else f"{v * 100:.1f}%"


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
    out["trend"] = charts.trend_chart(
        f"{prefix}-trend",
        trend,
        title=f"Whole-experience satisfaction, rolling 12 months, {scope}",
        desc="Rolling 12-month estimate at each month end with its 95% confidence "
        "interval as a band. "
        + "; ".join(
            f"12 months to {t['label']}: {_fmt((t['estimate'] or {}).get('estimate'))}"
            for t in fig["trend"]
        ),
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
        axis_label="Gap in points (white minus BME)",
        title=f"White-BME satisfaction gap by quarter, {scope}",
        desc="Whole-experience satisfaction of white victims minus that of BME victims, "
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


def league_figures(
    frame: Frame,
    *,
    measure: str,
    months: Sequence[str],
    period_label: str,
    names: Mapping[str, str],
    group_label: str,
    highlight: Sequence[str] = (),
    chart_prefix: str = "league",
    seed: int = league.RANK_SEED,
) -> dict[str, Any]:
    """A league table of the frame's forces for ``measure`` over ``months``."""
    frame.with_column("period", frame.months_flag(months))
    codes = sorted(set(frame.columns["force"].tolist()))
    # One design with a force-or-others column per force: built once, compared k times.
    for code in codes:
        frame.columns[f"side_{code}"] = (frame.columns["force"] == code).astype(np.int64)
    frame.with_column("period", frame.columns["period"])
    design = frame.design
    result = _safe(design.proportion, sat(measure), by=["period", "force"])
    pooled = _safe(design.proportion, sat(measure), by=["period"])
    forces = []
    versus: dict[str, league.Versus] = {}
    for e in result or ():
        if e.by["period"] != 1 or e.n == 0:
            continue
        code = str(e.by["force"])
        forces.append(
            league.ForceEstimate(
                code=code,
                name=names.get(code, code),
                n=e.n,
                estimate=e.estimate,
                se=e.se,
                ci_low=e.ci_low,
                ci_high=e.ci_high,
                df=e.df,
                weight_total=e.weight_total,
            )
        )
        if len(codes) > 1:
            c = _safe(design.compare, sat(measure), ["period", f"side_{code}"], (1, 1), (1, 0))
            if c is not None:
                versus[code] = league.Versus(
                    c.difference, c.ci_low, c.ci_high, c.p_value, c.significant
                )
    rows = league.league_table(forces, versus, seed=seed)
    average = _pick(pooled, period=1) if pooled else None
    table = [
        {
            "code": r.force.code,
            "name": r.force.name,
            "estimate": {
                "estimate": r.force.estimate,
                "ci_low": r.force.ci_low,
                "ci_high": r.force.ci_high,
                "n": r.force.n,
                "se": r.force.se,
                "df": r.force.df,
            },
            "rank": r.rank,
            "rank_low": r.rank_low,
            "rank_high": r.rank_high,
            "versus": _num(r.versus),
            "versus_low": _num(r.versus_low),
            "versus_high": _num(r.versus_high),
            "p_value": _num(r.p_value),
            "flag": r.flag,
            "flag_label": r.flag_label,
            "highlight": r.force.code in highlight,
        }
        for r in rows
    ]
    out = {
        "measure": measure,
        "measure_label": STAGE_LABELS[measure],
        "period_label": period_label,
        "group_label": group_label,
        "average": estimate_dict(average),
        "rows": table,
        "seed": seed,
        "draws": league.RANK_DRAWS,
    }
    points = [
        charts.Point(
            f"{r['name']}",
            r["estimate"]["estimate"],
            r["estimate"]["ci_low"],
            r["estimate"]["ci_high"],
            r["highlight"],
        )
        for r in table
    ]
    out["chart"] = charts.dot_interval_chart(
        f"{chart_prefix}-league",
        points,
        reference=(out["average"] or {}).get("estimate"),
        reference_label="Peer average",
        title=f"{STAGE_LABELS[measure]} satisfaction by force, {group_label}, {period_label}",
        desc="Each force's estimate with its 95% confidence interval, sorted by estimate; "
        "the dashed line is the peer average. "
        + "; ".join(f"{r['name']}: {_fmt(r['estimate']['estimate'])}" for r in table),
    ).svg
    return out


# --- drivers -----------------------------------------------------------------------------


def drivers_figures(
    frame: Frame,
    *,
    force: str,
    months: Sequence[str],
    period_label: str,
    force_name: str,
    chart_prefix: str = "drivers",
) -> dict[str, Any]:
    """Which stages move whole-experience satisfaction in ``force`` (a survey-weighted
    logistic model on its responses over ``months``) and where it trails its peers (the
    other forces of the frame), combined into the points a force could gain."""
    cols = frame.columns
    frame.with_column("period", frame.months_flag(months))
    in_force = (cols["force"] == force) & (cols["period"] == 1)
    sub = {k: v[in_force] for k, v in cols.items()}
    fit = _safe(
        drivers.drivers_fit,
        sub,
        sat(WHOLE),
        [sat(s) for s in DRIVER_STAGES],
        weight="w",
        strata="stratum",
        fpc="N",
        lonely_psu="certainty",
    )
    design = frame.design
    peers_present = len(set(cols["force"][cols["period"] == 1].tolist()) - {force}) > 0
    frame.with_column("side", np.where(cols["force"] == force, "force", "peers").astype(object))
    design = frame.design
    rows = []
    for stage in DRIVER_STAGES:
        est = _safe(design.proportion, sat(stage), by=["period", "side"])
        mine = _pick(est, period=1, side="force") if est else None
        peers = _pick(est, period=1, side="peers") if est and peers_present else None
        versus = (
            _safe(
                design.compare,
                sat(stage),
                ["period", "side"],
                (1, "force"),
                (1, "peers"),
                kind="gap",
            )
            if peers_present
            else None
        )
        driver = fit.stage(sat(stage)) if fit else None
        effect = driver.effect if driver else None
        shortfall = max(0.0, -versus.difference) if versus is not None else 0.0
        rows.append(
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "odds_ratio": _num(driver.odds_ratio) if driver else None,
                "odds_ratio_low": _num(driver.odds_ratio_low) if driver else None,
                "odds_ratio_high": _num(driver.odds_ratio_high) if driver else None,
                "p_value": _num(driver.coefficient.p) if driver else None,
                "effect": {
                    "estimate": effect.estimate,
                    "ci_low": effect.ci_low,
                    "ci_high": effect.ci_high,
                }
                if effect
                else None,
                "force": estimate_dict(mine),
                "peers": estimate_dict(peers),
                "versus": comparison_dict(versus),
                "weaker": bool(versus is not None and versus.significant and versus.difference < 0),
                "gain": _num(effect.estimate * shortfall) if effect else None,
            }
        )
    ranked = sorted(rows, key=lambda r: -(r["gain"] or 0.0))
    for i, r in enumerate(ranked, start=1):
        r["priority"] = i
    out = {
        "force": force,
        "force_name": force_name,
        "period_label": period_label,
        "n": fit.n if fit else int(in_force.sum()),
        "df": fit.df if fit else None,
        "rows": ranked,
        "fitted": fit is not None,
    }
    points = [_point(r["label"], r["effect"]) for r in rows]
    out["chart"] = charts.dot_interval_chart(
        f"{chart_prefix}-effects",
        points,
        axis_label="Points of whole-experience satisfaction (95% confidence interval)",
        title=f"How much each stage moves whole-experience satisfaction, {force_name}",
        desc="Average marginal effect of being satisfied with each stage on being "
        "satisfied with the whole experience, in percentage points, from a "
        "survey-weighted logistic model, with 95% confidence intervals. "
        + "; ".join(
            f"{r['label']}: "
            + ("no estimate" if not r["effect"] else f"{r['effect']['estimate'] * 100:.1f} points")
            for r in rows
        ),
    ).svg
    return out


# --- targets -----------------------------------------------------------------------------


def series_figures(
    frame: Frame,
    *,
    measure: str,
    kind: str,
    quarters: Sequence[Quarter],
    area: str | None = None,
    group: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Quarterly estimates of a target's measure in its scope: a level (the proportion
    satisfied) or the white-BME gap (white minus BME, in proportion points)."""
    cols = frame.columns
    scope = np.full(frame.n, True)
    if area is not None:
        scope &= cols["area"] == area
    if group is not None:
        column, value = group
        values = cols[column]
        scope &= (values == float(value)) if values.dtype.kind == "f" else (values == value)
    frame.with_column("scope", scope.astype(np.int64))
    design = frame.design
    out = []
    if kind == "level":
        result = _safe(design.proportion, sat(measure), by=["scope", "quarter"])
        for q in quarters:
            e = _pick(result, scope=1, quarter=q.code) if result else None
            out.append(
                {
                    "quarter": q.code,
                    "label": q.label,
                    "end": q.end.isoformat(),
                    "estimate": estimate_dict(e),
                }
            )
        return out
    for q in quarters:
        c = _safe(
            design.compare,
            sat(measure),
            ["scope", "quarter", "bme"],
            (1, q.code, 0),
            (1, q.code, 1),
            kind="gap",
        )
        value = comparison_dict(c)
        out.append(
            {
                "quarter": q.code,
                "label": q.label,
                "end": q.end.isoformat(),
                "estimate": None
                if value is None
                else {
                    "estimate": value["difference"],
                    "ci_low": value["ci_low"],
                    "ci_high": value["ci_high"],
                    "n": None,
                },
            }
        )
    return out


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    out, q = [], first
    while q <= last:
        out.append(q)
        q = q.shift(1)
    return out


def end_of(quarter_code: str) -> date:
    return Quarter.parse(quarter_code).end
