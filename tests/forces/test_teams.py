"""Teams: a code is unique within its force, and a team works in its own force's areas."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tests.factories import area_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.forces.models import Team

pytestmark = pytest.mark.django_db


def test_a_team_code_is_unique_within_its_force_only():
    mps, gmp = force_make("MPS"), force_make("GMP")
    Team.objects.create(force=mps, code="response", name="Response")
    Team.objects.create(force=gmp, code="response", name="Response")  # another force: fine
    with pytest.raises(IntegrityError):
        Team.objects.create(force=mps, code="response", name="Response again")


def test_a_team_cannot_work_in_another_forces_area():
    mps, gmp = force_make("MPS"), force_make("GMP")
    team = Team(force=mps, area=area_make(gmp, "Salford"), code="salford", name="Salford")
    with pytest.raises(ValidationError, match="area of the team's own force"):
        team.full_clean()
    team.area = area_make(mps, "Hackney")
    team.full_clean()


def test_deleting_a_team_leaves_its_staff_without_one():
    mps = force_make("MPS")
    team = Team.objects.create(force=mps, code="response", name="Response")
    officer = staff_make(Role.OFFICER, force=mps, team=team)
    team.delete()
    officer.refresh_from_db()
    assert officer.team is None


def test_an_administrator_sees_and_makes_teams_in_their_own_force_only(client):
    mps, gmp = force_make("MPS"), force_make("GMP")
    area_make(mps, "Hackney")
    area_make(gmp, "Salford")
    Team.objects.create(force=mps, code="hackney-response", name="Hackney response team")
    Team.objects.create(force=gmp, code="salford-response", name="Salford response team")
    client.force_login(staff_make(Role.ADMINISTRATOR, force=mps))
    listing = client.get("/admin/forces/team/")
    assert listing.status_code == 200
    assert "Hackney response team" in listing.text
    assert "Salford response team" not in listing.text
    form = client.get("/admin/forces/team/add/")
    assert form.status_code == 200
    assert "Hackney" in form.text
    assert "Salford" not in form.text
    assert "GMP Police" not in form.text
