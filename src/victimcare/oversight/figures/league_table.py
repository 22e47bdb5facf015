"""The league table of a peer group (or all forces): published aggregates only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from victimcare.oversight import charts, league, publication
from victimcare.oversight.figures.common import (
    STAGE_LABELS,
    Frame,
    _fmt,
    _num,
    _pick,
    _safe,
    estimate_dict,
    sat,
)


def league_figures(
    frame: Frame,
    *,
    measure: str,
    months: Sequence[str],
    period_label: str | None = None,
    names: Mapping[str, str],
    group_label: str,
    highlight: Sequence[str] = (),
    chart_prefix: str = "league",
    seed: int = league.RANK_SEED,
    threshold: int = 30,
) -> dict[str, Any]:
    """A league table of the frame's forces for ``measure`` over ``months``. Forces with
    fewer than ``threshold`` responses are left out of the chart (the publication rule).
    Unless ``period_label`` is given, the period is labelled by exactly the months of
    reports with responses (``publication.months_label``): a "rolling 12 months" with one
    month of responses is labelled as that one month."""
    frame.with_column("period", frame.months_flag(months))
    answered = (frame.columns["period"] == 1) & np.isfinite(
        frame.columns[sat(measure)].astype(float)
    )
    seen, seen_n = np.unique(frame.columns["month"][answered], return_counts=True)
    month_counts = {str(m): int(k) for m, k in zip(seen, seen_n, strict=True)}
    if period_label is None:
        period_label = "reports of " + publication.months_label(months, counts=month_counts)
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
    table: list[dict[str, Any]] = [
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
    out: dict[str, Any] = {
        "measure": measure,
        "measure_label": STAGE_LABELS[measure],
        "period_label": period_label,
        "months": list(months),
        "month_counts": month_counts,
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
        if r["estimate"]["n"] >= threshold
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
