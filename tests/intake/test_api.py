"""POST /api/v1/reports: token auth, idempotency, 422 per field, 4xx never 500."""

import json

import pytest

from tests.factories import force_make, staff_make
from tests.intake.factories import api_body, reporting_world
from victimcare.accounts.constants import Role
from victimcare.accounts.services import service_token_create
from victimcare.cases.models import Case
from victimcare.intake.models import ExternalReference

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


@pytest.fixture
def token():
    return service_token_create(force=reporting_world(), name="rms")


def post(client, token, body, **headers):
    return client.post(
        URL,
        data=json.dumps(body) if not isinstance(body, str | bytes) else body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def test_a_records_system_report_is_created_with_201_and_a_reference(client, token):
    response = post(client, token, api_body())
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert response.json() == {
        "reference": case.reference,
        "case_url": f"http://testserver/cases/{case.reference}/",
    }
    assert case.channel == "records_system"


def test_a_retry_with_the_same_key_returns_the_same_case_and_creates_nothing(client, token):
    first = post(client, token, api_body(), **{"Idempotency-Key": "abc-1"})
    second = post(client, token, api_body(), **{"Idempotency-Key": "abc-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_409(client, token):
    post(client, token, api_body(), **{"Idempotency-Key": "abc-2"})
    response = post(
        client, token, api_body(summary="Something else"), **{"Idempotency-Key": "abc-2"}
    )
    assert response.status_code == 409
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        (api_body(area="atlantis"), ["body", "payload", "area"], "Select a borough"),
        (api_body(summary=""), ["body", "payload", "summary"], "at least 1"),
        (
            api_body(victim={"given_name": "A", "family_name": "B", "preferred_contact": "email"}),
            ["body", "payload", "victim", "email"],
            "Enter your email address",
        ),
        (api_body(occurred_at="2999-01-01T00:00:00Z"), ["body", "payload", "occurred_at"], "past"),
    ],
)
def test_invalid_input_is_a_422_naming_the_field(client, token, body, loc, message):
    response = post(client, token, body)
    assert response.status_code == 422, response.content
    errors = response.json()["detail"]
    assert any(e["loc"] == loc and message in e["msg"] for e in errors), errors


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        b"\xff\xfe",
        "[]",
        "null",
        json.dumps({"a": 1}),
        json.dumps(api_body(summary="a\x00b")),
    ],
)
def test_malformed_bodies_are_4xx(client, token, body):
    assert 400 <= post(client, token, body).status_code < 500


def test_an_oversized_body_is_4xx(client, token):
    response = post(client, token, api_body(summary="x" * 3_000_000))
    assert 400 <= response.status_code < 500


def test_a_bad_token_is_401_and_a_staff_session_needs_the_capability(client, token):
    assert post(client, "vc_nope_nope", api_body()).status_code == 401
    force = force_make("MPS")
    client.force_login(staff_make(Role.ANALYST, force=force))
    assert client.post(URL, data=api_body(), content_type="application/json").status_code == 403
    client.force_login(staff_make(Role.CALL_HANDLER, force=force))
    assert client.post(URL, data=api_body(), content_type="application/json").status_code == 201


def test_an_external_reference_is_stored_and_a_second_case_for_it_refused(client, token):
    body = api_body(external_reference={"system": "rms", "id": "CRIS-1"})
    assert post(client, token, body).status_code == 201
    assert ExternalReference.objects.get().external_id == "CRIS-1"
    response = post(client, token, body)
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
