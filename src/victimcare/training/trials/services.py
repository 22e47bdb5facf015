"""Every write of the care practice trials: keyword-only, atomic, checked before saving.

A refused write raises ``django.core.exceptions.ValidationError`` with a message for
people and writes nothing.

The plan is registered before any allocation and never rewritten: a new version may
replace it only while no case has been allocated. Allocation is deterministic per case
(``allocation.allocation_arm``: the plan's seed and the case's reference), so the cases
already reported (``trial_allocate``) and those reported later (``trial_case_opened``, a
case-event listener registered in ``TrainingConfig.ready()``, so that intake and care
need not know of trials) are allocated alike. A treated case owes the practice: an
internal note covering the practice's code is recorded through care's
``care_event_record``, and the Victims' Code clock starts the obligation of that code
(in every rule set), so worklists, breaches and compliance see it.
"""

from __future__ import annotations

import time as clock
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.care.services import CareError, care_event_record
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent
from victimcare.cases.services import OpenedCase
from victimcare.core.timezones import LONDON
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import Force
from victimcare.training.constants import Measure
from victimcare.training.selectors import is_training_lead
from victimcare.training.trials.allocation import allocation_arm
from victimcare.training.trials.constants import Arm, Practice
from victimcare.training.trials.models import Trial, TrialAllocation, TrialPlan

RATIO_PARTS_MAX = 10


def plan_latest(trial: Trial) -> TrialPlan | None:
    return TrialPlan.objects.filter(trial=trial).order_by("-version").first()


@transaction.atomic
def trial_plan_register(
    *,
    force: Force,
    code: str,
    title: str,
    practice: str,
    measure: str,
    crime_groups: list[str],
    report_from: date,
    report_to: date,
    seed: int,
    treated_parts: int = 1,
    control_parts: int = 1,
    by: User | None = None,
    now: datetime | None = None,
) -> TrialPlan:
    """Register a trial's plan (a new trial, or a new version of the plan of one that has
    allocated no case yet). Refused once any case is allocated: the plan is fixed."""
    if by is not None and not is_training_lead(by):
        raise ValidationError("Only the force's training lead may register a trial")
    if by is not None and by.force_id != force.pk:
        raise ValidationError("Register trials of your own force only")
    if practice not in Practice.values:
        raise ValidationError(
            {"practice": f"Unknown practice {practice!r}; use one of: {', '.join(Practice.values)}"}
        )
    if measure not in Measure.values:
        raise ValidationError(
            {"measure": f"Unknown measure {measure!r}; use one of: {', '.join(Measure.values)}"}
        )
    groups = sorted(set(crime_groups))
    unknown = [g for g in groups if g not in SurveyGroup.values]
    if not groups or unknown:
        raise ValidationError(
            {"crime_groups": f"Choose crime groups from: {', '.join(SurveyGroup.values)}"}
        )
    if report_to < report_from:
        raise ValidationError({"report_to": "The last report day is before the first"})
    for name, parts in (("treated_parts", treated_parts), ("control_parts", control_parts)):
        if not 1 <= parts <= RATIO_PARTS_MAX:
            raise ValidationError(
                {name: f"Each side of the ratio is a whole number from 1 to {RATIO_PARTS_MAX}"}
            )
    now = now or timezone.now()
    trial = Trial.objects.select_for_update().filter(force=force, code=code).first()
    if trial is None:
        trial = Trial(force=force, code=code, title=title, created_at=now, created_by=by)
        trial.full_clean()
        trial.save()
        version = 1
    else:
        if TrialAllocation.objects.filter(trial=trial).exists():
            raise ValidationError(
                f"Trial {code} has started allocating cases: its registered plan is fixed "
                "and cannot be changed"
            )
        latest = plan_latest(trial)
        version = (latest.version + 1) if latest else 1
    plan = TrialPlan(
        trial=trial,
        version=version,
        practice=practice,
        measure=measure,
        crime_groups=groups,
        report_from=report_from,
        report_to=report_to,
        treated_parts=treated_parts,
        control_parts=control_parts,
        seed=seed,
        registered_at=now,
        registered_by=by,
    )
    plan.full_clean()
    plan.save()
    forces_with_trials_forget()
    return plan


def _eligible(plan: TrialPlan, *, survey_group: str, reported_at: datetime) -> bool:
    day = reported_at.astimezone(LONDON).date()
    return survey_group in plan.crime_groups and plan.report_from <= day <= plan.report_to


