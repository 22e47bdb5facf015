"""The bulk rebuild: clocks bulk-inserted cases, and (on PostgreSQL) the set-based SQL
gives exactly what the case-by-case clock gives."""

import random
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.care.factories import care_case_make, london
from tests.factories import area_make, crime_type_make, force_make
from victimcare.care.models import CaseClock, Obligation
from victimcare.care.rebuild import limits, postgresql, replay
from victimcare.care.services.rebuild import obligations_rebuild
from victimcare.care.services.rule_sets import care_policy_set
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
    "interview_under_caution",
    "interview_under_caution",
    "community_resolution",
    "arrest_warrant",
    "bail_varied",
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
    EventKind.STATEMENT_TAKEN,
    EventKind.VRR_REQUESTED,
    EventKind.VRR_ACKNOWLEDGED,
    EventKind.VRR_DECIDED,
    EventKind.COMPLAINT_MADE,
    EventKind.COMPLAINT_ACKNOWLEDGED,
]
UPDATE_EVERY = [None, None, 7, 14, 60, 0, "14", True]
COVERS = [
    [],
    [],
    ["vrr_information"],
    ["vps_offer"],
    ["written_information"],
    ["vps_offer", "vrr_information"],
]


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
            if kind == EventKind.NEEDS_ASSESSED:
                every = rng.choice(UPDATE_EVERY)
                if every is not None:
                    detail["update_every_days"] = every
                if rng.random() < 0.5:
                    detail["victim_id"] = Victim.objects.filter(case=case).first().pk
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
        replay._rebuild_python(cases=None, now=NOW)
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
        replay._rebuild_python(cases=None, now=NOW)
    expected = snapshot()
    Obligation.objects.all().delete()
    with transaction.atomic():
        postgresql._rebuild_postgresql(cases=None, now=NOW)
    assert snapshot() == expected
    # A second run over existing rows changes nothing.
    with transaction.atomic():
        assert postgresql._rebuild_postgresql(cases=None, now=NOW) == 0
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


pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based rebuild is PostgreSQL's"
)


def odd_events_add(cases, seed: int) -> None:
    """Second victims, events meant for one victim, and details the clock ignores."""
    rng = random.Random(seed)
    for case in cases[::2]:
        first = Victim.objects.filter(case=case).first()
        second = Victim.objects.create(case=case, intimidated=rng.random() < 0.5)
        at = case.reported_at
        for detail in (
            {"victim_id": second.pk},
            {"victim_id": first.pk, "covers": ["written_information"]},
            {"victim_id": float(second.pk)},  # not an integer: meant for every victim
            {"victim_id": "someone"},
            {"outcome": 5},
            {"outcome": "nfa"},
            {"covers": "vps_offer"},  # not a list: covers nothing
        ):
            at = min(at + timedelta(hours=rng.randint(0, 24 * 10)), NOW)
            kind = rng.choice([EventKind.CONTACT_MADE, EventKind.DECISION, EventKind.CASE_CLOSED])
            case_event_record(case=case, kind=kind, at=at, detail=detail)


@pg_only
@pytest.mark.parametrize(("bulk_rows", "large_scope"), [(None, None), (1, 0)])
def test_the_set_based_rebuild_agrees_on_victims_and_odd_details(
    monkeypatch, bulk_rows, large_scope
):
    # (1, 0): the bulk-load and hash-join-only settings of large rebuilds, on a small world.
    if bulk_rows is not None:
        monkeypatch.setattr(limits, "BULK_ROWS", bulk_rows)
        monkeypatch.setattr(limits, "LARGE_SCOPE", large_scope)
    odd_events_add(random_world(seed=4, cases=30), seed=4)
    with transaction.atomic():
        replay._rebuild_python(cases=None, now=NOW)
    expected = snapshot()
    assert len({row[0] for row in expected}) > Case.objects.count()  # second victims too
    Obligation.objects.all().delete()
    with transaction.atomic():
        postgresql._rebuild_postgresql(cases=None, now=NOW)
    assert snapshot() == expected
    with transaction.atomic():
        assert postgresql._rebuild_postgresql(cases=None, now=NOW) == 0


