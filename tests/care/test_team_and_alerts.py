"""Supervisors: the team view (each officer's open, due and overdue obligations), breach
alerts on the home page, and the daily digest by email (counts only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.care.factories import care_case_make
from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.care.models import Obligation
from victimcare.care.selectors import team_workload
from victimcare.care.services import obligations_mark_breached
from victimcare.care.services.digest import breach_digest_send
from victimcare.forces.models import Team
from victimcare.notifications.constants import Purpose
from victimcare.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mps, gmp = force_make("MPS"), force_make("GMP")
    red = Team.objects.create(force=mps, code="red", name="Red team")
    ann = staff_make(Role.OFFICER, force=mps, team=red, first_name="Ann", last_name="Able")
    bob = staff_make(Role.OFFICER, force=mps, team=red, first_name="Bob", last_name="Baker")
    now = timezone.now()
    case = care_case_make(force=mps, reported_at=now, officer_in_charge=ann)
    rows = list(Obligation.objects.filter(case=case).order_by("id"))
    Obligation.objects.filter(case=case).update(due_at=now + timedelta(days=30))
    Obligation.objects.filter(pk=rows[0].pk).update(due_at=now - timedelta(hours=1))
    Obligation.objects.filter(pk=rows[1].pk).update(due_at=now + timedelta(days=2))
    supervisor = staff_make(
        Role.SUPERVISOR, force=mps, team=red, email="sup@example.com", username="sup.red"
    )
    return {
        "mps": mps,
        "red": red,
        "ann": ann,
        "bob": bob,
        "case": case,
        "open": len(rows),
        "supervisor": supervisor,
        "stranger": staff_make(Role.SUPERVISOR, force=gmp),
    }


def test_the_team_view_counts_each_officers_open_due_and_overdue(world):
    loads = team_workload(user=world["supervisor"], team_id=world["red"].pk)
    counts = {load.officer.pk: (load.open, load.due, load.overdue) for load in loads}
    assert counts == {
        world["ann"].pk: (world["open"], 1, 1),
        world["bob"].pk: (0, 0, 0),
        world["supervisor"].pk: (0, 0, 0),
    }


def test_another_forces_supervisor_sees_no_team(world):
    assert team_workload(user=world["stranger"], team_id=world["red"].pk) == []


def test_the_team_page_links_each_officer_to_their_filtered_worklist(client, world):
    client.force_login(world["supervisor"])
    response = client.get("/team/")
    assert response.status_code == 200
    assert f"/worklist/?officer={world['ann'].pk}" in response.text
    assert "Bob Baker" in response.text
    client.force_login(world["stranger"])
    assert client.get("/team/", {"team": world["red"].pk}).status_code == 404


def test_breach_alerts_show_on_the_supervisors_home_page(client, world):
    assert obligations_mark_breached() == 1
    client.force_login(world["supervisor"])
    page = client.get("/staff/").text
    assert "Breach alerts" in page
    assert world["case"].reference in page
    client.force_login(world["ann"])
    assert "Breach alerts" not in client.get("/staff/").text


def test_the_daily_digest_emails_supervisors_counts_once_a_day(world):
    obligations_mark_breached()
    assert breach_digest_send() == 1
    assert breach_digest_send() == 1  # the same day: the same message, not a second one
    (digest,) = Notification.objects.filter(purpose=Purpose.BREACH_DIGEST)
    assert digest.recipient == "sup@example.com"
    assert "1 Victims' Code deadlines were missed in your team" in digest.body
    assert world["case"].reference not in digest.body
    assert "Ada" not in digest.body


def test_no_digest_when_nothing_was_missed(world):
    assert breach_digest_send() == 0
    assert not Notification.objects.filter(purpose=Purpose.BREACH_DIGEST).exists()
