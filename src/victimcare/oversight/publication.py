"""The publication rule: what a satisfaction figure may show, wherever it is shown.

Every place that shows a figure (the dashboard, league tables, the drivers page, target
progress, the report pack, open data and the API) asks this module, and only this module:

- **A rate needs enough responses.** Below the threshold (``VICTIMCARE_OPEN_DATA_THRESHOLD``,
  default 30) no rate and no interval is shown: the count is, with "too few responses".
  ``publish`` decides; ``rate_text`` and ``interval_text`` say it in words.
- **An interval that cannot be computed is explained in words**, never a dash.
- **A period whose fieldwork is incomplete says so.** Victims are interviewed 6 to 12
  weeks after the month of their report, so a month of reports is complete only
  ``FIELDWORK_WEEKS`` weeks after it ends. A period with a month still open says which
  months it has responses for ("responses for July only so far") and is never compared
  or judged (``fieldwork``).
- **Labels say exactly which months of reports a figure covers** (``months_label``): a
  "rolling 12 months" with one month of responses is labelled as that one month.
- **A change or a gap is shown only with its test and the rule in words**
  (``publish_comparison``, ``CHANGE_RULE``, ``GAP_RULE``).

Pure functions of their arguments (no Django), except ``today`` and ``threshold``,
which read the clock (or the demo world's as-of day) and the setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from victimcare.oversight.periods import month_label, month_shift

FIELDWORK_WEEKS = 12
FULL_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

CHANGE_RULE = (
    "Rule: a change is called significant when a design-based t test gives p below 0.05 "
    "(its 95% interval excludes zero); it is shown only when both periods have complete "
    "fieldwork and at least {threshold} responses each."
)
GAP_RULE = (
    "Rule: a gap between groups is called significant when a design-based t test gives "
    "p below 0.05 (its 95% interval excludes zero); it is shown only when each group has "
    "at least {threshold} responses."
)


MODE_MIX_POINTS = 10
MODE_MIX_RULE = (
    "Rule: the mix of survey modes is said to have changed when any mode's share of a "
    "quarter's responses differs by {points} percentage points or more from its share in "
    "the previous quarter. Victims answer differently by telephone, on the web and on "
    "paper, so a change in the mix can move a figure by itself."
)


def today() -> date:
    """The date figures are published on (the tests pin it): today, or the as-of day of a
    synthetic demo world that ends earlier (its fieldwork stops there, so the months
    still in fieldwork on that day are marked incomplete)."""
    from django.utils import timezone

    from victimcare.core.registry import demo_world_get

    day = timezone.localdate()
    as_of = getattr(demo_world_get(), "as_of", None)
    return min(day, as_of) if as_of is not None else day


def threshold() -> int:
    from victimcare.oversight.constants import suppression_threshold

    return suppression_threshold()


# --- rates ---------------------------------------------------------------------------------


def publish(e: Mapping[str, Any] | None, *, threshold: int) -> dict[str, Any]:
    """An estimate dict as it may be shown: ``published`` says whether its rate may be
    shown; when not, the rate and interval are removed (the count ``n`` stays) and
    ``withheld`` says why in words; ``interval_note`` explains a missing interval.
    Idempotent: publishing a published dict again changes nothing."""
    out: dict[str, Any] = dict(e or {})
    n = int(out.get("n") or 0)
    out["n"] = n
    withheld = None
    if n == 0:
        withheld = "no responses"
    elif n < threshold:
        withheld = f"too few responses ({n}; a rate needs at least {threshold})"
    elif out.get("estimate") is None:
        withheld = f"no estimate could be made from these {n} responses"
    if out.get("withheld"):  # published before, under the rule
        withheld = out["withheld"]
    out["published"] = withheld is None
    out["withheld"] = withheld
    if withheld is not None:
        for key in ("estimate", "ci_low", "ci_high", "se"):
            out[key] = None
        out["interval_note"] = None
    elif out.get("ci_low") is None or out.get("ci_high") is None:
        out["interval_note"] = (
            "no interval: every response gave the same answer"
            if out["estimate"] in (0.0, 1.0)
            else "no interval: the sample design leaves too few degrees of freedom"
        )
    else:
        out["interval_note"] = None
    return out


def rate_text(e: Mapping[str, Any] | None, *, threshold: int) -> str:
    """ "74.4%", or why no rate is shown ("too few responses (3; ...)")."""
    p = publish(e, threshold=threshold)
    if not p["published"]:
        return str(p["withheld"])
    return f"{p['estimate'] * 100:.1f}%"


def interval_text(e: Mapping[str, Any] | None, *, threshold: int) -> str:
    """ "72.1% to 76.0%", or why there is no interval, in words."""
    p = publish(e, threshold=threshold)
    if not p["published"]:
        return "not shown: " + str(p["withheld"])
    if p["interval_note"]:
        return str(p["interval_note"])
    return f"{p['ci_low'] * 100:.1f}% to {p['ci_high'] * 100:.1f}%"


# --- comparisons ---------------------------------------------------------------------------


def publish_comparison(
    c: Mapping[str, Any] | None,
    *,
    n_a: int,
    n_b: int,
    threshold: int,
    rule: str,
    incomplete: str | None = None,
) -> dict[str, Any]:
    """A change or gap as it may be shown: with its test and its rule in words, or
    ``withheld`` with the reason (fieldwork incomplete, too few responses, no test)."""
    out: dict[str, Any] = dict(c or {})
    withheld = None
    if incomplete:
        withheld = f"not compared: {incomplete}"
    elif min(n_a, n_b) < threshold:
        withheld = (
            f"not compared: too few responses ({n_a} and {n_b}; each side needs at least "
            f"{threshold})"
        )
    elif not c or c.get("difference") is None:
        withheld = "not compared: the test could not be computed from these responses"
    out.update(
        n_a=n_a,
        n_b=n_b,
        published=withheld is None,
        withheld=withheld,
        rule=rule.format(threshold=threshold),
    )
    if withheld is None:
        p = out.get("p_value")
        p_words = "p not available" if p is None else ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")
        out["test"] = f"design-based t test, {p_words}"
        if out.get("ci_low") is None:
            out["interval_note"] = "no interval: the test's standard error is not available"
    else:
        for key in ("difference", "ci_low", "ci_high", "p_value", "significant", "verdict"):
            out[key] = None
        out["test"] = None
    return out


def points_interval_text(c: Mapping[str, Any] | None) -> str:
    """A comparison's interval in points ("-1.1 to +7.4"), or why there is none."""
    if not c:
        return "no interval: not compared"
    if c.get("withheld"):
        return str(c["withheld"])
    if c.get("ci_low") is None or c.get("ci_high") is None:
        return "no interval: the standard error is not available"
    return f"{c['ci_low'] * 100:+.1f} to {c['ci_high'] * 100:+.1f}"


