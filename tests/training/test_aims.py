"""Where the training aims: each module's rollout state on a day, by a stated rule
(draft / published / rolling out wave k of n / rolled out), as the oversight drivers page
and the report pack show it."""

from __future__ import annotations

from datetime import date

import pytest

from victimcare.training.aims import rollout_state
from victimcare.training.models import RolloutPlan

PLAN = RolloutPlan(starts_on=date(2026, 3, 1), period_days=30, waves=4)


@pytest.mark.parametrize(
    ("published", "plan", "assigned_from", "on", "state", "label"),
    [
        (False, None, None, date(2026, 5, 1), "draft", "Draft: not yet published"),
        (True, None, None, date(2026, 5, 1), "published", "Published; not yet rolled out"),
        (True, None, date(2026, 6, 1), date(2026, 5, 1), "published", "Published; not yet"),
        (True, None, date(2026, 4, 1), date(2026, 5, 1), "rolled_out", "Rolled out (assigned"),
        (True, PLAN, None, date(2026, 2, 28), "published", "Published; rollout from 1 March"),
        (True, PLAN, None, date(2026, 3, 1), "rolling_out", "Rolling out: wave 1 of 4"),
        (True, PLAN, None, date(2026, 4, 15), "rolling_out", "Rolling out: wave 2 of 4"),
        (True, PLAN, None, date(2026, 6, 28), "rolling_out", "Rolling out: wave 4 of 4"),
        (True, PLAN, None, date(2026, 6, 29), "rolled_out", "Rolled out (4 wave(s)"),
    ],
)
def test_a_modules_rollout_state_follows_its_publication_plan_and_waves(
    published, plan, assigned_from, on, state, label
):
    got_state, got_label = rollout_state(
        published=published, plan=plan, assigned_from=assigned_from, on=on
    )
    assert got_state == state
    assert got_label.startswith(label)
