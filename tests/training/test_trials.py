"""Built-in trials of care practices: the plan registered before any allocation and never
rewritten after, the allocation deterministic from the seed and the case reference (cases
reported later allocated alike), the practice owed by treated cases only as an obligation
the clock keeps, and bad input refused with nothing written."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import case_make, crime_type_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.care.models import Obligation
from victimcare.care.services.events import contact_record
from victimcare.core.timezones import LONDON
from victimcare.forces.constants import SurveyGroup
from victimcare.training.trials.allocation import allocation_arm
from victimcare.training.trials.models import Trial, TrialAllocation, TrialPlan
from victimcare.training.trials.services import trial_allocate, trial_plan_register

pytestmark = pytest.mark.django_db

CODE = "reassurance-48h"


def _plan(force, **overrides):
    values = {
        "force": force,
        "code": CODE,
        "title": "Reassurance call-back",
        "practice": "reassurance_callback",
        "measure": "treatment",
        "crime_groups": ["burglary"],
        "report_from": date(2026, 8, 1),
        "report_to": date(2026, 9, 30),
        "seed": 42,
    }
    return trial_plan_register(**(values | overrides))


def _cases(force, n: int, *, day: int = 1, month: int = 9):
    return [
        case_make(force, reported_at=datetime(2026, month, day, 9, i % 60, tzinfo=LONDON))
        for i in range(n)
    ]


def _arms(trial) -> dict[str, str]:
    return dict(TrialAllocation.objects.filter(trial=trial).values_list("case__reference", "arm"))


def test_a_registered_plan_is_never_rewritten():
    plan = _plan(force_make())
    plan.seed = 7
    with pytest.raises(PermissionError):
        plan.save()
    with pytest.raises(PermissionError):
        TrialPlan.objects.filter(pk=plan.pk).update(seed=7)
    with pytest.raises(PermissionError):
        TrialPlan.objects.filter(pk=plan.pk).delete()
    assert TrialPlan.objects.get(pk=plan.pk).seed == 42


def test_a_plan_is_replaced_by_a_new_version_only_before_any_allocation():
    force = force_make()
    first = _plan(force)
    second = _plan(force, seed=43)
    assert (first.version, second.version) == (1, 2)
    assert TrialPlan.objects.filter(trial=first.trial).count() == 2
    _cases(force, 3)
    with pytest.raises(
        ValidationError, match="has started allocating cases: its registered plan is fixed"
    ):
        _plan(force, seed=44)
    assert TrialPlan.objects.filter(trial=first.trial).count() == 2


def test_a_case_reported_after_registration_is_allocated_on_arrival_under_the_plan():
    force = force_make()
    plan = _plan(force)
    [case] = _cases(force, 1)
    allocation = TrialAllocation.objects.get(case=case)
    assert allocation.plan == plan
    assert allocation.arm == allocation_arm(
        seed=42, reference=case.reference, treated_parts=1, control_parts=1
    )


def test_the_same_seed_and_cases_give_the_same_allocation_whenever_they_arrive():
    """Cases reported before registration (allocated by ``trial_allocate``) and after (on
    arrival) get the arm a fresh computation from the seed gives; a second trial with the
    same seed allocates every case alike."""
    force = force_make()
    before = _cases(force, 12)
    plan = _plan(force)
    trial_allocate(trial=plan.trial)
    after = _cases(force, 12, day=2)
    arms = _arms(plan.trial)
    assert len(arms) == 24
    twin = _plan(force, code="twin")
    trial_allocate(trial=twin.trial)
    assert _arms(twin.trial) == arms
    for case in before + after:
        assert arms[case.reference] == allocation_arm(
            seed=42, reference=case.reference, treated_parts=1, control_parts=1
        )
    assert set(arms.values()) == {"treated", "control"}


@given(
    seed=st.integers(min_value=0, max_value=2**62),
    references=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=30, unique=True),
    ratio=st.tuples(st.integers(1, 5), st.integers(1, 5)),
)
@settings(max_examples=50, deadline=None)
def test_allocation_is_a_function_of_the_seed_and_the_reference_alone(seed, references, ratio):
    first = [
        allocation_arm(seed=seed, reference=r, treated_parts=ratio[0], control_parts=ratio[1])
        for r in references
    ]
    again = {
        r: allocation_arm(seed=seed, reference=r, treated_parts=ratio[0], control_parts=ratio[1])
        for r in reversed(references)
    }
    assert first == [again[r] for r in references]


def test_the_ratio_sets_the_share_treated():
    refs = [f"MPS-26-{i:06d}" for i in range(4000)]
    treated = sum(
        allocation_arm(seed=1, reference=r, treated_parts=2, control_parts=1) == "treated"
        for r in refs
    )
    assert 0.63 < treated / len(refs) < 0.70


def test_only_treated_cases_owe_the_practice_and_the_clock_keeps_it():
    force = force_make()
    _plan(force)
    cases = _cases(force, 16)
    arms = _arms(Trial.objects.get(code=CODE))
    owed = set(
        Obligation.objects.filter(code="reassurance_callback").values_list(
            "case__reference", flat=True
        )
    )
    assert owed == {ref for ref, arm in arms.items() if arm == "treated"}
    assert owed
    assert len(owed) < len(cases)
    treated = next(c for c in cases if c.reference in owed)
    obligation = Obligation.objects.get(case=treated, code="reassurance_callback")
    assert obligation.due_at - treated.reported_at <= timedelta(days=4)
    # A contact meets it, and the replay after that event keeps it.
    officer = staff_make(Role.OFFICER, force=force)
    contact_record(
        case=treated,
        by=officer,
        victim_text="I called to check how you are.",
        at=treated.reported_at + timedelta(hours=20),
    )
    obligation.refresh_from_db()
    assert obligation.status == "met"


@pytest.mark.parametrize(
    ("reported_at", "crime_group", "allocated"),
    [
        (datetime(2026, 9, 1, 10, tzinfo=LONDON), SurveyGroup.BURGLARY, True),
        (datetime(2026, 7, 31, 23, 30, tzinfo=LONDON), SurveyGroup.BURGLARY, False),
        (datetime(2026, 10, 1, 0, 30, tzinfo=LONDON), SurveyGroup.BURGLARY, False),
        (datetime(2026, 9, 1, 10, tzinfo=LONDON), SurveyGroup.VEHICLE, False),
    ],
)
def test_only_cases_of_the_plans_crime_groups_and_report_days_are_eligible(
    reported_at, crime_group, allocated
):
    force = force_make()
    _plan(force)
    crime_type = crime_type_make(f"test-{crime_group}")
    crime_type.survey_group = crime_group
    crime_type.save()
    case = case_make(force, reported_at=reported_at, crime_type=crime_type)
    assert TrialAllocation.objects.filter(case=case).exists() is allocated


def test_another_forces_cases_are_never_allocated():
    mps, gmp = force_make("MPS"), force_make("GMP")
    _plan(mps)
    [case] = _cases(gmp, 1)
    assert not TrialAllocation.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"practice": "hug"}, "Unknown practice 'hug'"),
        ({"measure": "happiness"}, "Unknown measure 'happiness'"),
        ({"crime_groups": []}, "Choose crime groups from"),
        ({"crime_groups": ["burglary", "arson"]}, "Choose crime groups from"),
        ({"report_to": date(2026, 7, 1)}, "The last report day is before the first"),
        ({"treated_parts": 0}, "Each side of the ratio"),
        ({"control_parts": 11}, "Each side of the ratio"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_written(overrides, message):
    with pytest.raises(ValidationError, match=message):
        _plan(force_make(), **overrides)
    assert not Trial.objects.exists()
    assert not TrialPlan.objects.exists()


def test_a_plan_for_another_force_is_refused():
    mps, gmp = force_make("MPS"), force_make("GMP")
    lead = staff_make(Role.SUPERVISOR, force=gmp)
    with pytest.raises(ValidationError, match="your own force"):
        _plan(mps, by=lead)
    assert not Trial.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST, Role.CALL_HANDLER])
def test_only_the_forces_training_lead_registers_a_trial(role):
    mps = force_make("MPS")
    with pytest.raises(ValidationError, match="Only the force's training lead"):
        _plan(mps, by=staff_make(role, force=mps))
    assert not Trial.objects.exists()
    assert (
        _plan(mps, by=staff_make(Role.SUPERVISOR, force=mps)).registered_by.role == Role.SUPERVISOR
    )


def test_allocation_before_registration_is_refused():
    force = force_make()
    _cases(force, 2)
    trial = Trial.objects.create(
        force=force,
        code="unregistered",
        title="Not yet",
        created_at=datetime(2026, 9, 1, tzinfo=LONDON),
    )
    with pytest.raises(
        ValidationError, match="has no registered plan: register it before allocating"
    ):
        trial_allocate(trial=trial)
    assert not TrialAllocation.objects.exists()


def test_a_report_of_a_force_without_trials_costs_no_trial_statement():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mps, gmp = force_make("MPS"), force_make("GMP")
    _plan(mps)
    _cases(gmp, 1)  # the forces with trials are read once
    with CaptureQueriesContext(connection) as queries:
        _cases(gmp, 1, day=2)
    assert not [q["sql"] for q in queries if "training_trial" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        [case] = _cases(mps, 1, day=3)
    assert TrialAllocation.objects.filter(case=case).exists()
