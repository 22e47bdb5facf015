"""The demo world's trial of a care practice: a reassurance call-back within 2 working days
of the report, randomised 1:1 at case level among the Met's surveyed crime groups over the
demo year, registered (by the Met's training lead, from the world's seed) before any case
is allocated; the treated cases owe the ``reassurance_callback`` obligation. The simulated
fieldwork carries a **planted effect** (``demo.fieldwork.planted_effect_apply``): +8 points
on "treatment" for victims of treated cases, nothing on any other measure, so that
`victimcare trial effect --force MPS --trial reassurance-callback` can be seen to recover
it within its interval. Everything is synthetic.

``trial_demo_build(seed=...)`` runs after the demo's training (after the survey
fieldwork); ``trial_demo_delete()`` before the demo's cases and staff are deleted.

``random`` is used on purpose: the demo is reproducible from the seed (S311).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from random import Random

from django.db import transaction
from django.db.models import Max, Min

from victimcare.accounts.models import User
from victimcare.cases.models import Case, Victim
from victimcare.core.timezones import LONDON
from victimcare.demo.fieldwork import planted_effect_apply
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import Force
from victimcare.surveys.models import Response
from victimcare.training.trials.constants import Arm, Practice
from victimcare.training.trials.models import Trial, TrialAllocation, TrialPlan
from victimcare.training.trials.services import trial_allocate, trial_plan_register

TRIAL_CODE = "reassurance-callback"
PLANTED_POINTS = 8.0
PLANTED_MEASURE = "treatment"
LEAD_USERNAME = "mps.supervisor"
CRIME_GROUPS = [SurveyGroup.BURGLARY, SurveyGroup.VIOLENCE, SurveyGroup.VEHICLE, SurveyGroup.HATE]


def trial_demo_delete() -> None:
    """Remove the demo's trial (its allocations and plans go with it through Django's
    collector; the append-only querysets refuse only a direct delete)."""
    with transaction.atomic():
        Trial.objects.filter(code=TRIAL_CODE).delete()


@transaction.atomic
def trial_demo_build(*, seed: int) -> str:
    """Register and allocate the demo's trial and plant its effect; a line for the log."""
    force = Force.objects.filter(code="MPS").first()
    lead = User.objects.filter(username=LEAD_USERNAME).first()
    if force is None or lead is None:
        return "Demo trial skipped: the Met or its training lead is missing."
    if Trial.objects.filter(force=force, code=TRIAL_CODE).exists():
        return "Demo trial already built."
    span = Case.objects.filter(force=force).aggregate(
        first=Min("reported_at"), last=Max("reported_at")
    )
    if span["first"] is None:
        return "Demo trial skipped: the Met has no cases."
    first_day = span["first"].astimezone(LONDON).date()
    last_day = span["last"].astimezone(LONDON).date()
    registered = datetime.combine(first_day - timedelta(days=14), time(9), tzinfo=LONDON)
    plan = trial_plan_register(
        force=force,
        code=TRIAL_CODE,
        title="Reassurance call-back within 48 hours (synthetic)",
        practice=Practice.REASSURANCE_CALLBACK,
        measure=PLANTED_MEASURE,
        crime_groups=[str(g) for g in CRIME_GROUPS],
        report_from=first_day,
        report_to=last_day,
        seed=seed,
        by=lead,
        now=registered,
    )
    counts = trial_allocate(trial=plan.trial)
    moved = _plant_effect(plan=plan, rng=Random(seed))  # noqa: S311 (reproducible synthetic data)
    return (
        f"Demo trial: '{plan.trial.title}' at the Met, seed {seed}: {counts['treated']:,} cases "
        f"treated, {counts['control']:,} in control; planted +{PLANTED_POINTS:g} points on "
        f"treatment ({moved} synthetic answers moved)."
    )


def _plant_effect(*, plan: TrialPlan, rng: Random) -> int:
    treated_cases = TrialAllocation.objects.filter(trial=plan.trial, arm=Arm.TREATED).values(
        "case_id"
    )
    pseudonyms = set(
        Victim.objects.filter(case_id__in=treated_cases).values_list("pseudonym", flat=True)
    )
    responses = [
        r
        for r in Response.objects.filter(force_id=plan.trial.force_id).order_by("id")
        if r.respondent in pseudonyms
    ]
    return planted_effect_apply(
        responses=responses, answer_field=PLANTED_MEASURE, points=PLANTED_POINTS, rng=rng
    )
