"""The worklist shows what is overdue or due soon (not months of history), for the user,
an officer or a team of their own force, narrowed by filters that are not personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.care.factories import care_case_make
from tests.factories import crime_type_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.care.models import Obligation
from victimcare.care.selectors import WORKLIST_DAYS_AHEAD, WorklistFilter, worklist_filtered
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mps, gmp = force_make("MPS"), force_make("GMP")
    red = Team.objects.create(force=mps, code="red", name="Red team")
    blue = Team.objects.create(force=mps, code="blue", name="Blue team")
    ann = staff_make(Role.OFFICER, force=mps, team=red)
    bob = staff_make(Role.OFFICER, force=mps, team=blue)
    now = timezone.now()
    violence = crime_type_make("assault")
    violence.survey_group = SurveyGroup.VIOLENCE
    violence.save()
    cases = {
        "ann-plain": care_case_make(force=mps, reported_at=now, officer_in_charge=ann),
        "ann-enhanced": care_case_make(
            force=mps, reported_at=now, officer_in_charge=ann, enhanced=True
        ),
        "bob-violence": care_case_make(
            force=mps, reported_at=now, officer_in_charge=bob, crime_type=violence
        ),
    }
    # One obligation a case, due as the test needs: the rest are moved out of the window.
    Obligation.objects.update(due_at=now + timedelta(days=WORKLIST_DAYS_AHEAD + 30))
    for name, days in (("ann-plain", -2), ("ann-enhanced", 3), ("bob-violence", 5)):
        first = Obligation.objects.filter(case=cases[name]).order_by("id").first()
        Obligation.objects.filter(pk=first.pk).update(due_at=now + timedelta(days=days))
    cases["bob-violence"].status = "charged"
    cases["bob-violence"].save(update_fields=["status"])
    return {
        "mps": mps,
        "gmp": gmp,
        "red": red,
        "blue": blue,
        "ann": ann,
        "bob": bob,
        "supervisor": staff_make(Role.SUPERVISOR, force=mps),
        "stranger": staff_make(Role.OFFICER, force=gmp),
        **cases,
    }


def _shown(world, user, **filters) -> set[str]:
    resolved = {
        key: world[value].pk if key in {"officer_id", "team_id"} else value
        for key, value in filters.items()
    }
    rows = worklist_filtered(user=world[user], filters=WorklistFilter(**resolved))
    names = {world[name].pk: name for name in ("ann-plain", "ann-enhanced", "bob-violence")}
    return {names[row.case_id] for row in rows}


# (who looks, filters, cases whose obligations are shown)
WORKLIST_FILTER_RULE = [
    ("ann", {}, {"ann-plain", "ann-enhanced"}),
    ("ann", {"overdue": True}, {"ann-plain"}),
    ("ann", {"enhanced": True}, {"ann-enhanced"}),
    ("supervisor", {}, set()),
    ("supervisor", {"officer_id": "bob"}, {"bob-violence"}),
    ("supervisor", {"team_id": "red"}, {"ann-plain", "ann-enhanced"}),
    ("supervisor", {"team_id": "blue", "status": "charged"}, {"bob-violence"}),
    ("supervisor", {"team_id": "blue", "status": "closed"}, set()),
    ("supervisor", {"team_id": "red", "crime_group": SurveyGroup.VIOLENCE}, set()),
    ("ann", {"officer_id": "bob", "crime_group": SurveyGroup.VIOLENCE}, {"bob-violence"}),
    ("stranger", {"officer_id": "ann"}, set()),
    ("stranger", {"team_id": "red"}, set()),
]


@pytest.mark.parametrize(("user", "filters", "shown"), WORKLIST_FILTER_RULE)
def test_worklist_filter_rule(world, user, filters, shown):
    assert _shown(world, user, **filters) == shown


def test_obligations_due_beyond_the_window_are_not_on_the_worklist(world):
    rows = worklist_filtered(user=world["ann"], filters=WorklistFilter())
    limit = timezone.now() + timedelta(days=WORKLIST_DAYS_AHEAD)
    assert rows.exists()
    assert all(row.due_at <= limit for row in rows)


def test_the_worklist_page_keeps_its_filters_in_the_query_string(client, world):
    client.force_login(world["supervisor"])
    response = client.get("/worklist/", {"team": world["red"].pk, "overdue": "on"})
    assert response.status_code == 200
    text = response.text
    assert world["ann-plain"].reference in text
    assert world["ann-enhanced"].reference not in text
    assert world["bob-violence"].reference not in text


def test_a_wrong_filter_value_is_left_out_not_a_500(client, world):
    client.force_login(world["ann"])
    response = client.get("/worklist/", {"team": "999999", "status": "nonsense"})
    assert response.status_code == 200
    assert world["ann-plain"].reference in response.text


def test_a_worklist_longer_than_the_most_shown_lists_the_first_due_and_says_so(
    client, world, monkeypatch
):
    """Counted up to one past the most shown (``WORKLIST_MOST_SHOWN``), so that a long
    worklist costs no more than a short one; the officer is told to narrow it."""
    from victimcare.care import selectors

    client.force_login(world["ann"])
    monkeypatch.setattr(selectors, "WORKLIST_MOST_SHOWN", 1)
    text = client.get("/worklist/").text
    assert "More than 1 obligations to meet: the 1 due first are listed" in text
    assert world["ann-plain"].reference in text  # overdue, so due first
    assert world["ann-enhanced"].reference not in text
    monkeypatch.setattr(selectors, "WORKLIST_MOST_SHOWN", 2)
    text = client.get("/worklist/").text
    assert "2 obligations to meet" in text
    assert "More than" not in text
    assert world["ann-enhanced"].reference in text
