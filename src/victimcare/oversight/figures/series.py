"""Quarterly series of a measure, for targets' progress; quarters as date ranges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from victimcare.oversight.figures.common import (
    Frame,
    _pick,
    _safe,
    comparison_dict,
    estimate_dict,
    sat,
)
from victimcare.oversight.periods import Quarter


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
    satisfied) or the ethnic minority gap (white minus ethnic minority, in proportion points)."""
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
    out: list[dict[str, Any]] = []
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
    groups = _safe(design.proportion, sat(measure), by=["scope", "quarter", "bme"])
    for q in quarters:
        sides = [
            _pick(groups, scope=1, quarter=q.code, bme=b) if groups is not None else None
            for b in (0, 1)
        ]
        smaller = min(int(e.n) if e is not None else 0 for e in sides)
        c = _safe(
            design.compare,
            sat(measure),
            ["scope", "quarter", "bme"],
            (1, q.code, 0),
            (1, q.code, 1),
            kind="gap",
        )
        gap = comparison_dict(c)
        out.append(
            {
                "quarter": q.code,
                "label": q.label,
                "end": q.end.isoformat(),
                "estimate": None
                if gap is None
                else {
                    "estimate": gap["difference"],
                    "ci_low": gap["ci_low"],
                    "ci_high": gap["ci_high"],
                    "n": smaller,  # the smaller group's responses: what the rule needs
                },
            }
        )
    return out


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    out: list[Quarter] = []
    q = first
    while q <= last:
        out.append(q)
        q = q.shift(1)
    return out


def end_of(quarter_code: str) -> date:
    return Quarter.parse(quarter_code).end
