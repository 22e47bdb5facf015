"""The domestic abuse victims' survey's own figures: satisfaction at each stage for the
quarter and the 12 months to its end, design-based, through the publication rule. A
section of its own, never part of the User Satisfaction Survey's headline.

No Django here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from victimcare.oversight import publication
from victimcare.oversight.figures.common import (
    STAGE_LABELS,
    STAGES,
    Frame,
    _pick,
    _safe,
    estimate_dict,
    sat,
)

NOTE = (
    "Domestic abuse victims are surveyed separately and safely (only by the route they "
    "confirmed is safe, after an officer's approval, never while the risk to them is "
    "high), with their own questionnaire. These figures are never part of the User "
    "Satisfaction Survey's headline, whose sample excludes domestic abuse victims."
)


def da_survey_figures(
    frame: Frame,
    *,
    quarter_months: Sequence[str],
    year_months: Sequence[str],
    quarter_label: str,
    year_label: str,
    threshold: int,
    on: date,
) -> dict[str, Any]:
    """Each stage's share satisfied among domestic abuse survey respondents in the scope
    (``scope`` column), for the quarter and the year, published or withheld by the rule;
    with the fieldwork state and the months each period really covers."""
    cols = frame.columns
    frame.with_column("in_quarter", frame.months_flag(quarter_months))
    frame.with_column("in_year", frame.months_flag(year_months))
    scoped = cols["scope"] == 1 if frame.n else cols["scope"].astype(bool)
    counts: dict[str, int] = {}
    for month in cols["month"][scoped]:
        counts[str(month)] = counts.get(str(month), 0) + 1
    periods = []
    for key, months, label in (
        ("in_quarter", quarter_months, quarter_label),
        ("in_year", year_months, year_label),
    ):
        stages = []
        for stage in STAGES:
            # The design inside _safe: a single response makes no design at all.
            result = _safe(
                lambda y, by: frame.design.proportion(y, by=by), sat(stage), by=["scope", key]
            )
            estimate = _pick(result, **{"scope": 1, key: 1}) if result else None
            figure = estimate_dict(estimate)
            answered = int(np.nansum(np.isfinite(cols[f"sat_{stage}"][scoped & (cols[key] == 1)])))
            if figure is None and answered:
                # Answers too few to make a design (a single one): counted, never estimated.
                figure = dict.fromkeys(("estimate", "ci_low", "ci_high", "se"), None)
                figure.update(n=answered, df=0, weight_total=None)
            published = publication.publish(figure, threshold=threshold)
            stages.append(
                {
                    "stage": stage,
                    "label": STAGE_LABELS[stage],
                    "estimate": published,
                    "rate": publication.rate_text(published, threshold=threshold),
                    "interval": publication.interval_text(published, threshold=threshold),
                }
            )
        periods.append(
            {
                "label": label,
                "covers": publication.months_label(months, counts=counts),
                "fieldwork": publication.fieldwork(months, counts=counts, on=on),
                "responses": sum(counts.get(m, 0) for m in months),
                "stages": stages,
            }
        )
    return {"periods": periods, "note": NOTE, "threshold": threshold}
