"""Open data: quarterly satisfaction aggregates as CSV, with a data dictionary and the
Open Government Licence notice.

Cells (a force's measure overall, or within one group of a breakdown) with fewer than
``threshold`` responses are suppressed, and further cells are suppressed so that none
can be worked out from the totals (``suppression``): every breakdown's groups add up to
the force's total, and the forces add up to the all-forces total when there is one.

Every rate goes through the one publication rule (``publication.publish``): a cell shown
has enough responses and an estimate; an interval that cannot be computed says why in
``interval_note``; each row says which months of reports it covers (``reports_covered``)
and whether the quarter's fieldwork is complete (``fieldwork``). Open data never
compares periods.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Iterable, Sequence
from datetime import date
from typing import Any

from victimcare.core.csv_export import csv_dict_writer, csv_writer
from victimcare.core.registry import demo_world_get
from victimcare.forces.models import Force
from victimcare.oversight import figures, publication, selectors
from victimcare.oversight.constants import (
    OGL_NOTICE,
    SYNTHETIC_NOTICE,
    suppression_threshold,
)
from victimcare.oversight.periods import Quarter
from victimcare.oversight.suppression import PRIMARY, Line, suppress

ALL = "all"
ALL_FORCES = "ALL"
# Survey mode is a reporting variable here (not a dashboard breakdown: the dashboard
# gives it its own table with the mode-mix rule).
BREAKDOWNS = (*figures.BREAKDOWNS, ("mode", "Survey mode"))
COLUMNS = (
    "quarter",
    "force_code",
    "force_name",
    "measure",
    "breakdown",
    "group",
    "responses",
    "percent_satisfied",
    "ci_low",
    "ci_high",
    "interval_note",
    "status",
    "reports_covered",
    "fieldwork",
    "source",
)
DICTIONARY = (
    ("quarter", "Calendar quarter of the reports surveyed, e.g. 2026Q3 (July to September 2026)."),
    ("force_code", "Police force code; ALL for every force in the file together."),
    ("force_name", "Police force name."),
    (
        "measure",
        "Stage of the victim's experience: ease_of_contact, actions_taken, "
        "kept_informed, treatment or whole_experience.",
    ),
    (
        "breakdown",
        "How victims are divided: all (no division), area, crime_group, "
        "report_channel, ethnicity, age_band, sex, disability or mode (how the victim was "
        "surveyed: web, telephone or agency; victims answer differently by mode, so read "
        "a figure that mixes modes beside each mode's responses).",
    ),
    (
        "group",
        "The group within the breakdown (all when breakdown is all; blank values "
        "mean not recorded).",
    ),
    ("responses", "Number of survey responses with an answer to the measure (unweighted)."),
    (
        "percent_satisfied",
        "Weighted percentage completely, very or fairly satisfied (design-based estimate).",
    ),
    (
        "ci_low",
        "Lower end of the 95% confidence interval (logit method, design degrees "
        "of freedom), percent.",
    ),
    ("ci_high", "Upper end of the 95% confidence interval, percent."),
    (
        "interval_note",
        "Why a published rate has no interval (every response gave the same answer, or "
        "the sample design leaves too few degrees of freedom); blank when it has one.",
    ),
    (
        "status",
        "published; 'suppressed: too few responses' (fewer than the threshold; no rate); "
        "'suppressed to protect another cell' (secondary suppression); or 'not published' "
        "with the reason (no estimate could be made).",
    ),
    (
        "reports_covered",
        "Exactly which months of reports the row's responses come from, e.g. 'Jul 2026 "
        "only (one month of reports)' while later months are still in fieldwork.",
    ),
    (
        "fieldwork",
        "complete, or why not: victims are interviewed 6 to 12 weeks after the month "
        "of their report, so a recent quarter may hold only some of its months. A "
        "quarter whose fieldwork is incomplete should not be compared with another.",
    ),
    ("source", "Where the figures come from; 'Demonstration data: synthetic' for the demo world."),
)


def _estimates(frame: figures.Frame, by: list[str], measure: str):
    try:
        return frame.design.proportion(figures.sat(measure), by=by)
    except Exception:  # noqa: BLE001 - no responses: an empty table
        return ()


def open_data_rows(
    *, forces: Sequence[Force], quarter: Quarter, threshold: int | None = None
) -> list[dict[str, Any]]:
    """The rows of the open-data file, suppression applied."""

    threshold = suppression_threshold(threshold)

    source = SYNTHETIC_NOTICE if demo_world_get() is not None else "User Satisfaction Survey"
    cols = selectors.responses_frame(
        forces=forces, period_from=quarter.first_month, period_to=quarter.last_month
    )
    frame = figures.Frame(cols)
    names = {f.code: f.name for f in forces}
    today = publication.today()
    coverage = _coverage(frame, quarter=quarter, on=today)
    cells: dict[tuple, dict[str, Any]] = {}
    lines: list[Line] = []
    national = len(forces) > 1
    for measure in figures.STAGES:
        for e in _estimates(frame, ["force"], measure):
            cells[(e.by["force"], measure, ALL, ALL)] = _cell(e)
        if national:
            overall = _estimates(frame, ["quarter"], measure)
            for e in overall:
                cells[(ALL_FORCES, measure, ALL, ALL)] = _cell(e)
            members = tuple(
                k for k in cells if k[1] == measure and k[2] == ALL and k[0] != ALL_FORCES
            )
            if (ALL_FORCES, measure, ALL, ALL) in cells:
                lines.append(Line(members, (ALL_FORCES, measure, ALL, ALL)))
        for column, _title in BREAKDOWNS:
            groups: dict[str, list[tuple]] = {}
            for e in _estimates(frame, ["force", column], measure):
                key = (e.by["force"], measure, column, str(e.by[column]))
                cells[key] = _cell(e)
                groups.setdefault(e.by["force"], []).append(key)
            for force_code, keys in groups.items():
                lines.append(Line(tuple(keys), (force_code, measure, ALL, ALL)))
    counts: dict[Hashable, int] = {key: cell["n"] for key, cell in cells.items()}
    marks = suppress(counts, lines, threshold=threshold)
    rows = []
    for key in sorted(
        cells,
        key=lambda k: (
            k[0] == ALL_FORCES,
            k[0],
            figures.STAGES.index(k[1]),
            k[2] != ALL,
            k[2],
            k[3],
        ),
    ):
        force_code, measure, breakdown, group = key
        cell = cells[key]
        mark = marks.get(key)
        row = {
            "quarter": quarter.code,
            "force_code": force_code,
            "force_name": names.get(force_code, "All forces in this file"),
            "measure": measure,
            "breakdown": breakdown,
            "group": group,
            "source": source,
            **coverage.get(force_code, coverage[ALL_FORCES]),
        }
        shown = publication.publish(cell, threshold=threshold)
        if mark:
            row.update(
                responses="",
                percent_satisfied="",
                ci_low="",
                ci_high="",
                interval_note="",
                status=f"suppressed: too few responses (fewer than {threshold})"
                if mark == PRIMARY
                else "suppressed to protect another cell",
            )
        elif not shown["published"]:
            row.update(
                responses=cell["n"],
                percent_satisfied="",
                ci_low="",
                ci_high="",
                interval_note="",
                status=f"not published: {shown['withheld']}",
            )
        else:
            row.update(
                responses=shown["n"],
                percent_satisfied=_pct(shown["estimate"]),
                ci_low=_pct(shown["ci_low"]),
                ci_high=_pct(shown["ci_high"]),
                interval_note=shown["interval_note"] or "",
                status="published",
            )
        rows.append(row)
    return rows


def _coverage(frame: figures.Frame, *, quarter: Quarter, on: date) -> dict[str, dict[str, str]]:
    """Per force (and ``ALL`` for the file), which months of reports the responses come
    from and whether the quarter's fieldwork is complete, by the publication rule."""
    months = quarter.months
    cols = frame.columns
    pairs: dict[str, dict[str, int]] = {ALL_FORCES: {}}
    for force_code, month in zip(cols["force"].tolist(), cols["month"].tolist(), strict=True):
        for key in (force_code, ALL_FORCES):
            counts = pairs.setdefault(key, {})
            counts[month] = counts.get(month, 0) + 1
    out = {}
    for key, counts in pairs.items():
        status = publication.fieldwork(months, counts=counts, on=on)
        out[key] = {
            "reports_covered": publication.months_label(months, counts=counts),
            "fieldwork": "complete" if status["complete"] else str(status["note"]),
        }
    return out


def _cell(e) -> dict[str, Any]:
    return {"n": int(e.n), "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high}


def _pct(v: float) -> str:
    return "" if v is None or v != v else f"{v * 100:.1f}"


def rows_csv(rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv_dict_writer(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def open_data_csv(
    *, forces: Sequence[Force], quarter: Quarter, threshold: int | None = None
) -> str:
    return rows_csv(open_data_rows(forces=forces, quarter=quarter, threshold=threshold))


def dictionary_csv(threshold: int | None = None) -> str:
    threshold = suppression_threshold(threshold)
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow(["field", "meaning"])
    writer.writerows(DICTIONARY)
    writer.writerow(
        [
            "suppression",
            f"Cells with fewer than {threshold} responses are "
            "suppressed, and further cells so that none can be worked out from "
            "the totals.",
        ]
    )
    writer.writerow(["licence", OGL_NOTICE])
    return buf.getvalue()
