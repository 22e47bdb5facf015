"""The status of a target, by rules written out next to it.

A target is a level to reach ("whole-experience satisfaction of at least 80%") or a gap
to close ("the ethnic minority gap under 3 points") by a deadline, from a baseline period. Its
*trajectory* is the straight line from the baseline estimate (at the end of the baseline
period) to the target (at the deadline). The latest estimate, with its 95% interval,
is judged against the target and the trajectory:

- **achieved**: the whole interval is on the right side of the target (for a level,
  the lower bound is above it; for a gap, the upper bound is below it) in each of the
  last ``ACHIEVE_QUARTERS`` quarters (one quarter's swing is not evidence);
- **not yet known**: the latest interval is clear of the target, but the quarters
  before it are not (or have too few responses to count): the evidence is not there yet;
- **on track**: not yet achieved, but the estimate is on or beyond the trajectory;
- **at risk**: the estimate is short of the trajectory, but not significantly (the
  trajectory is inside the interval);
- **off track**: the estimate is significantly short of the trajectory (the whole
  interval is on the wrong side of it), or the deadline has passed unachieved.

Pure Python; no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

ACHIEVED = "achieved"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
NOT_YET_KNOWN = "not_yet_known"
ACHIEVE_QUARTERS = 2  # quarters in a row whose interval must be clear of the target

LEVEL = "level"  # higher is better: at least the target
GAP = "gap"  # lower is better: under the target

STATUS_LABELS = {
    ACHIEVED: "Achieved",
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    OFF_TRACK: "Off track",
    NO_DATA: "No data yet",
    NOT_YET_KNOWN: "Not yet known",
}

RULES = {
    LEVEL: {
        ACHIEVED: "Achieved: the lower end of the 95% interval is above the target in each "
        f"of the last {ACHIEVE_QUARTERS} quarters with complete fieldwork and enough responses.",
        NOT_YET_KNOWN: "Not yet known: the latest 95% interval is above the target, but "
        f"achieving it needs that in each of the last {ACHIEVE_QUARTERS} quarters.",
        ON_TRACK: "On track: the estimate is at or above the trajectory from the baseline "
        "to the target by the deadline.",
        AT_RISK: "At risk: the estimate is below the trajectory, but the trajectory is "
        "inside the 95% interval (not a significant shortfall).",
        OFF_TRACK: "Off track: the upper end of the 95% interval is below the trajectory, "
        "or the deadline has passed without the target being achieved.",
        NO_DATA: "No data yet: no responses in the latest period.",
    },
    GAP: {
        ACHIEVED: "Achieved: the upper end of the 95% interval of the gap is below the "
        f"target in each of the last {ACHIEVE_QUARTERS} quarters with complete fieldwork and "
        "enough responses.",
        NOT_YET_KNOWN: "Not yet known: the latest 95% interval of the gap is below the "
        f"target, but achieving it needs that in each of the last {ACHIEVE_QUARTERS} quarters.",
        ON_TRACK: "On track: the gap is at or below the trajectory from the baseline to "
        "the target by the deadline.",
        AT_RISK: "At risk: the gap is above the trajectory, but the trajectory is inside "
        "the 95% interval (not a significant shortfall).",
        OFF_TRACK: "Off track: the lower end of the 95% interval of the gap is above the "
        "trajectory, or the deadline has passed without the target being achieved.",
        NO_DATA: "No data yet: no responses in the latest period.",
    },
}


@dataclass(frozen=True)
class Judgement:
    status: str
    rule: str
    trajectory: float | None  # where the trajectory stands at the latest period

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def trajectory_at(
    *, baseline: float, baseline_on: date, target: float, deadline: date, on: date
) -> float:
    """The straight line from (baseline_on, baseline) to (deadline, target), at ``on``
    (held at the target after the deadline, at the baseline before the baseline)."""
    span = (deadline - baseline_on).days
    if span <= 0:
        return target
    share = min(max((on - baseline_on).days / span, 0.0), 1.0)
    return baseline + share * (target - baseline)


def target_judge(
    *,
    kind: str,
    target: float,
    estimate: float | None,
    ci_low: float | None,
    ci_high: float | None,
    baseline: float | None,
    baseline_on: date,
    deadline: date,
    on: date,
    earlier: Sequence[tuple[float | None, float | None]] = (),
) -> Judgement:
    """The status of a target on the date ``on`` of the latest estimate.

    Values are on one scale (proportions 0-1 for levels, proportion differences for
    gaps). Without a baseline estimate the trajectory is flat at the target.
    ``earlier``: the 95% intervals (low, high) of the quarters before the latest that
    count as evidence (complete fieldwork, enough responses), oldest first.
    """
    if kind not in (LEVEL, GAP):
        raise ValueError(f"a target is a {LEVEL} or a {GAP}, not {kind!r}")
    rules = RULES[kind]
    if estimate is None or ci_low is None or ci_high is None:
        return Judgement(NO_DATA, rules[NO_DATA], None)
    path = (
        target
        if baseline is None
        else trajectory_at(
            baseline=baseline, baseline_on=baseline_on, target=target, deadline=deadline, on=on
        )
    )
    # Turn a gap into "higher is better" by negating, so one set of rules serves both.
    sign = 1.0 if kind == LEVEL else -1.0
    low, high = sorted((sign * ci_low, sign * ci_high))
    value, goal, line = sign * estimate, sign * target, sign * path
    if low > goal:
        window = list(earlier)[-(ACHIEVE_QUARTERS - 1) :] if ACHIEVE_QUARTERS > 1 else []

        def clear(pair: tuple[float | None, float | None]) -> bool:
            if pair[0] is None or pair[1] is None:
                return False
            return min(sign * pair[0], sign * pair[1]) > goal

        if len(window) == ACHIEVE_QUARTERS - 1 and all(clear(p) for p in window):
            return Judgement(ACHIEVED, rules[ACHIEVED], path)
        return Judgement(NOT_YET_KNOWN, rules[NOT_YET_KNOWN], path)
    if on > deadline:
        return Judgement(OFF_TRACK, rules[OFF_TRACK], path)
    if value >= line:
        return Judgement(ON_TRACK, rules[ON_TRACK], path)
    if high >= line:
        return Judgement(AT_RISK, rules[AT_RISK], path)
    return Judgement(OFF_TRACK, rules[OFF_TRACK], path)