def _allocate_one(*, trial: Trial, plan: TrialPlan, case: Case, now: datetime) -> TrialAllocation:
    arm = allocation_arm(
        seed=plan.seed,
        reference=case.reference,
        treated_parts=plan.treated_parts,
        control_parts=plan.control_parts,
    )
    allocation = TrialAllocation(trial=trial, plan=plan, case=case, arm=arm, allocated_at=now)
    allocation.save()
    if arm == Arm.TREATED:
        _practice_start(trial=trial, plan=plan, case=case, now=now)
    return allocation


def _practice_start(*, trial: Trial, plan: TrialPlan, case: Case, now: datetime) -> CaseEvent:
    """The practice owed from the report: an internal note covering its obligation's code,
    which the clock's rule of that code starts (due within its deadline of the report)."""
    label = Practice(plan.practice).label
    try:
        event, _ = care_event_record(
            case=case,
            kind=EventKind.NOTE,
            at=case.reported_at,
            detail={
                "covers": [plan.practice],
                "trial": trial.code,
                "note": f"Allocated to the treated arm of trial {trial.code}: {label}.",
            },
            now=max(now, case.reported_at),
        )
    except CareError as error:
        raise ValidationError(str(error)) from None
    return event


@transaction.atomic
def trial_allocate(*, trial: Trial, now: datetime | None = None) -> dict[str, int]:
    """Allocate every eligible case of the trial's force not yet allocated, under its
    registered plan; returns the counts newly allocated to each arm. Refused for a trial
    whose plan is not registered."""
    plan = plan_latest(trial)
    if plan is None:
        raise ValidationError(
            f"Trial {trial.code} has no registered plan: register it before allocating cases"
        )
    now = now or timezone.now()
    done = TrialAllocation.objects.filter(trial=trial).values("case_id")
    cases = (
        Case.objects.filter(
            force_id=trial.force_id,
            crime_type__survey_group__in=plan.crime_groups,
        )
        .exclude(pk__in=done)
        .select_related("crime_type")
        .order_by("pk")
    )
    counts = {Arm.TREATED.value: 0, Arm.CONTROL.value: 0}
    for case in cases.iterator(chunk_size=500):
        if not _eligible(
            plan, survey_group=case.crime_type.survey_group, reported_at=case.reported_at
        ):
            continue
        allocation = _allocate_one(trial=trial, plan=plan, case=case, now=now)
        counts[allocation.arm] += 1
    return counts


# The forces that have a registered trial, as this process last read them (when, ids):
# a report of a force without one costs no statement (reports arrive hundreds a second).
# Registering a plan forgets it here; another process reads it again within
# FORCES_WITH_TRIALS_SECONDS (run ``victimcare trial allocate`` after registering, which
# allocates any case reported meanwhile: it is safe to re-run).
FORCES_WITH_TRIALS_SECONDS = 60.0
_forces_with_trials: tuple[float, frozenset[int]] | None = None


def forces_with_trials_forget() -> None:
    global _forces_with_trials
    _forces_with_trials = None


def _forces_with_trials_get() -> frozenset[int]:
    global _forces_with_trials
    now = clock.monotonic()
    if _forces_with_trials is None or now - _forces_with_trials[0] > FORCES_WITH_TRIALS_SECONDS:
        forces = frozenset(
            TrialPlan.objects.values_list("trial__force_id", flat=True).distinct().order_by()
        )
        _forces_with_trials = (now, forces)
    return _forces_with_trials[1]


def trial_case_opened(event: CaseEvent, opened: OpenedCase | None) -> None:
    """The case-event listener: a case just opened is allocated to every trial of its
    force whose registered plan it is eligible for (in the same transaction as the
    report, so the case lands with its allocation and any obligation, or not at all)."""
    if opened is None:
        return
    case = event.case
    if case.force_id not in _forces_with_trials_get():
        return
    plans: dict[int, TrialPlan] = {}
    for plan in TrialPlan.objects.filter(trial__force_id=case.force_id).select_related("trial"):
        if plan.trial_id not in plans or plan.version > plans[plan.trial_id].version:
            plans[plan.trial_id] = plan
    if not plans:
        return
    now = timezone.now()
    for plan in plans.values():
        if _eligible(plan, survey_group=case.crime_type.survey_group, reported_at=case.reported_at):
            _allocate_one(trial=plan.trial, plan=plan, case=case, now=now)
