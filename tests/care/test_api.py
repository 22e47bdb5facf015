"""The obligations API: due times for a case created through the service layer, events
recorded with checks, retries recorded once, other forces' cases invisible."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.care.factories import care_case_make, london
from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.services import service_token_create
from victimcare.care.models import Obligation
from victimcare.cases.models import CaseEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def mps():
    return force_make("MPS", "Metropolitan Police Service")


@pytest.fixture
def token(mps):
    return service_token_create(force=mps, name="rms")


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def obligations_url(case):
    return f"/api/v1/cases/{case.reference}/obligations"


def events_url(case):
    return f"/api/v1/cases/{case.reference}/events"


def test_obligations_have_due_times_in_london_with_their_offset(client, mps, token):
    case = care_case_make(force=mps, reported_at=london(2027, 3, 25, 15, 0))
    response = client.get(obligations_url(case), **auth(token))
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert by_code["support_referral"]["due_at"] == "2027-03-31T23:59:59+01:00"
    assert by_code["support_referral"]["status"] == "open"
    assert by_code["support_referral"]["met_at"] is None
    assert by_code["written_information"]["title"].startswith("Send written information")
    assert set(by_code) == {
        "written_information",
        "support_referral",
        "needs_assessment",
        "investigation_update",
        "compensation_information",
    }


def test_a_decision_posted_to_the_api_starts_its_clock(client, mps, token):
    reported = timezone.now() - timedelta(days=2)
    case = care_case_make(force=mps, reported_at=reported)
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    response = client.post(
        events_url(case),
        {"type": "decision", "outcome": "charge", "at": at},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 201, response.content
    codes = set(Obligation.objects.filter(case=case).values_list("code", flat=True))
    assert {"decision_update", "vps_offer"} <= codes
    rows = client.get(obligations_url(case), **auth(token)).json()
    assert any(r["code"] == "vps_offer" for r in rows)


def test_a_retried_event_is_recorded_once(client, mps, token):
    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    body = {"type": "contact_made", "at": timezone.now().isoformat(), "victim_text": "Hello"}
    first = client.post(
        events_url(case),
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
        **auth(token),
    )
    second = client.post(
        events_url(case),
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
        **auth(token),
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    by_id = {**body, "id": "evt-77"}
    third = client.post(events_url(case), by_id, content_type="application/json", **auth(token))
    fourth = client.post(events_url(case), by_id, content_type="application/json", **auth(token))
    assert (third.status_code, fourth.status_code) == (201, 200)
    assert CaseEvent.objects.filter(case=case, kind="contact_made").count() == 2


BAD = [
    ("an unknown type", {"type": "teleported"}, "type"),
    ("an unknown outcome", {"type": "decision", "outcome": "acquitted-by-magic"}, "outcome"),
    ("a decision without an outcome", {"type": "decision"}, "outcome"),
    ("before the report", {"type": "contact_made", "at": "2020-01-01T10:00:00+00:00"}, "at"),
    ("in the future", {"type": "contact_made", "at": "2099-01-01T10:00:00+00:00"}, "at"),
    ("without an offset", {"type": "contact_made", "at": "2026-01-01T10:00:00"}, "at"),
    ("a report through this route", {"type": "report_recorded"}, "type"),
    ("covers that is not a list", {"type": "contact_made", "covers": "vrr"}, None),
]


@pytest.mark.parametrize(("why", "body", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_events_get_a_clear_4xx_and_nothing_is_recorded(client, mps, token, why, body, field):
    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    before = CaseEvent.objects.filter(case=case).count()
    body = {"at": timezone.now().isoformat(), **body}
    response = client.post(events_url(case), body, content_type="application/json", **auth(token))
    assert 400 <= response.status_code < 500, response.content
    if field and response.status_code == 400:
        assert response.json()["field"] == field
        assert response.json()["detail"]
    assert CaseEvent.objects.filter(case=case).count() == before


def test_another_forces_case_is_not_found(client, mps, token):
    other = care_case_make(force=force_make("GMP", "Greater Manchester Police"))
    assert client.get(obligations_url(other), **auth(token)).status_code == 404
    response = client.post(
        events_url(other),
        {"type": "contact_made", "at": timezone.now().isoformat()},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 404
    assert not CaseEvent.objects.filter(case=other, kind="contact_made").exists()


def test_staff_sessions_need_the_right_role(client, mps):
    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    client.force_login(staff_make(Role.ANALYST, force=mps))
    assert client.get(obligations_url(case)).status_code == 403
    client.force_login(staff_make(Role.CALL_HANDLER, force=mps))
    assert client.get(obligations_url(case)).status_code == 200
    body = {"type": "contact_made", "at": timezone.now().isoformat()}
    assert client.post(events_url(case), body, content_type="application/json").status_code == 403
    client.force_login(staff_make(Role.OFFICER, force=mps))
    assert client.post(events_url(case), body, content_type="application/json").status_code == 201


# --- every field of an event typed and checked -------------------------------------------

VICTIM_TEXT_LIMIT = 2000

# (why, body, where the 422 points): each refused before anything is recorded.
BAD_DETAIL = [
    ("a victim id that is not a number", {"detail": {"victim_id": "xx"}}, "victim_id"),
    ("a victim id below 1", {"detail": {"victim_id": 0}}, "victim_id"),
    ("a victim id too large for the database", {"victim_id": 2**64}, "victim_id"),
    ("a victim of no case", {"detail": {"victim_id": 999_999}}, "victim_id"),
    ("covers that is not a list", {"detail": {"covers": "vrr_information"}}, "covers"),
    ("covers with a number in it", {"covers": [1]}, "covers"),
    ("covers with an unknown code", {"covers": ["teleport_offer"]}, "covers"),
    ("covers with too many codes", {"covers": ["vps_offer"] * 21}, "covers"),
    ("an unknown key in detail", {"detail": {"mood": "grumpy"}}, "mood"),
    ("an unknown key at the top", {"mood": "grumpy"}, "mood"),
    ("an outcome on a contact", {"detail": {"outcome": "charge"}}, "outcome"),
    ("a status on a contact", {"detail": {"status": "closed"}}, "status"),
    (
        "a decision whose outcomes differ",
        {"type": "decision", "outcome": "charge", "detail": {"outcome": "caution"}},
        "outcome",
    ),
    (
        "a status that is no status",
        {"type": "status_changed", "detail": {"status": "gone"}},
        "status",
    ),
    ("detail that is a list", {"detail": ["victim_id", 1]}, "detail"),
    ("a type that is not a string", {"type": 7}, "type"),
    (
        "an update too long for the victim",
        {"victim_text": "x" * (VICTIM_TEXT_LIMIT + 1)},
        "victim_text",
    ),
    ("an update with a control character", {"victim_text": "Hello\x07"}, "victim_text"),
    ("an event id with a control character", {"id": "rms\x1b-1"}, "id"),
    ("an event id too long", {"id": "k" * 201}, "id"),
]


@pytest.mark.parametrize(("why", "body", "where"), BAD_DETAIL, ids=[b[0] for b in BAD_DETAIL])
def test_every_field_of_an_event_is_typed_and_a_bad_one_is_a_422_naming_it(
    client, mps, token, why, body, where
):
    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    before = CaseEvent.objects.filter(case=case).count()
    body = {"type": "contact_made", "at": timezone.now().isoformat(), **body}
    response = client.post(events_url(case), body, content_type="application/json", **auth(token))
    assert response.status_code == 422, (why, response.content)
    problems = response.json()["detail"]
    assert any(where in problem["loc"] for problem in problems), problems
    assert all(problem["msg"] for problem in problems)
    assert CaseEvent.objects.filter(case=case).count() == before


def test_a_victim_of_another_case_is_refused(client, mps, token):
    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    other = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    body = {
        "type": "visit_offered",
        "at": timezone.now().isoformat(),
        "detail": {"victim_id": other.victims.get().pk},
    }
    response = client.post(events_url(case), body, content_type="application/json", **auth(token))
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "No victim with that id on this case"


def test_a_2_4_megabyte_update_is_refused_and_the_victim_never_sees_it(client, mps, token):
    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    body = {
        "type": "contact_made",
        "at": timezone.now().isoformat(),
        "victim_text": "x" * 2_400_000,
    }
    response = client.post(events_url(case), body, content_type="application/json", **auth(token))
    assert response.status_code == 422
    assert not CaseEvent.objects.filter(case=case, kind="contact_made").exists()


def test_the_service_refuses_an_update_longer_than_the_victim_text_limit(mps):
    """The limit holds for every way in (the staff page, the API, a command), not only
    the API's schema."""
    from victimcare.care.services.errors import CareError
    from victimcare.care.services.events import care_event_record

    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    with pytest.raises(CareError, match="2,000 characters or fewer") as caught:
        care_event_record(
            case=case,
            kind="contact_made",
            at=timezone.now(),
            victim_text="x" * (VICTIM_TEXT_LIMIT + 1),
        )
    assert caught.value.field == "victim_text"


