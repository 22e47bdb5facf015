"""The quick check of a report's answers (the API's path) agrees with the question forms.

``answers_check_quick`` may only say "valid" when ``answers_validate`` does, and must then
give the same cleaned answers and the same crime type and area; for an ordinary valid
report it must say so (or the API loses the time it saves).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import area_make, force_make
from tests.intake.factories import answers_make, api_body, reporting_world
from victimcare.intake._quick_check import answers_check_quick
from victimcare.intake.api import ReportIn, _answers
from victimcare.intake.forms import answers_validate

pytestmark = pytest.mark.django_db


def both(force, answers):
    quick_found, full_found = {}, {}
    quick = answers_check_quick(force=force, answers=answers, found=quick_found)
    cleaned, errors = answers_validate(force=force, answers=answers, found=full_found)
    return quick, quick_found, cleaned, errors, full_found


def assert_agree(force, answers) -> bool:
    """The quick check agrees with the forms; True if it said 'valid'."""
    quick, quick_found, cleaned, errors, full_found = both(force, answers)
    if quick is None:
        return False
    assert errors == {}, f"the quick check passed answers the forms refuse: {errors}"
    assert quick == cleaned
    assert {k: v.pk for k, v in quick_found.items()} == {k: v.pk for k, v in full_found.items()}
    assert quick_found["crime_type"].is_surveyed is full_found["crime_type"].is_surveyed
    return True


VALID = [
    {},
    {"occurred_time": ""},
    {"occurred_time": "9.05"},
    {"date_of_birth": ""},
    {"given_name": "  Ada  ", "summary": "  spaced  "},
    {"postcode": "sw1a 2aa", "address": "1 High Street", "preferred_contact": "letter"},
    {"preferred_contact": "sms"},
    {"preferred_contact": "phone", "email": ""},
    {"phone": "", "phone_is_safe": ""},
    {"phone_is_safe": "no", "preferred_contact": "email"},
    {"wants_visit": "no"},
    {"age_band": "45_54", "sex": "female", "ethnicity": "white", "disability": "no"},
    {"age_band": "under_16", "date_of_birth": ""},
    {"preferred_contact": "sms", "phone": "+44 (0)7700 900123"},
    {"area": "enfield"},
    {"occurred_on": "2026-W35-2"},
    {"occurred_on": "1900-01-01"},
    {"times_to_avoid": "x" * 200},
    {"summary": "x" * 5000},
]

INVALID = [
    {"summary": ""},
    {"summary": "   "},
    {"summary": "x" * 5001},
    {"area": "atlantis"},
    {"area": "bolton"},  # another force's
    {"crime_type": "teleportation"},
    {"crime_type": ""},
    {"email": "", "preferred_contact": "email"},
    {"email": "not an email"},
    {"phone": "not a phone"},
    {"phone_is_safe": ""},
    {"phone_is_safe": "maybe"},
    {"preferred_contact": "sms", "phone_is_safe": "no"},
    {"preferred_contact": "sms", "phone": "020 7946 0123"},  # a landline cannot take texts
    {"age_band": "under_16"},  # born in 1980
    {"preferred_contact": "pigeon"},
    {"preferred_contact": "letter", "postcode": "nowhere", "address": "1 High Street"},
    {"preferred_contact": "letter", "address": ""},
    {"occurred_on": "2999-01-01"},
    {"occurred_on": "1899-12-31"},
    {"occurred_on": ""},
    {"occurred_on": "yesterday"},
    {"occurred_time": "25:00"},
    {"occurred_time": "14:30:00"},
    {"date_of_birth": "2999-01-01"},
    {"date_of_birth": "1800-01-01"},
    {"given_name": "x" * 101},
    {"given_name": ""},
    {"family_name": "  "},
    {"wants_visit": ""},
    {"wants_visit": "perhaps"},
    {"age_band": "ancient"},
    {"postcode": "x" * 11},
    {"summary": None},
    {"wants_visit": True},
]


@pytest.fixture
def force():
    force = reporting_world()
    area_make(force_make("GMP"), "Bolton")
    return force


@pytest.mark.parametrize("change", VALID)
def test_valid_answers_pass_the_quick_check_as_they_pass_the_forms(force, change):
    assert assert_agree(force, answers_make(**change))


@pytest.mark.parametrize("change", INVALID)
def test_invalid_answers_are_left_to_the_forms(force, change):
    answers = answers_make(**change)
    assert not assert_agree(force, answers)
    assert both(force, answers)[3], "the forms refuse these answers"


def test_an_api_report_passes_the_quick_check_in_one_query(force):
    answers = _answers(ReportIn(**api_body()))
    with CaptureQueriesContext(connection) as queries:
        assert answers_check_quick(force=force, answers=answers, found={}) is not None
    assert len(queries) == 1
    assert assert_agree(force, answers)


TEXT = st.one_of(
    st.sampled_from(["", " ", "x" * 101, "x" * 5001, "\t", "é", "0", "yes", "no"]),
    st.text(max_size=12),
)
FIELDS = {
    "crime_type": st.sampled_from(["domestic-burglary", "DOMESTIC-BURGLARY", "", "x"]),
    "area": st.sampled_from(["hackney", "enfield", "bolton", " hackney", ""]),
    "summary": TEXT,
    "occurred_on": st.one_of(
        st.dates().map(lambda d: d.isoformat()), st.sampled_from(["", "2026-13-01", "20260901"])
    ),
    "occurred_time": st.sampled_from(["", "14:30", "9.05", "24:00", " 07:15 ", "1430", "x"]),
    "given_name": TEXT,
    "family_name": TEXT,
    "date_of_birth": st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat())),
    "preferred_contact": st.sampled_from(["email", "sms", "phone", "letter", "", "fax"]),
    "email": st.sampled_from(["", "ada@example.com", "ada@", " ada@example.com ", "x" * 250]),
    "phone": st.sampled_from(
        ["", "07700 900123", "+44 7700 900123", "123", "(0161) 555-0123", "020 7946 0123"]
    ),
    "phone_is_safe": st.sampled_from(["", "yes", "no", "maybe"]),
    "address": st.sampled_from(["", "1 High Street", "x" * 501]),
    "postcode": st.sampled_from(["", "SW1A 2AA", "sw1a2aa", "nowhere", " M1 1AE "]),
    "times_to_avoid": st.sampled_from(["", "evenings", "x" * 201]),
    "wants_visit": st.sampled_from(["yes", "no", "", "maybe"]),
    "age_band": st.sampled_from(["", "25_34", "under_16", "65_plus", "old"]),
    "hate_element": st.sampled_from(["", "yes", "no", "maybe"]),
    "sex": st.sampled_from(["", "female", "x"]),
    "ethnicity": st.sampled_from(["", "mixed", "x"]),
    "disability": st.sampled_from(["", "yes", "x"]),
}


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.fixed_dictionaries({}, optional=FIELDS))
def test_the_quick_check_never_passes_what_the_forms_refuse(force, changes):
    assert_agree(force, answers_make(**changes))
