"""The bulk rebuild: clocks bulk-inserted cases, and (on PostgreSQL) the set-based SQL
gives exactly what the case-by-case clock gives."""

import random
from datetime import timedelta

import pytest
from django.db import connection, transaction

from tests.care.factories import care_case_make, london
from tests.factories import area_make, crime_type_make, force_make
from victimcare.care import rebuild
from victimcare.care.models import CaseClock, Obligation
from victimcare.care.services import care_policy_set, obligations_rebuild
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.cases.services import case_event_record

pytestmark = pytest.mark.django_db

NOW = london(2026, 11, 20, 12, 0)
OUTCOMES = [
    "arrest",
    "bail",
    "charge",
    "caution",
    "no_further_action",
    "not_investigated",
    "charged",
]
KINDS = [
    EventKind.CONTACT_MADE,
    EventKind.CONTACT_MADE,
    EventKind.WRITTEN_INFORMATION_SENT,
    EventKind.REFERRAL_SENT,
    EventKind.REFERRAL_DECLINED,
    EventKind.NEEDS_ASSESSED,
    EventKind.VISIT_OFFERED,
    EventKind.VISIT_DONE,
    EventKind.DECISION,
    EventKind.DECISION,
    EventKind.SUSPECT_IDENTIFIED,
    EventKind.CASE_CLOSED,
    EventKind.VPS_OFFERED,
    EventKind.MESSAGE_TO_VICTIM,
]
COVERS = [[], [], ["vrr_information"], ["vps_offer"], ["written_information"]]


def random_world(seed: int, cases: int = 40):
    rng = random.Random(seed)
    forces = [force_make("MPS"), force_make("GMP"), force_make("WMP")]
    for force, code in zip(forces, ["tvc", "vc2020", "vc2015"], strict=True):
        care_policy_set(force=force, rule_set_code=code)
    made = []
    for _ in range(cases):
        force = rng.choice(forces)
        reported = NOW - timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 1440))
        case = care_case_make(force=force, reported_at=reported, enhanced=rng.random() < 0.3)
        at = reported
        for _ in range(rng.randint(0, 7)):
            at = min(at + timedelta(hours=rng.randint(0, 24 * 20)), NOW)
            kind = rng.choice(KINDS)
            detail = {}
            if kind == EventKind.DECISION:
                detail["outcome"] = rng.choice(OUTCOMES)
            if kind == EventKind.CONTACT_MADE:
                detail["covers"] = rng.choice(COVERS)
            case_event_record(case=case, kind=kind, at=at, detail=detail)
        made.append(case)
    return made


def snapshot():
    fields = (
        "victim_id",
        "code",
        "trigger_event_id",
        "occurrence",
        "rule_id",
        "triggered_at",
        "due_at",
        "status",
        "met_at",
        "met_by_event_id",
        "cancelled_at",
        "cancel_reason",
        "breached_at",
        "officer_id",
    )
    return sorted(Obligation.objects.values_list(*fields))


def test_the_python_rebuild_matches_the_clock_after_each_event():
    random_world(seed=1, cases=25)
    with transaction.atomic():
        rebuild._rebuild_python(cases=None, now=NOW)
    first = snapshot()
    Obligation.objects.all().delete()
    obligations_rebuild(now=NOW)
    assert snapshot() == first
    assert len(first) > 100


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based rebuild is PostgreSQL's"
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_set_based_rebuild_gives_what_the_clock_gives(seed):
    random_world(seed=seed)
    with transaction.atomic():
        rebuild._rebuild_python(cases=None, now=NOW)
    expected = snapshot()
    Obligation.objects.all().delete()
    with transaction.atomic():
        rebuild._rebuild_postgresql(cases=None, now=NOW)
    assert snapshot() == expected
    # A second run over existing rows changes nothing.
    with transaction.atomic():
        assert rebuild._rebuild_postgresql(cases=None, now=NOW) == 0
    assert snapshot() == expected


def test_bulk_inserted_cases_are_clocked_by_the_rebuild():
    force = force_make()
    care_policy_set(force=force, rule_set_code="tvc")
    case = Case.objects.create(
        reference="MPS-26-999999",
        force=force,
        area=area_make(force),
        crime_type=crime_type_make(),
        reported_at=london(2026, 11, 2, 9, 0),
        channel="phone",
    )
    victim = Victim.objects.create(case=case)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case, kind="report_recorded", at=case.reported_at, recorded_at=case.reported_at
            ),
            CaseEvent(
                case=case,
                kind="visit_offered",
                at=london(2026, 11, 2, 10, 0),
                recorded_at=case.reported_at,
            ),
        ]
    )
    written = obligations_rebuild(cases=Case.objects.filter(pk=case.pk), now=NOW)
    assert written >= 5
    assert CaseClock.objects.get(case=case).rule_set_version.rule_set.code == "tvc"
    visit = Obligation.objects.get(victim=victim, code="visit_offer")
    assert visit.status == "met"
    assert Obligation.objects.get(victim=victim, code="written_information").status == "breached"