@pytest.mark.parametrize(
    ("why", "body"),
    [
        ("a victim of the case and an obligation code", {"covers": ["vps_offer"]}),
        (
            "the same outcome twice",
            {"type": "decision", "outcome": "charge", "detail": {"outcome": "charge"}},
        ),
        (
            "a status change with its status",
            {"type": "status_changed", "detail": {"status": "closed"}},
        ),
        ("an update of exactly the limit", {"victim_text": "x" * VICTIM_TEXT_LIMIT}),
    ],
)
def test_well_typed_events_are_recorded(client, mps, token, why, body):
    case = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    victim = case.victims.get()
    body = {
        "type": "contact_made",
        "at": timezone.now().isoformat(),
        "detail": {"victim_id": victim.pk, **body.pop("detail", {})},
        **body,
    }
    response = client.post(events_url(case), body, content_type="application/json", **auth(token))
    assert response.status_code == 201, (why, response.content)
    event = CaseEvent.objects.get(pk=response.json()["id"])
    assert event.detail["victim_id"] == victim.pk


def test_an_idempotency_key_used_for_another_case_is_a_409(client, mps, token):
    first = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    second = care_case_make(force=mps, reported_at=timezone.now() - timedelta(days=1))
    body = {"type": "contact_made", "at": timezone.now().isoformat(), "id": "rms-42"}
    post = lambda case: client.post(  # noqa: E731 (a one-line helper)
        events_url(case), body, content_type="application/json", **auth(token)
    )
    assert post(first).status_code == 201
    assert post(second).status_code == 409