# --- periods ---------------------------------------------------------------------------------


def fieldwork_closes(month: str) -> date:
    """The day a month of reports (``"2026-07"``) has all its interviews."""
    year, number = (int(x) for x in month.split("-"))
    return month_shift(date(year, number, 1), 1) + timedelta(weeks=FIELDWORK_WEEKS)


def _month_names(months: Sequence[str]) -> str:
    names = [FULL_MONTH_NAMES[int(m[5:7]) - 1] for m in months]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def fieldwork(months: Sequence[str], *, counts: Mapping[str, int], on: date) -> dict[str, Any]:
    """Whether the fieldwork of ``months`` is complete on ``on``; when not, a note that
    says which months the period has responses for so far."""
    open_months = [m for m in months if fieldwork_closes(m) > on]
    with_responses = [m for m in months if counts.get(m)]
    if not open_months:
        return {"complete": True, "note": None, "months_with_responses": with_responses}
    if with_responses:
        note = (
            f"fieldwork is incomplete: responses for {_month_names(with_responses)} only so far"
            if len(with_responses) < len(months)
            else "fieldwork is incomplete: interviews for "
            f"{_month_names(open_months)} are still being done"
        )
    else:
        note = "fieldwork is incomplete: no responses yet"
    return {"complete": False, "note": note, "months_with_responses": with_responses}


def months_label(months: Sequence[str], *, counts: Mapping[str, int]) -> str:
    """Exactly which months of reports a figure over ``months`` covers: "Oct 2024 to Sep
    2025"; "Oct 2025 only (one month of reports)"; "Aug to Oct 2025 (3 of 12 months
    have responses)"; "no responses"."""
    covered = [m for m in months if counts.get(m)]
    if not covered:
        return "no responses"
    if len(covered) == 1:
        return f"{month_label(covered[0])} only (one month of reports)"
    text = f"{month_label(covered[0])} to {month_label(covered[-1])}"
    if len(covered) < len(months):
        text += f" ({len(covered)} of {len(months)} months have responses)"
    return text


# --- survey mode ---------------------------------------------------------------------------


def mode_mix(
    rows: Sequence[Mapping[str, Any]],
    *,
    incomplete: str | None = None,
    points: int = MODE_MIX_POINTS,
) -> dict[str, Any]:
    """Whether the mix of survey modes changed from the previous quarter, by
    ``MODE_MIX_RULE``. ``rows``: one per mode with ``label``, ``n`` (this quarter's
    responses) and ``n_previous``. Adds each mode's ``share`` and ``share_previous``
    (proportions) and returns ``{"rows", "changed", "note", "rule", "mixed"}``; not
    compared (``changed`` None, ``note`` why) when either quarter has no responses or the
    fieldwork is incomplete."""
    total = sum(int(r["n"]) for r in rows)
    total_previous = sum(int(r["n_previous"]) for r in rows)
    out_rows = [
        dict(
            r,
            share=int(r["n"]) / total if total else None,
            share_previous=int(r["n_previous"]) / total_previous if total_previous else None,
        )
        for r in rows
    ]
    rule = MODE_MIX_RULE.format(points=points)
    mixed = sum(1 for r in out_rows if r["n"]) > 1
    if incomplete:
        return {
            "rows": out_rows,
            "changed": None,
            "note": f"mix not compared: {incomplete}",
            "rule": rule,
            "mixed": mixed,
        }
    if not total or not total_previous:
        return {
            "rows": out_rows,
            "changed": None,
            "note": "mix not compared: a quarter has no responses",
            "rule": rule,
            "mixed": mixed,
        }
    moved = [
        r
        for r in out_rows
        # rounded, so that 60% against 50% is the 10 points it is, not 9.999...
        if round(abs((r["share"] or 0.0) - (r["share_previous"] or 0.0)) * 100, 6) >= points
    ]
    if moved:
        what = "; ".join(
            f"{r['label']} {(r['share_previous'] or 0.0) * 100:.0f}% to {(r['share'] or 0.0) * 100:.0f}%"
            for r in moved
        )
        note = (
            f"The mix of survey modes changed from the previous quarter ({what}): part of "
            "any change in satisfaction may come from how victims were asked."
        )
    else:
        note = f"The mix of survey modes is steady (no mode's share moved {points} points or more)."
    return {"rows": out_rows, "changed": bool(moved), "note": note, "rule": rule, "mixed": mixed}


ETHNIC_MINORITY_GROUPS = "Asian, Black, Mixed and Other ethnic groups"
