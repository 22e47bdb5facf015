"""Drivers of whole-experience satisfaction in a force, and where it trails its peers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from victimcare.oversight import charts, drivers, publication
from victimcare.oversight.figures.common import (
    DRIVER_STAGES,
    STAGE_LABELS,
    WHOLE,
    Frame,
    _num,
    _pick,
    _point,
    _safe,
    comparison_dict,
    estimate_dict,
    sat,
)


def drivers_figures(
    frame: Frame,
    *,
    force: str,
    months: Sequence[str],
    period_label: str | None = None,
    force_name: str,
    chart_prefix: str = "drivers",
) -> dict[str, Any]:
    """Which stages move whole-experience satisfaction in ``force`` (a survey-weighted
    logistic model on its responses over ``months``) and where it trails its peers (the
    other forces of the frame), combined into the points a force could gain. Unless
    ``period_label`` is given, the period is labelled by exactly the months of reports
    with the force's whole-experience answers (``publication.months_label``, as the
    league table is): a "12 months" window with one month of responses says one month."""
    cols = frame.columns
    frame.with_column("period", frame.months_flag(months))
    in_force = (cols["force"] == force) & (cols["period"] == 1)
    if period_label is None:
        answered = in_force & np.isfinite(cols[sat(WHOLE)].astype(float))
        seen, seen_n = np.unique(cols["month"][answered], return_counts=True)
        counts = {str(m): int(k) for m, k in zip(seen, seen_n, strict=True)}
        period_label = "reports of " + publication.months_label(months, counts=counts)
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
    rows: list[dict[str, Any]] = []
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
    out: dict[str, Any] = {
        "force": force,
        "force_name": force_name,
        "period_label": period_label,
        "n": fit.n if fit else int(in_force.sum()),
        "df": fit.df if fit else None,
        "rows": ranked,
        "fitted": fit is not None,
    }
    # The chart in the table's order (priority), on a symmetric axis of points.
    points = [_point(r["label"], r["effect"]) for r in ranked]
    out["chart"] = charts.dot_interval_chart(
        f"{chart_prefix}-effects",
        points,
        sort=False,
        limits=charts.gap_axis(points),
        axis_label="Points of whole-experience satisfaction (95% confidence interval)",
        title="Stages most associated with whole-experience satisfaction, "
        f"{force_name}, {period_label}",
        desc="Average marginal effect associated with being satisfied with each stage on "
        "being satisfied with the whole experience, in percentage points, from a "
        "survey-weighted logistic model, with 95% confidence intervals, in order of "
        "priority as in the table. An association, not proof of cause. "
        + "; ".join(
            f"{r['label']}: "
            + ("no estimate" if not r["effect"] else f"{r['effect']['estimate'] * 100:.1f} points")
            for r in ranked
        ),
    ).svg
    return out


# --- targets -----------------------------------------------------------------------------
