"""Finding a case: own force only, phone and postcode normalised, terms never in the
address or the audit log, every victim shown audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import case_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.audit.models import AuditRecord
from victimcare.cases.models import Victim
from victimcare.cases.selectors import (
    CaseSearchTerms,
    case_search,
    phone_normalise,
    postcode_normalise,
)
from victimcare.cases.services import VictimDetails

pytestmark = pytest.mark.django_db


def _victim(**kwargs) -> VictimDetails:
    return VictimDetails(
        given_name=kwargs.pop("given_name", "Priya"),
        family_name=kwargs.pop("family_name", "Searchable"),
        date_of_birth=kwargs.pop("date_of_birth", date(1985, 3, 27)),
        email=kwargs.pop("email", "priya@example.com"),
        phone=kwargs.pop("phone", "07700 900456"),
        postcode=kwargs.pop("postcode", "E8 1AB"),
        phone_is_safe=True,
        **kwargs,
    )


@pytest.fixture
def world():
    mps, gmp = force_make("MPS"), force_make("GMP")
    return {
        "mine": case_make(force=mps, victim=_victim()),
        "other": case_make(
            force=mps,
            victim=_victim(
                given_name="Sam",
                family_name="Other",
                date_of_birth=date(1990, 1, 1),
                phone="020 7946 0000",
                postcode="N1 9GU",
                email="sam@example.com",
            ),
        ),
        "elsewhere": case_make(force=gmp, victim=_victim()),
        "handler": staff_make(Role.CALL_HANDLER, force=mps),
    }


NORMALISED_PHONES = [
    ("07700 900456", "07700900456"),
    ("+44 7700 900456", "07700900456"),
    ("+447700900456", "07700900456"),
    ("0044 7700 900456", "07700900456"),
    ("(07700) 900-456", "07700900456"),
]


@pytest.mark.parametrize(("typed", "normalised"), NORMALISED_PHONES)
def test_phone_numbers_are_matched_normalised(typed, normalised):
    assert phone_normalise(typed) == normalised


@pytest.mark.parametrize("typed", ["e81ab", "E8 1AB", " e8  1ab "])
def test_postcodes_are_matched_normalised(typed):
    assert postcode_normalise(typed) == "E81AB"


SEARCH_FINDS = [
    ({"given_name": "priya", "date_of_birth": date(1985, 3, 27)}, "mine"),
    ({"family_name": "SEARCH", "postcode": "e81ab"}, "mine"),
    ({"phone": "+44 7700 900456"}, "mine"),
    ({"phone": "07700900456"}, "mine"),
    ({"email": "PRIYA@example.com"}, "mine"),
    ({"phone": "+44 20 7946 0000"}, "other"),
    ({"given_name": "Priya", "date_of_birth": date(1990, 1, 1)}, None),
]


@pytest.mark.parametrize(("terms", "found"), SEARCH_FINDS)
def test_search_finds_victims_of_the_own_force_only(world, terms, found):
    victims = case_search(user=world["handler"], terms=CaseSearchTerms(**terms))
    expected = [] if found is None else [world[found].reference]
    assert [v.case.reference for v in victims] == expected


def test_reference_search_is_scoped_to_the_own_force(world):
    other_force = world["elsewhere"].reference
    assert case_search(user=world["handler"], terms=CaseSearchTerms(reference=other_force)) == []


def test_roles_without_cases_find_nothing(world):
    analyst = staff_make(Role.ANALYST, force=world["mine"].force)
    terms = CaseSearchTerms(given_name="Priya", date_of_birth=date(1985, 3, 27))
    assert case_search(user=analyst, terms=terms) == []


def test_a_search_is_audited_without_its_terms(client, world):
    client.force_login(world["handler"])
    response = client.post(
        reverse("cases:search"),
        {"given_name": "Priya", "family_name": "Searchable", "date_of_birth": "27/3/1985"},
    )
    assert response.status_code == 200
    assert world["mine"].reference in response.content.decode()
    assert world["elsewhere"].reference not in response.content.decode()
    records = list(AuditRecord.objects.filter(user=world["handler"]))
    assert [r.victim.case_id for r in records] == [world["mine"].pk]
    assert records[0].page == "/cases/search/"


def test_a_search_that_finds_nobody_writes_no_audit_record(client, world):
    client.force_login(world["handler"])
    response = client.post(reverse("cases:search"), {"email": "nobody@example.com"})
    assert response.status_code == 200
    assert not AuditRecord.objects.exists()


SEARCH_FORM_ERRORS = [
    ({}, "Enter a reference, a name, a phone number or an email"),
    ({"given_name": "Priya"}, "Enter a date of birth or a postcode with the name"),
    ({"reference": "X", "date_of_birth": "31/2/1985"}, "Enter a real date of birth"),
]


@pytest.mark.parametrize(("data", "message"), SEARCH_FORM_ERRORS)
def test_search_form_errors(client, world, data, message):
    client.force_login(world["handler"])
    response = client.post(reverse("cases:search"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditRecord.objects.exists()


def test_the_search_form_is_not_a_get_with_terms(client, world):
    client.force_login(world["handler"])
    response = client.get(reverse("cases:search"), {"given_name": "Priya"})
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert not AuditRecord.objects.exists()


# (filters in the address, whose cases are listed)
CASE_LIST_FILTER_RULE = [
    ({}, {"mine", "other"}),
    ({"status": "charged"}, {"other"}),
    ({"enhanced": "on"}, {"mine"}),
    ({"crime_group": "violence"}, set()),
    ({"status": "nonsense"}, {"mine", "other"}),
]


@pytest.mark.parametrize(("query", "listed"), CASE_LIST_FILTER_RULE)
def test_case_list_filter_rule(client, world, query, listed):
    world["other"].status = "charged"
    world["other"].save(update_fields=["status"])
    Victim.objects.filter(case=world["mine"]).update(vulnerable=True)
    client.force_login(world["handler"])
    response = client.get(reverse("core:staff-home"), query)
    assert response.status_code == 200
    shown = {name for name in ("mine", "other") if world[name].reference in response.text}
    assert shown == listed
    assert world["elsewhere"].reference not in response.text
