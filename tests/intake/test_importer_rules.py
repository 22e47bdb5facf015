"""The importer's row checks hold a case's details to the report forms' rules (which the
API applies too): for the answers both take, the importer accepts a row exactly when the
forms accept the same answers, and when it refuses, it names a field the forms fault.

What the importer takes differently, on purpose, is left out of the generated rows: a
summary, a date of birth and a contact route are optional in a records system's export
(the forms require a summary and a route with what it needs); ``phone_is_safe`` also
takes the export spellings true/false/1/0; a date of birth that is not an ISO date is
refused by the importer (the forms' answers, given as text, drop it); and the importer
trims every cell of the file, so a crime type or area code with spaces around it is read
as the code (the forms' lists take the code only as it is).
"""

import itertools
import json
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import crime_type_make
from tests.intake.factories import answers_make, reporting_world
from victimcare.cases.constants import EnhancedGround
from victimcare.cases.models import Victim
from victimcare.cases.services import VictimDetails, case_create
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area, CrimeType
from victimcare.intake.forms import answers_validate
from victimcare.intake.importer.check import (
    FIELDS,
    IMPORT_GROUNDS_BY,
    ROW_FIELDS,
    RowChecker,
)

pytestmark = pytest.mark.django_db

# A row both accept; each example changes some of the answers both take.
BASE = {
    "crime_reference": "R-1",
    "reported_at": "2025-03-01T10:00:00",
    "crime_type": "domestic-burglary",
    "area": "hackney",
    "given_name": "Ada",
    "family_name": "Testperson",
    "occurred_at": "",
    "summary": "Someone broke in through the back door and took a laptop.",
    "date_of_birth": "1980-03-31",
    "email": "ada@example.com",
    "phone": "07700 900123",
    "phone_is_safe": "yes",
    "address": "",
    "postcode": "",
    "preferred_contact": "email",
    "times_to_avoid": "",
    "status": "",
    "hate_element": "",
    "enhanced_grounds": "",
}
SHARED = (
    "crime_type",
    "area",
    "given_name",
    "family_name",
    "summary",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "postcode",
    "times_to_avoid",
)


def reason_fields(reason: str) -> set[str]:
    """The answers an importer reason is about (it starts with their names)."""
    return {name for name in FIELDS if reason.startswith(name) or f"and {name}" in reason}


def verdicts(force, changes: dict):
    values = {**BASE, **changes}
    checker = RowChecker(force=force, now=timezone.now(), header=list(FIELDS))
    result = checker.check([values[name] for name in FIELDS])
    answers = {k: values[k] for k in SHARED}
    answers.update({k: values[k].strip() for k in ("crime_type", "area")})  # see above
    _, errors = answers_validate(force=force, answers=answers_make(**answers))
    return result, errors


def assert_agree(force, changes: dict) -> None:
    result, errors = verdicts(force, changes)
    if isinstance(result, str):
        assert errors, f"the importer refused ({result!r}) what the forms accept"
        assert reason_fields(result) & set(errors), (result, errors)
    else:
        assert not errors, f"the importer accepted what the forms refuse: {errors}"


@pytest.fixture
def force():
    return reporting_world()


# Cases that once split the two (the importer's old checks), each a rule of the forms.
ONCE_DISAGREED = {
    "a name within its limit once trimmed": {"given_name": "  " + "x" * 100},
    "a name over its limit once trimmed": {"family_name": " " + "x" * 101},
    "an email Django's validator refuses": {"email": "ada@example.c"},
    "an email with two @": {"email": "ada@@example.com"},
    "a postcode that is not one": {"postcode": "nowhere"},
    "a postcode in lower case": {"postcode": "sw1a 2aa"},
    "a date of birth before 1900": {"date_of_birth": "1899-12-31"},
    "a date of birth in the future": {"date_of_birth": "2999-01-01"},
    "a date of birth in 1900": {"date_of_birth": "1900-01-01"},
}


@pytest.mark.parametrize("changes", ONCE_DISAGREED.values(), ids=ONCE_DISAGREED.keys())
def test_the_importer_and_the_forms_agree_on_each_rule(force, changes):
    assert_agree(force, changes)


# Text without the two characters the importer reads as a broken file (NUL, U+FFFD).
TEXT = st.one_of(
    st.sampled_from(["x" * 100, " " + "x" * 100, "x" * 101, "x" * 200, "x" * 201, "é", "\t0"]),
    st.text(st.characters(blacklist_characters="\x00\ufffd", codec="utf-8"), max_size=12),
)
NOT_BLANK = TEXT.filter(str.strip)
CHANGES = {
    "crime_type": st.sampled_from(["domestic-burglary", "DOMESTIC-BURGLARY", "", "x"]),
    "area": st.sampled_from(["hackney", "enfield", " hackney ", "bolton", ""]),
    "given_name": TEXT,
    "family_name": TEXT,
    "summary": st.one_of(NOT_BLANK, st.just("x" * 5001)),
    "date_of_birth": st.one_of(
        st.just(""),
        st.dates(min_value=date(1800, 1, 1), max_value=date(2999, 12, 31)).map(date.isoformat),
    ),
    "email": st.one_of(
        st.sampled_from(["ada@example.com", " ada@example.com ", "ada@", "a@b.c", "x" * 250]),
        st.emails().map(lambda e: e[:254]),
        NOT_BLANK,
    ),
    "phone": st.one_of(
        st.sampled_from(["07700 900123", "+44 7700 900123", "123", "(0161) 555-0123"]),
        NOT_BLANK,
    ),
    "address": st.one_of(TEXT, st.sampled_from(["1 High Street", "x" * 500, "x" * 501])),
    "postcode": st.one_of(
        st.sampled_from(["", "SW1A 2AA", "sw1a2aa", "M1 1AE", " M1 1AE ", "nowhere", "x" * 11]),
        TEXT,
    ),
    "times_to_avoid": TEXT,
}


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.fixed_dictionaries({}, optional=CHANGES))
def test_the_importer_accepts_exactly_what_the_forms_accept(force, changes):
    assert_agree(force, changes)


