"""Imported victims get the Victims' Code enhanced grounds the forms and the API give:
derived from the crime type, a hate element and an age under 18 at the offence, and
recorded in an ``enhanced_grounds`` column (``;``-separated) with the import as their
source; unknown grounds are rejects with a reason, and the enhanced clocks apply."""

from __future__ import annotations

import csv
import io

import pytest

from tests.care.factories import london
from tests.factories import crime_type_make
from tests.intake.factories import reporting_world
from victimcare.care.models import Obligation
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, Victim
from victimcare.cases.services import case_event_record
from victimcare.core.timezones import LONDON
from victimcare.forces.models import CrimeType
from victimcare.intake.importer import cases_import

pytestmark = pytest.mark.django_db

HEADER = "crime_reference,reported_at,occurred_at,crime_type,area,given_name,family_name,date_of_birth,hate_element,enhanced_grounds\n"


@pytest.fixture
def force():
    force = reporting_world()
    crime_type_make("domestic-abuse")
    CrimeType.objects.filter(code="domestic-abuse").update(
        name="Domestic abuse", most_serious_crime=True
    )
    return force


def run(force, rows: list[str], *, clock: bool = False):
    rejects = io.StringIO()
    summary = cases_import(
        source=io.StringIO(HEADER + "\n".join(rows) + "\n"),
        force=force,
        rejects=rejects,
        clock=clock,
    )
    return summary, list(csv.DictReader(io.StringIO(rejects.getvalue())))


def victim(external_id: str) -> Victim:
    return Victim.objects.get(case__external_references__external_id=external_id)


# (why, the row's cells after the reference, the grounds (ground, source) it gets)
GROUNDS = [
    (
        "no ground: a standard victim",
        "2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,1980-03-31,,",
        [],
    ),
    (
        "a crime type of the most serious crime is derived",
        "2025-03-01T10:00:00,,domestic-abuse,hackney,Ada,One,,,",
        [("most_serious_crime", "derived")],
    ),
    (
        "a hate element is derived as the most serious crime",
        "2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,,yes,",
        [("most_serious_crime", "derived")],
    ),
    (
        "under 18 at the offence (from the date of birth) is vulnerable",
        "2025-03-01T10:00:00,2025-02-28T22:00:00,domestic-burglary,hackney,Ada,One,2007-03-01,,",
        [("vulnerable", "derived")],
    ),
    (
        "18 on the day of the offence is not",
        "2025-03-01T10:00:00,2025-03-01T09:00:00,domestic-burglary,hackney,Ada,One,2007-03-01,,",
        [],
    ),
    (
        "recorded grounds, ;-separated, with spaces and a repeat",
        "2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,,no,intimidated; persistently_targeted;intimidated",
        [("intimidated", "recorded"), ("persistently_targeted", "recorded")],
    ),
    (
        "a recorded ground already derived is kept once, as derived",
        "2025-03-01T10:00:00,,domestic-abuse,hackney,Ada,One,,,most_serious_crime;vulnerable",
        [("most_serious_crime", "derived"), ("vulnerable", "recorded")],
    ),
]


@pytest.mark.parametrize(
    ("cells", "expected"), [g[1:] for g in GROUNDS], ids=[g[0] for g in GROUNDS]
)
def test_imported_victims_get_derived_and_recorded_grounds(force, cells, expected):
    summary, rejects = run(force, [f"R-1,{cells}"])
    assert (summary.imported, rejects) == (1, [])
    imported = victim("R-1")
    assert [(e["ground"], e["source"]) for e in imported.enhanced_grounds] == expected
    assert imported.is_enhanced == bool(expected)
    for ground, _ in expected:
        assert getattr(imported, ground)


def test_recorded_grounds_say_the_import_recorded_them():
    force = reporting_world()
    run(force, ["R-1,2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,,,intimidated"])
    (entry,) = victim("R-1").enhanced_grounds
    assert entry["by"] == "records system import (rms)"
    assert "export" in entry["reason"]


def test_the_hate_element_is_kept_on_the_case(force):
    run(force, ["R-1,2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,,yes,"])
    assert Case.objects.get().hate_element is True


# (why, the row's cells after the reference, the start of the reason)
REFUSED = [
    (
        "an unknown ground",
        "2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,,,intimidated;scared",
        "enhanced_grounds 'scared' is not an enhanced ground",
    ),
    (
        "a ground in another spelling than the API's enum",
        "2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,,,Vulnerable",
        "enhanced_grounds 'Vulnerable' is not an enhanced ground",
    ),
    (
        "a hate element that is not yes or no",
        "2025-03-01T10:00:00,,domestic-burglary,hackney,Ada,One,,maybe,",
        "hate_element must be yes or no",
    ),
    (
        "reported before the crime happened",
        "2025-03-01T10:00:00,2025-03-02T10:00:00,domestic-burglary,hackney,Ada,One,,,",
        "reported_at is before occurred_at",
    ),
]


@pytest.mark.parametrize(("cells", "reason"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_bad_grounds_are_rejects_with_a_reason_and_nothing_is_written(force, cells, reason):
    summary, rejects = run(force, [f"R-1,{cells}"])
    assert (summary.imported, summary.rejected) == (0, 1)
    assert rejects[0]["reason"].startswith(reason), rejects[0]["reason"]
    assert not Case.objects.exists()
    assert not Victim.objects.exists()


def test_an_imported_enhanced_victim_is_told_of_a_decision_within_1_working_day(force):
    """The clock started by the import reads the imported grounds: an arrest on a Thursday
    before Easter is due the Tuesday after (1 working day), not 5 working days later."""
    run(
        force,
        [
            "R-1,2026-03-02T10:00:00,,domestic-abuse,hackney,Ada,One,,,",
            "R-2,2026-03-02T10:00:00,,domestic-burglary,hackney,Bo,Two,,,",
        ],
        clock=True,
    )
    dues = {}
    for reference in ("R-1", "R-2"):
        case = Case.objects.get(external_references__external_id=reference)
        case_event_record(
            case=case,
            kind=EventKind.DECISION,
            at=london(2026, 4, 2, 15),
            detail={"outcome": "arrest"},
        )
        row = Obligation.objects.get(case=case, code="decision_update")
        dues[reference] = row.due_at.astimezone(LONDON).isoformat()
    assert dues == {"R-1": "2026-04-07T23:59:59+01:00", "R-2": "2026-04-13T23:59:59+01:00"}
