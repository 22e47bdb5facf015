"""The demo world's training: the module co-written with the demo support organisation,
four randomised waves across the Met's teams, completions, and the planted effect on
"kept informed" only."""

from __future__ import annotations

import pytest

from victimcare.demo.services import demo_world_build
from victimcare.surveys.models import Response
from victimcare.training import selectors
from victimcare.training.constants import VersionStatus
from victimcare.training.demo import MODULE_CODE, training_demo_build, training_demo_delete
from victimcare.training.effect import EffectError
from victimcare.training.models import Completion, RolloutPlan, SignOff, TrainingModule

pytestmark = pytest.mark.django_db


def test_the_demo_module_is_co_written_rolled_out_in_four_waves_and_completed(monkeypatch):
    # The demo build builds the training too; here it is built by hand after the world.
    monkeypatch.setattr("victimcare.training.demo.training_demo_build", lambda **_: "")
    demo_world_build(scale="small", seed=7, cases_per_force=600)
    monkeypatch.undo()
    assert not TrainingModule.objects.filter(code=MODULE_CODE).exists()
    before = dict(Response.objects.values_list("pk", "ease_of_contact"))
    line = training_demo_build(seed=7)
    assert "four" in line.lower() or "4 randomised waves" in line
    module = TrainingModule.objects.get(code=MODULE_CODE)
    version = module.versions.get()
    assert version.status == VersionStatus.PUBLISHED
    signers = set(SignOff.objects.filter(version=version).values_list("by__username", flat=True))
    assert signers == {"mps.supervisor", "victimsupport.partner"}
    assert module.changes.filter(by__username="victimsupport.partner", kind="edited").exists()
    plan = RolloutPlan.objects.get(module=module)
    assert (plan.design, plan.seed, len(plan.team_order)) == ("stepped_wedge", 7, 4)
    assert plan.created_at.date() < plan.starts_on
    assert Completion.objects.filter(version=version).exists()
    # Nothing planted on ease of contact.
    assert dict(Response.objects.values_list("pk", "ease_of_contact")) == before
    assert training_demo_build(seed=7) == "Demo training already built."
    try:  # a world this small may have too few responses: either is an answer
        outcome = selectors.module_effect(module=module).design
    except EffectError as error:
        outcome = str(error)
    assert outcome == "stepped_wedge" or "too few responses" in outcome or "no finite" in outcome
    training_demo_delete()
    assert not TrainingModule.objects.exists()