# --- enhanced grounds: the importer gives a victim the grounds the forms and the API give --


@pytest.fixture
def ground_world(force):
    """A force with a crime type that is one of the Code's most serious crimes."""
    crime_type_make("rape")
    CrimeType.objects.filter(code="rape").update(name="Rape", most_serious_crime=True)
    return force


_REFERENCES = itertools.count()


def grounds_both_ways(force, cells: dict):
    """The importer's verdict on a row, and the victim ``case_create`` (which the forms,
    staff entry and the API call) records for the same report; both None when refused."""
    values = {**BASE, **cells, "crime_reference": f"G-{next(_REFERENCES)}"}
    checker = RowChecker(force=force, now=timezone.now(), header=list(FIELDS), system="rms")
    row = checker.check([values[name] for name in FIELDS])
    if isinstance(row, str):
        return row, None
    imported = dict(zip(ROW_FIELDS, row, strict=True))
    reported = datetime.fromisoformat(values["reported_at"]).replace(tzinfo=LONDON)
    occurred = (
        datetime.fromisoformat(values["occurred_at"]).replace(tzinfo=LONDON)
        if values["occurred_at"]
        else None
    )
    recorded = [g.strip() for g in values["enhanced_grounds"].split(";") if g.strip()]
    case = case_create(
        force=force,
        area=Area.objects.get(force=force, code="hackney"),
        crime_type=CrimeType.objects.get(code=values["crime_type"]),
        channel="records_system",
        reported_at=reported,
        occurred_at=occurred,
        victim=VictimDetails(
            given_name="Ada",
            family_name="Testperson",
            date_of_birth=date.fromisoformat(values["date_of_birth"])
            if values["date_of_birth"]
            else None,
            enhanced_grounds=tuple(recorded),
        ),
        hate_element=values["hate_element"].lower() in ("yes", "true", "1"),
        grounds_recorded_by=IMPORT_GROUNDS_BY.format(system="rms"),
    )
    return imported, Victim.objects.get(case=case)


def ground_summary(entries) -> list[tuple]:
    """Each entry's ground and source, and the reason of a derived one (a recorded one's
    reason says which channel recorded it)."""
    return [
        (e["ground"], e["source"], e["reason"] if e["source"] == "derived" else "") for e in entries
    ]


GROUND_WORDS = [*EnhancedGround.values, "bogus", "Vulnerable", ""]


@st.composite
def ground_cells(draw):
    offence = draw(st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2025, 12, 31)))
    offence = offence.replace(microsecond=0)
    reported = offence + draw(
        st.sampled_from([timedelta(0), timedelta(hours=3), timedelta(days=9)])
    )
    # Around the 18th birthday, or anywhere.
    eighteenth = offence.date() - timedelta(days=18 * 365 + 4)
    birth = draw(
        st.one_of(
            st.none(),
            st.integers(-8, 8).map(lambda d: eighteenth + timedelta(days=d)),
            st.dates(min_value=date(1930, 1, 1), max_value=offence.date()),
        )
    )
    words = draw(st.lists(st.sampled_from(GROUND_WORDS), max_size=4))
    return {
        "crime_type": draw(st.sampled_from(["domestic-burglary", "rape"])),
        "hate_element": draw(st.sampled_from(["", "yes", "no", "TRUE", "0"])),
        "occurred_at": draw(st.sampled_from([offence.isoformat(), ""])),
        "reported_at": reported.isoformat(),
        "date_of_birth": birth.isoformat() if birth else "",
        "enhanced_grounds": draw(st.sampled_from([";", " ; "])).join(words),
    }


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=ground_cells())
def test_an_imported_victim_gets_exactly_the_grounds_the_forms_and_the_api_give(
    ground_world, cells
):
    """Derived (crime type, hate element, under 18 at the offence) and recorded (the
    ``enhanced_grounds`` column, ``;``-separated): the same grounds, flags and reasons as
    ``case_create`` gives a report from the online form, staff entry or the API; a row
    with a ground the API's enum does not hold is refused, naming the column."""
    unknown = [
        g.strip()
        for g in cells["enhanced_grounds"].split(";")
        if g.strip() and g.strip() not in EnhancedGround.values
    ]
    if unknown:
        row = RowChecker(force=ground_world, now=timezone.now(), header=list(FIELDS)).check(
            [{**BASE, **cells}[name] for name in FIELDS]
        )
        assert isinstance(row, str)
        assert row.startswith("enhanced_grounds")
        assert repr(unknown[0]) in row
        return
    imported, victim = grounds_both_ways(ground_world, cells)
    assert not isinstance(imported, str), imported
    assert ground_summary(json.loads(imported["enhanced_grounds"])) == ground_summary(
        victim.enhanced_grounds
    )
    assert {g: imported[g] for g in EnhancedGround.values} == {
        g: getattr(victim, g) for g in EnhancedGround.values
    }
