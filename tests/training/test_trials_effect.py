"""The effect of a care practice trial: a survey-weighted regression with month fixed
effects on the survey design, recovering a planted effect in simulated trials, the
command's JSON, and "too few responses" with the counts (exit 2), never a number."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time

import numpy as np
import pytest

from tests.factories import crime_type_make, force_make
from tests.oversight.factories import responses_make
from victimcare.cases.models import Case, Victim
from victimcare.cli import main
from victimcare.core.timezones import LONDON
from victimcare.surveys.models import Response
from victimcare.training.trials.effect import (
    TrialTooFewResponses,
    trial_effect_fit,
    trial_world_simulate,
)
from victimcare.training.trials.services import trial_allocate, trial_plan_register

KEYS = [
    "trial",
    "measure",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "n_treated",
    "n_control",
    "design",
]


def test_the_estimate_recovers_a_planted_effect_within_its_interval_in_most_simulations():
    """20 seeded simulated trials with +8 points planted: the 95% interval covers +8 in at
    least 16 (a light check; the training's coverage test makes the full one)."""
    covered = 0
    for seed in range(20):
        columns = trial_world_simulate(np.random.default_rng(seed), effect=0.08)
        effect = trial_effect_fit(columns, trial="t", measure="treatment", minimum=30)
        covered += effect.ci_low <= 8.0 <= effect.ci_high
        assert effect.design == "randomised"
    assert covered >= 16


def test_too_few_responses_in_either_arm_gives_the_counts_and_no_number():
    columns = trial_world_simulate(np.random.default_rng(1), months=2, per_month=40)
    with pytest.raises(TrialTooFewResponses) as caught:
        trial_effect_fit(columns, trial="t", measure="treatment", minimum=60)
    error = caught.value
    assert error.n_treated + error.n_control == 80
    assert str(error).startswith(
        f"too few responses: {error.n_treated} surveyed victims of treated cases and "
        f"{error.n_control} of control cases"
    )


@pytest.fixture
def world(db):
    """A year of the Met's survey responses, each joined to a burglary case reported in
    the middle of its month, and a registered trial over that year."""
    mps = force_make("MPS", "Metropolitan Police Service")
    responses_make([mps], per_month=30, months=12, first_month=date(2025, 10, 1))
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
        )
        for i, r in enumerate(responses)
    )
    Victim.objects.bulk_create(
        Victim(case=case, pseudonym=r.respondent) for case, r in zip(cases, responses, strict=True)
    )
    plan = trial_plan_register(
        force=mps,
        code="reassurance-48h",
        title="Reassurance call-back",
        practice="reassurance_callback",
        measure="treatment",
        crime_groups=["burglary"],
        report_from=date(2025, 10, 1),
        report_to=date(2026, 9, 30),
        seed=5,
    )
    return {"force": mps, "trial": plan.trial, "n": len(responses)}


ARGS = ["trial", "effect", "--force", "MPS", "--trial", "reassurance-48h"]


def test_the_command_prints_too_few_responses_before_allocation_and_the_json_after(world, capsys):
    assert main([*ARGS, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert "too few responses: 0 surveyed victims of treated cases and 0 of control" in captured.err
    assert captured.out == ""
    trial_allocate(trial=world["trial"])
    assert main([*ARGS, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == KEYS
    assert out["trial"] == "reassurance-48h"
    assert out["measure"] == "treatment"
    assert out["design"] == "randomised"
    assert out["ci_low"] < out["estimate"] < out["ci_high"]
    assert 0.8 * world["n"] <= out["n_treated"] + out["n_control"] <= world["n"]
    assert main([*ARGS, "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert "randomised: estimate" in text
    assert "A change is reported only when the 95% interval" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["trial", "effect", "--force", "XX", "--trial", "reassurance-48h"],
            "no force with code 'XX'",
        ),
        (["trial", "effect", "--force", "MPS", "--trial", "nope"], "no trial 'nope' in MPS"),
        (["trial", "allocate", "--force", "MPS", "--trial", "nope"], "no trial 'nope' in MPS"),
    ],
)
def test_an_unknown_force_or_trial_is_a_clear_error(world, capsys, args, message):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_the_command_registers_a_plan_and_refuses_a_change_after_allocation(world, capsys):
    register = [
        "trial",
        "register",
        "--force",
        "MPS",
        "--trial",
        "visit-by-phone",
        "--title",
        "Call-back",
        "--practice",
        "reassurance_callback",
        "--measure",
        "whole_experience",
        "--crime-groups",
        "burglary",
        "--from",
        "2025-10-01",
        "--to",
        "2026-09-30",
        "--seed",
        "9",
    ]
    assert main(register) == 0
    assert "Registered plan version 1 of trial visit-by-phone" in capsys.readouterr().out
    assert main(["trial", "allocate", "--force", "MPS", "--trial", "visit-by-phone"]) == 0
    assert "cases allocated to treated" in capsys.readouterr().out
    assert main([*register[:-1], "10"]) == 2
    assert "its registered plan is fixed and cannot be changed" in capsys.readouterr().err
    bad_day = list(register)
    bad_day[bad_day.index("--from") + 1] = "2025-13-01"
    assert main(bad_day) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_the_trial_page_shows_the_plan_the_counts_and_the_effect_through_the_publication_rule(
    world, client
):
    from django.urls import reverse

    from tests.factories import staff_make
    from victimcare.accounts.constants import Role

    client.force_login(staff_make(Role.SUPERVISOR, force=world["force"]))
    url = reverse("training:trial", kwargs={"code": "reassurance-48h"})
    page = client.get(url).content.decode()
    assert "Reassurance call-back within 2 working days of the report" in page
    assert "Version 1," in page
    assert "0 cases treated, 0 in control." in page
    assert "Not compared: too few responses (0 and 0; each side needs at least 30)" in page
    counts = trial_allocate(trial=world["trial"])
    page = client.get(url).content.decode()
    assert f"{counts['treated']} cases treated, {counts['control']} in control." in page
    effect = re.search(r'<dl class="govuk-summary-list" id="trial-effect">(.*?)</dl>', page, re.S)
    assert effect
    assert re.search(
        r"[+-]\d+\.\d \(95% interval [+-]\d+\.\d to [+-]\d+\.\d; design-based t test, p",
        effect.group(1),
    )
    assert re.search(r"\d+ of treated cases, \d+ of control cases", effect.group(1))
    listing = client.get(reverse("training:trials")).content.decode()
    assert "reassurance-48h" in listing