def schema(table: str) -> set:
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = %s::regclass
            UNION ALL
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid = %s::regclass
            """,
            [table, table],
        )
        return set(cur.fetchall())


def bulk_world(seed: int, cases: int = 30) -> None:
    """Cases, victims and events written in bulk: no clocks, no obligations yet."""
    rng = random.Random(seed)
    forces = [force_make("MPS"), force_make("GMP")]
    for force, code in zip(forces, ["tvc", "vc2020"], strict=True):
        care_policy_set(force=force, rule_set_code=code)
    types = [crime_type_make("domestic-burglary"), crime_type_make("common-assault")]
    events = []
    for number in range(cases):
        force = rng.choice(forces)
        reported = NOW - timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 1440))
        case = Case.objects.create(
            reference=f"B-{number}",
            force=force,
            area=area_make(force),
            crime_type=rng.choice(types),
            reported_at=reported,
            channel="phone",
        )
        Victim.objects.create(case=case, vulnerable=rng.random() < 0.3)
        at = reported
        events.append(CaseEvent(case=case, kind=EventKind.REPORT_RECORDED, at=at, recorded_at=at))
        for _ in range(rng.randint(0, 7)):
            at = min(at + timedelta(hours=rng.randint(0, 24 * 20)), NOW)
            kind = rng.choice(KINDS)
            detail = {}
            if kind == EventKind.DECISION:
                detail["outcome"] = rng.choice(OUTCOMES)
            if kind == EventKind.CONTACT_MADE:
                detail["covers"] = rng.choice(COVERS)
            if kind == EventKind.NEEDS_ASSESSED:
                every = rng.choice(UPDATE_EVERY)
                if every is not None:
                    detail["update_every_days"] = every
                if rng.random() < 0.5:
                    detail["victim_id"] = Victim.objects.filter(case=case).first().pk
            events.append(CaseEvent(case=case, kind=kind, at=at, recorded_at=at, detail=detail))
    CaseEvent.objects.bulk_create(events)


@pg_only
@pytest.mark.django_db(transaction=True)  # no trigger events pending from the world's writes
def test_a_bulk_loaded_first_clocking_gives_what_the_clock_gives_and_keeps_the_schema(
    monkeypatch,
):
    monkeypatch.setattr(limits, "BULK_ROWS", 1)
    bulk_world(seed=5)
    tables = ("care_obligation", "care_caseclock", "care_breachalert")
    before = {table: schema(table) for table in tables}
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        written = postgresql._rebuild_postgresql(cases=None, now=NOW)
    ddl = [
        q["sql"].split(" CONSTRAINT ")[1].split()[0]
        for q in queries
        if "ADD CONSTRAINT" in q["sql"]
    ]
    assert ddl == [
        '"care_obligation_pkey"',  # the table was empty: its primary key was dropped too
        '"obligation_unique_occurrence"',
        '"care_breachalert_obligation_id_c9f80e5a_fk_care_obligation_id"',
        '"care_caseclock_case_id_1e03b5ef_fk_cases_case_id"',
        '"care_caseclock_rule_set_version_id_bc6df31b_fk_care_rule"',
    ]
    # The foreign keys and indexes dropped for the load are back, exactly as they were.
    assert {table: schema(table) for table in before} == before
    assert written == Obligation.objects.count() > 100
    assert CaseClock.objects.count() == Case.objects.count()
    got = snapshot()
    Obligation.objects.all().delete()
    with transaction.atomic():
        replay._rebuild_python(cases=None, now=NOW)
    assert got == snapshot()


@pg_only
def test_the_rebuild_puts_the_planner_settings_back():
    random_world(seed=6, cases=5)
    names = (
        "jit",
        "work_mem",
        "enable_nestloop",
        "enable_mergejoin",
        "synchronous_commit",
        "random_page_cost",
    )

    def settings():
        with connection.cursor() as cur:
            cur.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in names))
            return cur.fetchone()

    with transaction.atomic():
        before = settings()
        obligations_rebuild(now=NOW)
        assert settings() == before


def test_a_rebuild_of_some_cases_leaves_the_others_alone():
    made = random_world(seed=7, cases=6)
    obligations_rebuild(now=NOW)
    kept, cleared = made[0], made[1]
    Obligation.objects.filter(case=cleared).delete()
    stored = sorted(Obligation.objects.filter(case=kept).values_list("id", "status"))
    assert stored
    obligations_rebuild(cases=Case.objects.filter(pk=kept.pk), now=NOW)
    assert sorted(Obligation.objects.filter(case=kept).values_list("id", "status")) == stored
    assert not Obligation.objects.filter(case=cleared).exists()
    obligations_rebuild(cases=Case.objects.filter(pk=cleared.pk), now=NOW)
    assert Obligation.objects.filter(case=cleared).exists()
