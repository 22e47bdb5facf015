"""Survey and record side by side: what victims say (the questionnaire's Victims' Code
questions, a design-based estimate) beside what the records say (the compliance
return's measure, a Wilson interval), by force and by area, with both bases.

The recorded side is the compliance return's own cells (``compliance_return``), passed in
as plain dicts; nothing here recounts obligations. The survey side is a proportion of the
force's design over the quarter's months of reports, an area being a domain of it; only
responses to a questionnaire version that asks the question count ("not asked" counts
are shown beside). Both go through the publication rule.

No Django here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from victimcare.oversight import publication
from victimcare.oversight.figures.common import Frame, _pick, _safe, estimate_dict

# (question code, the recorded measure beside it, what victims were asked)
PAIRS: tuple[tuple[str, str, str], ...] = (
    (
        "told_about_code",
        "written_information_on_time",
        "Victims who say they were told about the Victims' Code",
    ),
    (
        "offered_vps",
        "vps_offered",
        "Victims who say they were offered a Victim Personal Statement",
    ),
    (
        "offered_referral",
        "referral_within_2wd",
        "Victims who say they were offered a referral to support",
    ),
)
NOTE = (
    "The two figures count different people and are not a test of each other: the "
    "recorded rate counts every victim with the obligation due in the quarter (records, "
    "not a sample: a Wilson interval); the survey estimate counts surveyed victims (the "
    "User Satisfaction Survey's crime groups, interviewed 6 to 12 weeks after their "
    "report in the quarter's months) who answered the question, weighted to the force's "
    "victims (a design-based interval). Victims who answered an earlier questionnaire "
    "version were not asked."
)


def survey_record_figures(
    frame: Frame,
    *,
    months: Sequence[str],
    recorded: Mapping[str, Mapping[str, Mapping[str, Any]]],
    scope_label: str,
    areas: Sequence[str] = (),
    area: str | None = None,
    threshold: int,
) -> dict[str, Any]:
    """For each question, one row for the scope (the force, or ``area``) and, on a
    force's page, one per area in ``areas``: the recorded cell and the survey estimate.

    ``frame`` is ``responses_frame(..., code_questions=True)`` of the force; ``months``
    the quarter's months; ``recorded`` measure -> scope name (``scope_label`` or an area
    name) -> the compliance return's cell as a dict (numerator, denominator, rate,
    ci_low, ci_high, suppressed)."""
    cols = frame.columns
    in_period = frame.months_flag(months) if frame.n else np.array([], dtype=np.int64)
    frame.with_column("period", in_period)
    scopes: list[tuple[str, str | None]] = [(scope_label, area)]
    if area is None:
        scopes += [(name, name) for name in areas]
    measures = []
    for question, measure, title in PAIRS:
        column = f"code_{question}"
        overall = _safe(frame.design.proportion, column, by=["period"])
        by_area = _safe(frame.design.proportion, column, by=["period", "area"])
        rows = []
        for name, domain in scopes:
            if domain is None:
                estimate = _pick(overall, period=1) if overall else None
                mask = in_period == 1
            else:
                estimate = _pick(by_area, period=1, area=domain) if by_area else None
                mask = (in_period == 1) & (cols["area"] == domain) if frame.n else in_period == 1
            asked = int(np.sum(cols[f"asked_{question}"][mask] == 1)) if frame.n else 0
            survey = publication.publish(estimate_dict(estimate), threshold=threshold)
            rows.append(
                {
                    "scope": name,
                    "is_area": domain is not None and area is None,
                    "recorded": recorded_publish(recorded.get(measure, {}).get(name)),
                    "survey": survey,
                    "survey_rate": publication.rate_text(survey, threshold=threshold),
                    "survey_interval": publication.interval_text(survey, threshold=threshold),
                    "asked": asked,
                    "not_asked": int(np.sum(mask)) - asked,
                }
            )
        measures.append({"question": question, "measure": measure, "title": title, "rows": rows})
    return {"measures": measures, "note": NOTE, "threshold": threshold}


def recorded_publish(cell: Mapping[str, Any] | None) -> dict[str, Any]:
    """A compliance return cell in words: its rate and Wilson interval, or why not."""
    if not cell or (not cell.get("denominator") and not cell.get("suppressed")):
        return {"published": False, "rate": "no victims counted", "interval": "", "base": 0}
    if cell.get("suppressed"):
        return {
            "published": False,
            "rate": "suppressed (too few victims to publish)",
            "interval": "",
            "base": None,
        }
    return {
        "published": True,
        "rate": f"{cell['rate'] * 100:.1f}%",
        "interval": f"{cell['ci_low'] * 100:.1f}% to {cell['ci_high'] * 100:.1f}%",
        "base": int(cell["denominator"]),
        "numerator": int(cell["numerator"]),
    }
