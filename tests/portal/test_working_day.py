"""Track my case on a working day: the victim is told who their message went to, sees
their officer, and chooses, moves or cancels a visit time."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import area_make, case_make, force_make, staff_make
from tests.portal.steps import sign_in
from victimcare.accounts.constants import Role
from victimcare.care.constants import VisitStatus
from victimcare.care.models import Visit
from victimcare.care.services.officers import case_officer_assign
from victimcare.care.services.visits import visit_slot_create
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent, Victim
from victimcare.forces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def force():
    return force_make("MPS", "Metropolitan Police Service")


@pytest.fixture
def area(force):
    return area_make(force, "Hackney")


@pytest.fixture
def case(force, area):
    Team.objects.create(force=force, area=area, code="hackney-cid", name="Hackney investigation")
    return case_make(force=force, area=area, reported_at=timezone.now() - timedelta(hours=3))


def send(client, body="Is there any news?"):
    return client.post(reverse("portal:message-send"), {"body": body}, follow=True)


# Where a victim's message goes, and what they are told: never "the officer" when there is none.
MESSAGE_GOES_TO = [
    ("assigned", "Your message was sent to PC Jones."),
    (
        "unassigned",
        "Your message was sent to the Hackney investigation team; an officer will be named soon.",
    ),
]


@pytest.mark.parametrize(("who", "told"), MESSAGE_GOES_TO)
def test_the_victim_is_told_who_their_message_went_to(client, case, mailoutbox, who, told):
    if who == "assigned":
        officer = staff_make(Role.OFFICER, force=case.force, last_name="Jones")
        case_officer_assign(case=case, officer=officer, by=None)
    sign_in(client, case, mailoutbox)
    page = send(client).content.decode()
    assert told in page
    assert "sent to the officer" not in page.lower()
    event = CaseEvent.objects.filter(case=case, kind=EventKind.MESSAGE_FROM_VICTIM).get()
    if who == "assigned":
        assert event.detail["to_officer"] == officer.username
    else:
        assert event.detail["to_team"] == "hackney-cid"


def test_the_victim_sees_their_officer_and_how_to_reach_them(client, case, mailoutbox):
    officer = staff_make(
        Role.OFFICER,
        force=case.force,
        first_name="Sam",
        last_name="Jones",
        contact_route="101, ask for PC Jones",
    )
    case_officer_assign(case=case, officer=officer, by=None)
    sign_in(client, case, mailoutbox)
    page = client.get(reverse("portal:case")).content.decode()
    assert "Sam Jones" in page
    assert "101, ask for PC Jones" in page
    card = client.get(reverse("portal:care-card")).content.decode()
    assert "Sam Jones" in card


def test_the_victim_books_moves_and_cancels_a_visit_time(client, case, area, mailoutbox):
    victim = Victim.objects.get(case=case)
    first = visit_slot_create(area=area, starts_at=timezone.now() + timedelta(days=2))
    second = visit_slot_create(area=area, starts_at=timezone.now() + timedelta(days=3))
    sign_in(client, case, mailoutbox)
    assert 'data-visit-status="not_offered"' in client.get(reverse("portal:case")).content.decode()
    url = reverse("portal:visit")
    assert client.post(url, {"action": "book", "slot": first.pk}).status_code == 302
    assert Visit.objects.get(victim=victim).slot == first
    page = client.get(reverse("portal:case")).content.decode()
    assert 'data-visit-status="booked"' in page
    assert "Your visit is booked for" in page
    client.post(url, {"action": "book", "slot": second.pk})
    assert Visit.objects.get(victim=victim).slot == second
    client.post(url, {"action": "cancel"})
    visit = Visit.objects.get(victim=victim)
    assert (visit.status, visit.slot) == (VisitStatus.OFFERED, None)


def test_no_time_chosen_is_a_clear_error(client, case, area, mailoutbox):
    visit_slot_create(area=area, starts_at=timezone.now() + timedelta(days=2))
    sign_in(client, case, mailoutbox)
    response = client.post(reverse("portal:visit"), {"action": "book"})
    assert response.status_code == 400
    assert "Choose a visit time" in response.content.decode()
    assert not Visit.objects.exists()
