"""The status of a target, by rules written out next to it.

A target is a level to reach ("whole-experience satisfaction of at least 80%") or a gap
to close ("the ethnic minority gap under 3 points") by a deadline, from a baseline period. Its
*trajectory* is the straight line from the baseline estimate (at the end of the baseline
period) to the target (at the deadline). The latest estimate, with its 95% interval,
is judged against the target and the trajectory:

- **achieved**: the whole interval is on the right side of the target (for a level,
  the lower bound is above it; for a gap, the upper bound is below it);
- **on track**: not yet achieved, but the estimate is on or beyond the trajectory;
- **at risk**: the estimate is short of the trajectory, but not significantly (the
  trajectory is inside the interval);
- **off track**: the estimate is significantly short of the trajectory (the whole
  interval is on the wrong side of it), or the deadline has passed unachieved.

Pure Python; no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ACHIEVED = "achieved"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"

LEVEL = "level"  # higher is better: at least the target
GAP = "gap"  # lower is better: under the target

STATUS_LABELS = {
    ACHIEVED: "Achieved",
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    OFF_TRACK: "Off track",
    NO_DATA: "No data yet",
}

RULES = {
    LEVEL: {
        ACHIEVED: "Achieved: the lower end of the 95% interval is above the target.",
        ON_TRACK: "On track: the estimate is at or above the trajectory from the baseline "
        "to the target by the deadline.",
        AT_RISK: "At risk: the estimate is below the trajectory, but the trajectory is "
        "inside the 95% interval (not a significant shortfall).",
        OFF_TRACK: "Off track: the upper end of the 95% interval is below the trajectory, "
        "or the deadline has passed without the target being achieved.",
        NO_DATA: "No data yet: no responses in the latest period.",
    },
    GAP: {
        ACHIEVED: "Achieved: the upper end of the 95% interval of the gap is below the target.",
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
) -> Judgement:
    """The status of a target on the date ``on`` of the latest estimate.

    Values are on one scale (proportions 0-1 for levels, proportion differences for
    gaps). Without a baseline estimate the trajectory is flat at the target.
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
        return Judgement(ACHIEVED, rules[ACHIEVED], path)
    if on > deadline:
        return Judgement(OFF_TRACK, rules[OFF_TRACK], path)
    if value >= line:
        return Judgement(ON_TRACK, rules[ON_TRACK], path)
    if high >= line:
        return Judgement(AT_RISK, rules[AT_RISK], path)
    return Judgement(OFF_TRACK, rules[OFF_TRACK], path)
