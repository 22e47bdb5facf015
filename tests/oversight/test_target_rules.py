"""A target's status follows the rules written next to it."""

from __future__ import annotations

from datetime import date

import pytest

from victimcare.oversight.target_rules import (
    ACHIEVED,
    AT_RISK,
    GAP,
    LEVEL,
    NO_DATA,
    NOT_YET_KNOWN,
    OFF_TRACK,
    ON_TRACK,
    RULES,
    target_judge,
    trajectory_at,
)

BASE_ON, DEADLINE, HALFWAY = date(2026, 3, 31), date(2027, 3, 31), date(2026, 9, 30)


@pytest.mark.parametrize(
    ("kind", "target", "estimate", "low", "high", "on", "expected"),
    [
        # level 80% from a baseline of 74%: the trajectory is about 77% halfway
        (LEVEL, 0.80, 0.82, 0.805, 0.835, HALFWAY, ACHIEVED),  # lower bound above the target
        (LEVEL, 0.80, 0.81, 0.79, 0.83, HALFWAY, ON_TRACK),  # not achieved: interval spans it
        (LEVEL, 0.80, 0.775, 0.755, 0.795, HALFWAY, ON_TRACK),  # on the trajectory
        (LEVEL, 0.80, 0.76, 0.74, 0.78, HALFWAY, AT_RISK),  # below it, not significantly
        (LEVEL, 0.80, 0.74, 0.725, 0.755, HALFWAY, OFF_TRACK),  # significantly below it
        (LEVEL, 0.80, 0.79, 0.77, 0.81, date(2027, 6, 30), OFF_TRACK),  # deadline passed
        (LEVEL, 0.80, None, None, None, HALFWAY, NO_DATA),
        # gap under 3 points from a baseline of 7 points: trajectory 5 points halfway
        (GAP, 0.03, 0.01, 0.002, 0.025, HALFWAY, ACHIEVED),  # upper bound below the target
        (GAP, 0.03, 0.045, 0.02, 0.07, HALFWAY, ON_TRACK),
        (GAP, 0.03, 0.06, 0.03, 0.09, HALFWAY, AT_RISK),
        (GAP, 0.03, 0.08, 0.06, 0.10, HALFWAY, OFF_TRACK),
    ],
)
def test_status(kind, target, estimate, low, high, on, expected):
    baseline = 0.74 if kind == LEVEL else 0.07
    judgement = target_judge(
        kind=kind,
        target=target,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        baseline=baseline,
        baseline_on=BASE_ON,
        deadline=DEADLINE,
        on=on,
        earlier=[(low, high)],  # the quarter before said the same
    )
    assert judgement.status == expected
    assert judgement.rule == RULES[kind][expected]


def test_the_trajectory_is_a_straight_line_held_at_the_ends():
    args = {"baseline": 0.74, "baseline_on": BASE_ON, "target": 0.80, "deadline": DEADLINE}
    assert trajectory_at(**args, on=BASE_ON) == pytest.approx(0.74)
    assert trajectory_at(**args, on=DEADLINE) == pytest.approx(0.80)
    assert trajectory_at(**args, on=date(2028, 1, 1)) == pytest.approx(0.80)
    assert 0.76 < trajectory_at(**args, on=HALFWAY) < 0.78


def test_every_status_has_its_rule_written_out():
    for kind in (LEVEL, GAP):
        assert set(RULES[kind]) == {
            ACHIEVED,
            ON_TRACK,
            AT_RISK,
            OFF_TRACK,
            NO_DATA,
            NOT_YET_KNOWN,
        }


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        ([], NOT_YET_KNOWN),  # one quarter's swing is not evidence
        ([(-0.20, 0.05)], NOT_YET_KNOWN),  # the quarter before was not clear of the target
        ([(None, None)], NOT_YET_KNOWN),  # the quarter before had no interval
        ([(-0.12, 0.02)], ACHIEVED),  # two quarters in a row clear of the target
    ],
)
def test_achieved_needs_the_rules_evidence(earlier, expected):
    """The ethnicity-gap fault: one quarter at -8.0 (-18.9 to +2.9) against a 3-point
    target is not "Achieved"."""
    judgement = target_judge(
        kind=GAP,
        target=0.03,
        estimate=-0.08,
        ci_low=-0.189,
        ci_high=0.029,
        baseline=0.07,
        baseline_on=BASE_ON,
        deadline=DEADLINE,
        on=HALFWAY,
        earlier=earlier,
    )
    assert judgement.status == expected
    assert judgement.rule == RULES[GAP][expected]
    if expected == NOT_YET_KNOWN:
        assert judgement.label == "Not yet known"
