"""The effect on a stored world: responses joined to their cases' officers and teams,
the stepped-wedge design when the rollout was randomised, the command's JSON, and "too
few responses" with the counts."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest

from tests.factories import crime_type_make, force_make, staff_make
from tests.oversight.factories import responses_make
from tests.training.factories import published_module_make
from victimcare.accounts.constants import Role
from victimcare.cases.models import Case, Victim
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Team
from victimcare.surveys.models import Response
from victimcare.training import selectors, services
from victimcare.training.constants import RolloutDesign
from victimcare.training.effect import TooFewResponses


@pytest.fixture
def world(db):
    mps = force_make("MPS", "Metropolitan Police Service")
    responses_make([mps], per_month=40, months=12, first_month=date(2025, 10, 1))
    teams = [Team.objects.create(force=mps, code=f"team-{i}", name=f"Team {i}") for i in range(4)]
    officers = [staff_make(Role.OFFICER, force=mps, team=t) for t in teams]
    crime_type = crime_type_make()
    responses = list(Response.objects.filter(force=mps).order_by("id"))
    cases = Case.objects.bulk_create(
        Case(
            reference=f"MPS-25-{i:06d}",
            force=mps,
            area=r.area,
            crime_type=crime_type,
            reported_at=datetime.combine(r.month.replace(day=15), time(10), tzinfo=LONDON),
            channel="phone",
            officer_in_charge=officers[i % 4],
        )
        for i, r in enumerate(responses)
    )
    Victim.objects.bulk_create(
        Victim(case=case, pseudonym=r.respondent) for case, r in zip(cases, responses, strict=True)
    )
    module, published, _draft = published_module_make(force=mps)
    lead = staff_make(Role.SUPERVISOR, force=mps)
    return {"force": mps, "module": module, "version": published, "lead": lead, "n": len(responses)}


def test_a_randomised_rollout_is_analysed_as_a_stepped_wedge(world):
    services.rollout_plan_set(
        user=world["lead"],
        module=world["module"],
        design=RolloutDesign.STEPPED_WEDGE,
        seed=11,
        waves=4,
        starts_on=date(2026, 1, 1),
        period_days=61,
        on=date(2025, 9, 1),
    )
    effect = selectors.module_effect(module=world["module"])
    assert effect.design == "stepped_wedge"
    assert effect.measure == "kept_informed"
    answered = effect.n_trained + effect.n_untrained
    assert 0.8 * world["n"] <= answered <= world["n"]  # those who gave an answer
    assert effect.ci_low < effect.estimate < effect.ci_high
    assert effect.n_trained > 30
    assert effect.n_untrained > 30


def test_without_a_randomised_rollout_the_officers_completion_counts(world):
    with pytest.raises(TooFewResponses) as caught:
        selectors.module_effect(module=world["module"])
    assert caught.value.n_trained == 0
    assert caught.value.n_untrained > 30


def test_the_command_prints_the_issues_json_or_too_few_responses(world, capsys):
    from victimcare.cli import main

    args = ["training", "effect", "--force", "MPS", "--module", "keeping-informed"]
    assert main([*args, "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "too few responses: 0 surveyed victims of trained officers" in err
    services.rollout_plan_set(
        user=world["lead"],
        module=world["module"],
        design=RolloutDesign.STEPPED_WEDGE,
        seed=11,
        waves=4,
        starts_on=date(2026, 1, 1),
        period_days=61,
        on=date(2025, 9, 1),
    )
    assert main([*args, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [
        "module",
        "measure",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "df",
        "n_trained",
        "n_untrained",
        "design",
    ]
    assert out["design"] == "stepped_wedge"
    assert main(["training", "effect", "--force", "MPS", "--format", "json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed == out
    assert main(["training", "effect", "--force", "XX"]) == 2
