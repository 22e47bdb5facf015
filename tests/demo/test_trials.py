"""The demo world's care practice trial: registered by the Met's training lead before any
allocation, the Met's eligible cases allocated from the world's seed, the treated ones
owing the reassurance call-back, and the planted effect on "treatment" only."""

from __future__ import annotations

import pytest

from victimcare.care.models import Obligation
from victimcare.demo.services import demo_world_build
from victimcare.demo.trials import TRIAL_CODE, trial_demo_build, trial_demo_delete
from victimcare.surveys.models import Response
from victimcare.training.effect import EffectError
from victimcare.training.trials.models import Trial, TrialAllocation, TrialPlan
from victimcare.training.trials.selectors import trial_effect

pytestmark = pytest.mark.django_db


def test_the_demo_trial_is_registered_then_allocated_and_only_treatment_is_planted(monkeypatch):
    # The demo build builds the trial too; here it is built by hand after the world.
    monkeypatch.setattr("victimcare.demo.trials.trial_demo_build", lambda **_: "")
    demo_world_build(scale="small", seed=7, cases_per_force=600)
    monkeypatch.undo()
    assert not Trial.objects.filter(code=TRIAL_CODE).exists()
    untouched = ("ease_of_contact", "actions_taken", "kept_informed", "whole_experience")
    before = list(Response.objects.order_by("pk").values_list(*untouched))
    line = trial_demo_build(seed=7)
    assert "planted +8 points on treatment" in line
    trial = Trial.objects.get(code=TRIAL_CODE)
    plan = TrialPlan.objects.get(trial=trial)
    assert (plan.seed, plan.registered_by.username, plan.trial.force.code) == (
        7,
        "mps.supervisor",
        "MPS",
    )
    first = TrialAllocation.objects.filter(trial=trial).order_by("allocated_at").first()
    assert plan.registered_at < first.allocated_at
    treated = set(
        TrialAllocation.objects.filter(trial=trial, arm="treated").values_list("case_id", flat=True)
    )
    control = set(
        TrialAllocation.objects.filter(trial=trial, arm="control").values_list("case_id", flat=True)
    )
    assert treated
    assert control
    owed = set(
        Obligation.objects.filter(code="reassurance_callback").values_list("case_id", flat=True)
    )
    assert owed == treated
    assert list(Response.objects.order_by("pk").values_list(*untouched)) == before
    assert trial_demo_build(seed=7) == "Demo trial already built."
    try:  # a world this small may have too few responses: either is an answer
        outcome = trial_effect(trial=trial).design
    except EffectError as error:
        outcome = str(error)
    assert outcome == "randomised" or "too few responses" in outcome
    trial_demo_delete()
    assert not Trial.objects.exists()
