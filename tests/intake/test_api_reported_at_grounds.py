"""POST /api/v1/reports: when the victim reported (every clock starts from it), the enhanced
grounds a records system recorded, and a hate element."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import crime_type_make
from tests.intake.factories import api_body, reporting_world
from victimcare.accounts.services import service_token_create
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent
from victimcare.core.timezones import LONDON
from victimcare.forces.models import CrimeType

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


@pytest.fixture
def token():
    return service_token_create(force=reporting_world(), name="rms")


def post(client, token, body):
    return client.post(
        URL,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def errors_at(response, field):
    assert response.status_code == 422, response.content
    return [e["msg"] for e in response.json()["detail"] if e["loc"][-1] == field]


def test_reported_at_is_when_the_clocks_start(client, token):
    """A report keyed at a front counter on Friday and sent on Monday keeps Friday."""
    friday = "2026-09-04T16:05:00+01:00"
    response = post(client, token, api_body(reported_at=friday, channel="front_counter"))
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.reported_at == datetime(2026, 9, 4, 16, 5, tzinfo=LONDON)
    opening = CaseEvent.objects.get(case=case, kind=EventKind.REPORT_RECORDED)
    assert opening.at == case.reported_at


def test_reported_at_defaults_to_now(client, token):
    before = timezone.now()
    assert post(client, token, api_body()).status_code == 201
    assert before <= Case.objects.get().reported_at <= timezone.now()


def test_reported_at_without_an_offset_is_london_time(client, token):
    assert post(client, token, api_body(reported_at="2026-09-04T16:05:00")).status_code == 201
    assert Case.objects.get().reported_at == datetime(2026, 9, 4, 16, 5, tzinfo=LONDON)


def test_reported_at_within_a_minute_of_skew_is_accepted(client, token):
    soon = (timezone.now() + timedelta(seconds=30)).isoformat()
    assert post(client, token, api_body(reported_at=soon)).status_code == 201


@pytest.mark.parametrize(
    ("rule", "reported_at", "message"),
    [
        ("not in the future", "2999-01-01T00:00:00Z", "future"),
        ("not more than a minute ahead", "in 5 minutes", "future"),
        ("not before the crime", "2026-09-01T10:00:00+01:00", "before the crime"),
        ("not before 2000", "1999-12-31T23:00:00Z", "2000"),
    ],
)
def test_reported_at_rule(client, token, rule, reported_at, message):
    if reported_at == "in 5 minutes":
        reported_at = (timezone.now() + timedelta(minutes=5)).isoformat()
    response = post(client, token, api_body(reported_at=reported_at))
    assert any(message in m for m in errors_at(response, "reported_at")), rule
    assert not Case.objects.exists()


def test_recorded_grounds_are_kept_with_who_sent_them(client, token):
    body = api_body()
    body["victim"]["enhanced_grounds"] = ["intimidated", "persistently_targeted"]
    assert post(client, token, body).status_code == 201
    victim = Case.objects.get().victims.get()
    assert victim.intimidated
    assert victim.persistently_targeted
    assert victim.is_enhanced
    assert {e["by"] for e in victim.enhanced_grounds} == {"records system (rms)"}


def test_an_unknown_ground_is_a_422_and_nothing_is_recorded(client, token):
    body = api_body()
    body["victim"]["enhanced_grounds"] = ["famous"]
    response = post(client, token, body)
    assert response.status_code == 422
    assert "enhanced_grounds" in json.dumps(response.json())
    assert not Case.objects.exists()


def test_a_hate_element_makes_the_victim_a_most_serious_crime_victim(client, token):
    assert post(client, token, api_body(hate_element=True)).status_code == 201
    case = Case.objects.get()
    assert case.hate_element
    assert case.victims.get().most_serious_crime


def test_a_race_hate_crime_recorded_by_api_is_enhanced_without_being_told(client, token):
    crime_type = crime_type_make("race-hate-crime")
    CrimeType.objects.filter(pk=crime_type.pk).update(most_serious_crime=True)
    assert post(client, token, api_body(crime_type="race-hate-crime")).status_code == 201
    assert Case.objects.get().victims.get().is_enhanced


def test_a_child_victim_recorded_by_api_is_vulnerable(client, token):
    body = api_body()
    body["victim"]["date_of_birth"] = "2014-05-01"
    assert post(client, token, body).status_code == 201
    assert Case.objects.get().victims.get().vulnerable


def test_the_openapi_lists_the_grounds_as_an_enum_and_documents_reported_at(client):
    schema = client.get("/api/v1/openapi.json").json()
    text = json.dumps(schema)
    for ground in ("most_serious_crime", "persistently_targeted", "vulnerable", "intimidated"):
        assert ground in text
    report = schema["components"]["schemas"]["ReportIn"]["properties"]
    assert "reported_at" in report
    assert "hate_element" in report
