"""What every figure is made of: the stages and breakdowns surveyed, the frame of
weighted responses and its design, estimates as plain dicts, and the points of charts.

No Django here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, ParamSpec, TypeVar

import numpy as np

from victimcare.estimation import Comparison, Design, Estimate, Estimates, NotEnoughDataError
from victimcare.oversight import charts

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

P = ParamSpec("P")
R = TypeVar("R")


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
        self.columns: dict[str, np.ndarray] = {}
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
            # A population of 1 in every stratum (each response its stratum's only victim)
            # is a census of ones: no fpc (R's rule refuses 1 everywhere), and with
            # lonely strata taken as certainty the variance is the same.
            sizes = self.columns.get("N", np.array([], dtype=float))
            fpc = "N" if len(sizes) and float(np.max(sizes)) > 1 else None
            self._design = Design(
                self.columns, weight="w", strata="stratum", fpc=fpc, lonely_psu="certainty"
            )
        return self._design

    def months_flag(self, months: Sequence[str]) -> np.ndarray:
        """1 for rows in the given months, 0 otherwise."""
        return np.isin(self.columns["month"], list(months)).astype(np.int64)


class _NoDesign:
    """Stands for the design of an empty frame: every estimate is "no responses"."""

    def __getattr__(self, name: str) -> Callable[..., NoReturn]:
        def fail(*args: Any, **kwargs: Any) -> NoReturn:  # noqa: ARG001 (stands in for any estimator)
            raise NotEnoughDataError("no responses")

        return fail


def _pick(result: Estimates, **by: Any) -> Estimate | None:
    try:
        return result.get(**by)
    except KeyError:
        return None


def _safe(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """``fn(...)``, or None when the data are too few for it (the estimation library's
    ``NotEnoughDataError``: no responses, an empty domain, a model its rows cannot
    identify), which the pages show as a blank figure. Anything else is a bug or bad
    input and propagates."""
    try:
        return fn(*args, **kwargs)
    except NotEnoughDataError:
        return None


# --- the dashboard -----------------------------------------------------------------------


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
