"""A force's working day: the officer in charge (assign, hand over, team queues, API) and
visits end to end (visit times, booking, one visit status everywhere)."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.care.factories import care_case_make
from tests.factories import area_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.services import service_token_create
from victimcare.care.constants import ObligationStatus, VisitStatus
from victimcare.care.models import Obligation, Visit, VisitSlot
from victimcare.care.selectors import case_visit_states, compliance, team_queue
from victimcare.care.services.errors import CareError
from victimcare.care.services.officers import case_officer_assign
from victimcare.care.services.visits import (
    visit_answer_record,
    visit_booking_cancel,
    visit_outcome_record,
    visit_slot_book,
    visit_slot_create,
    visit_slots_demo_create,
    visit_slots_weekly_create,
)
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent, Victim
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def force():
    return force_make()


@pytest.fixture
def team(force):
    return Team.objects.create(
        force=force, area=area_make(force), code="hackney-cid", name="Hackney investigation team"
    )


def recent_case(force, team, **kwargs):
    return care_case_make(
        force=force, area=team.area, reported_at=timezone.now() - timedelta(hours=2), **kwargs
    )


# --- the officer in charge ----------------------------------------------------------------


def test_assigning_records_the_event_and_the_open_obligations_follow(force, team):
    case = recent_case(force, team)
    officer = staff_make(Role.OFFICER, force=force, team=team, last_name="Jones")
    event = case_officer_assign(case=case, officer=officer, by=None, note="Call after 6pm")
    case.refresh_from_db()
    assert case.officer_in_charge == officer
    assert event.kind == EventKind.OFFICER_ASSIGNED
    assert event.detail["officer"] == officer.username
    assert event.detail["note"] == "Call after 6pm"
    assert "PC Jones" in event.victim_text
    open_ = Obligation.objects.filter(case=case, status=ObligationStatus.OPEN)
    assert open_.exists()
    assert set(open_.values_list("officer_id", flat=True)) == {officer.pk}


def test_a_hand_over_keeps_who_had_it(force, team):
    case = recent_case(force, team)
    first = staff_make(Role.OFFICER, force=force, team=team)
    second = staff_make(Role.OFFICER, force=force, team=team)
    case_officer_assign(case=case, officer=first, by=None)
    event = case_officer_assign(case=case, officer=second, by=None, note="Handing over")
    assert event.detail["previous_officer"] == first.username


def _other_force_officer(force):
    return staff_make(Role.OFFICER, force=force_make("GMP", "GMP"))


def _inactive_officer(force):
    officer = staff_make(Role.OFFICER, force=force)
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    return officer


def _call_handler(force):
    return staff_make(Role.CALL_HANDLER, force=force)


@pytest.mark.parametrize(
    "who", [_other_force_officer, _inactive_officer, _call_handler], ids=lambda f: f.__name__
)
def test_only_an_active_officer_of_the_force_can_be_put_in_charge(force, team, who):
    case = recent_case(force, team)
    with pytest.raises(CareError) as raised:
        case_officer_assign(case=case, officer=who(force), by=None)
    assert raised.value.field == "officer"
    case.refresh_from_db()
    assert case.officer_in_charge is None
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.OFFICER_ASSIGNED).exists()


def test_the_team_queue_holds_unassigned_cases_oldest_first(force, team):
    newer = recent_case(force, team)
    older = care_case_make(
        force=force, area=team.area, reported_at=timezone.now() - timedelta(days=3)
    )
    taken = recent_case(force, team)
    case_officer_assign(case=taken, officer=staff_make(Role.OFFICER, force=force), by=None)
    assert list(team_queue(team=team)) == [older, newer]


def test_a_supervisor_assigns_from_the_case_page(client, force, team):
    case = recent_case(force, team)
    officer = staff_make(Role.OFFICER, force=force, team=team, last_name="Jones")
    client.force_login(staff_make(Role.SUPERVISOR, force=force))
    url = reverse("care:case-officer", kwargs={"reference": case.reference})
    response = client.post(url, {"officer": officer.username, "note": "Over to you"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.officer_in_charge == officer


def test_an_officer_takes_an_unassigned_case_of_their_team_but_assigns_nobody_else(
    client, force, team
):
    case = recent_case(force, team)
    me = staff_make(Role.OFFICER, force=force, team=team)
    colleague = staff_make(Role.OFFICER, force=force, team=team)
    client.force_login(me)
    url = reverse("care:case-officer", kwargs={"reference": case.reference})
    refused = client.post(url, {"officer": colleague.username})
    assert refused.status_code == 400
    case.refresh_from_db()
    assert case.officer_in_charge is None
    assert client.post(url, {"officer": me.username}).status_code == 302
    case.refresh_from_db()
    assert case.officer_in_charge == me
    # Once it is someone's, an officer cannot take it over.
    client.force_login(colleague)
    assert client.get(url).status_code == 302


def test_an_empty_choice_is_a_form_error(client, force, team):
    case = recent_case(force, team)
    client.force_login(staff_make(Role.SUPERVISOR, force=force))
    url = reverse("care:case-officer", kwargs={"reference": case.reference})
    response = client.post(url, {"officer": ""})
    assert response.status_code == 400
    assert "Choose the officer to put in charge" in response.content.decode()


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def auth(force):
    return {"HTTP_AUTHORIZATION": f"Bearer {service_token_create(force=force, name='rms')}"}


def test_the_api_assigns_an_officer_and_the_summary_names_them(client, force, team, auth):
    case = recent_case(force, team, enhanced=True)
    officer = staff_make(Role.OFFICER, force=force, team=team)
    summary_url = reverse("api-v1:case-summary", kwargs={"reference": case.reference})
    before = client.get(summary_url, **auth).json()
    assert before["officer_in_charge"] is None
    assert before["team"] == team.code
    body = {
        "type": "officer_assigned",
        "at": timezone.now().isoformat(),
        "officer": officer.username,
    }
    url = reverse("api-v1:case-events", kwargs={"reference": case.reference})
    response = client.post(url, body, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    after = client.get(summary_url, **auth).json()
    assert after == {
        "reference": case.reference,
        "status": case.status,
        "crime_type": case.crime_type.code,
        "area": team.area.code,
        "reported_at": after["reported_at"],
        "enhanced": True,
        "officer_in_charge": officer.username,
        "team": team.code,
    }


@pytest.mark.parametrize(
    ("why", "officer"),
    [("unknown", "nobody.at.all"), ("other force", "OTHER"), ("missing", None)],
)
def test_an_unknown_or_other_force_officer_is_a_422_naming_the_field(
    client, force, team, auth, why, officer
):
    case = recent_case(force, team)
    if officer == "OTHER":
        officer = _other_force_officer(force).username
    body = {"type": "officer_assigned", "at": timezone.now().isoformat()}
    if officer:
        body["officer"] = officer
    url = reverse("api-v1:case-events", kwargs={"reference": case.reference})
    response = client.post(url, body, content_type="application/json", **auth)
    assert response.status_code == 422, why
    assert ["body", "payload", "officer"] in [e["loc"] for e in response.json()["detail"]]
    case.refresh_from_db()
    assert case.officer_in_charge is None


def test_visit_slots_lists_free_times_and_refuses_an_unknown_area(client, force, team, auth):
    soon = timezone.now() + timedelta(days=2)
    free = visit_slot_create(area=team.area, starts_at=soon)
    full = visit_slot_create(area=team.area, starts_at=soon + timedelta(hours=2))
    visit_slot_book(victim=Victim.objects.get(case=recent_case(force, team)), slot=full)
    url = reverse("api-v1:visit-slots")
    rows = client.get(url, {"area": team.area.code}, **auth).json()
    assert [r["id"] for r in rows] == [free.pk]
    assert rows[0]["free"] == 1
    unknown = client.get(url, {"area": "atlantis"}, **auth)
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["query", "area"]


def test_the_openapi_documents_the_new_operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    summary = spec["paths"]["/api/v1/cases/{reference}"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(summary)
    slots = spec["paths"]["/api/v1/visit-slots"]["get"]["responses"]
    assert {"200", "401", "403", "422"} <= set(slots)


# --- visit times and the one visit status ---------------------------------------------------


def test_a_weekly_pattern_makes_one_time_a_week_and_is_not_repeated(force, team):
    first = timezone.localdate(timezone=LONDON) + timedelta(days=1)
    made = visit_slots_weekly_create(
        area=team.area,
        weekday=2,
        start=time(10),
        minutes=45,
        capacity=3,
        first_day=first,
        last_day=first + timedelta(days=27),
    )
    assert len(made) == 4
    assert {timezone.localtime(s.starts_at, LONDON).weekday() for s in made} == {2}
    assert {(s.ends_at - s.starts_at) for s in made} == {timedelta(minutes=45)}
    again = visit_slots_weekly_create(
        area=team.area,
        weekday=2,
        start=time(10),
        minutes=45,
        capacity=3,
        first_day=first,
        last_day=first + timedelta(days=27),
    )
    assert again == []


def test_capacity_is_honoured_when_booking(force, team):
    slot = visit_slot_create(area=team.area, starts_at=timezone.now() + timedelta(days=1))
    visit_slot_book(victim=Victim.objects.get(case=recent_case(force, team)), slot=slot)
    with pytest.raises(CareError):
        visit_slot_book(victim=Victim.objects.get(case=recent_case(force, team)), slot=slot)


def test_a_supervisor_adds_a_weekly_pattern_on_the_visit_times_page(client, force, team):
    client.force_login(staff_make(Role.SUPERVISOR, force=force))
    first = timezone.localdate(timezone=LONDON) + timedelta(days=1)
    response = client.post(
        reverse("care:visit-times"),
        {
            "area": team.area.code,
            "repeat": "0",
            "first_day": first.isoformat(),
            "last_day": (first + timedelta(days=13)).isoformat(),
            "start": "14:00",
            "minutes": "60",
            "capacity": "2",
        },
    )
    assert response.status_code == 302
    assert VisitSlot.objects.filter(area=team.area, capacity=2).count() == 2


def test_a_past_date_is_a_form_error_and_nothing_is_made(client, force, team):
    client.force_login(staff_make(Role.SUPERVISOR, force=force))
    response = client.post(
        reverse("care:visit-times"),
        {
            "area": team.area.code,
            "first_day": "2020-01-01",
            "start": "10:00",
            "minutes": "60",
            "capacity": "1",
        },
    )
    assert response.status_code == 400
    assert "The date must be in the future" in response.content.decode()
    assert not VisitSlot.objects.exists()


def _compliance_visits(force, user):
    from victimcare.care.selectors import ComplianceFilter

    today = timezone.localdate(timezone=LONDON)
    filters = ComplianceFilter(force_id=force.pk, start=today - timedelta(days=30), end=today)
    return compliance(user=user, filters=filters).visits


def test_after_a_victim_says_yes_the_case_the_visit_page_and_compliance_agree(client, force, team):
    case = recent_case(force, team)
    victim = Victim.objects.get(case=case)
    visit_answer_record(case=case, wants_visit=True, at=case.reported_at)
    supervisor = staff_make(Role.SUPERVISOR, force=force)
    [(_, state)] = case_visit_states(case=case)
    assert state.code == "wanted"
    client.force_login(supervisor)
    visit_page = client.get(reverse("care:visit", kwargs={"reference": case.reference}))
    case_page = client.get(case.get_absolute_url())
    for page in (visit_page, case_page):
        assert 'data-visit-status="wanted"' in page.content.decode()
    assert _compliance_visits(force, supervisor) == {"offered": 1, "accepted": 1, "done": 0}
    slot = visit_slot_create(area=team.area, starts_at=timezone.now() + timedelta(days=1))
    visit_slot_book(victim=victim, slot=slot)
    visit_outcome_record(case=case, victim=victim, by=supervisor, done=True)
    [(_, state)] = case_visit_states(case=case)
    assert state.code == "done"
    assert _compliance_visits(force, supervisor) == {"offered": 1, "accepted": 1, "done": 1}


def test_cancelling_a_booking_frees_the_time(force, team):
    case = recent_case(force, team)
    victim = Victim.objects.get(case=case)
    slot = visit_slot_create(area=team.area, starts_at=timezone.now() + timedelta(days=1))
    visit_slot_book(victim=victim, slot=slot)
    visit_booking_cancel(victim=victim)
    visit = Visit.objects.get(victim=victim)
    assert (visit.status, visit.slot) == (VisitStatus.OFFERED, None)
    other = Victim.objects.get(case=recent_case(force, team))
    assert visit_slot_book(victim=other, slot=slot).slot == slot


def test_the_demo_world_has_visit_times_for_four_weeks_in_every_area(force):
    areas = [area_make(force, "Camden"), area_make(force, "Hackney")]
    today = date(2026, 12, 2)
    visit_slots_demo_create(areas=areas, today=today)
    for area in areas:
        days = {
            timezone.localtime(s.starts_at, LONDON).date()
            for s in VisitSlot.objects.filter(area=area)
        }
        assert min(days) > today
        assert max(days) >= today + timedelta(days=26)
        assert len(days) == 20  # every weekday of four weeks
