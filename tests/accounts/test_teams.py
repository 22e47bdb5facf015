"""Staff in teams: a staff member's team is one of their own force's teams."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.services import StaffError
from victimcare.forces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    mps, gmp = force_make("MPS"), force_make("GMP")
    return (
        Team.objects.create(force=mps, code="hackney-response", name="Hackney response team"),
        Team.objects.create(force=gmp, code="salford-response", name="Salford response team"),
    )


def test_staff_are_created_in_a_team_of_their_force(teams):
    own, _ = teams
    officer = staff_make(Role.OFFICER, force=own.force, team=own)
    officer.refresh_from_db()
    assert officer.team == own
    assert list(own.staff.all()) == [officer]


def test_a_team_of_another_force_is_refused(teams):
    own, other = teams
    with pytest.raises(StaffError, match="'salford-response' is not a team of MPS"):
        staff_make(Role.OFFICER, force=own.force, team=other)
    officer = staff_make(Role.OFFICER, force=own.force)
    officer.team = other
    with pytest.raises(ValidationError, match="team of the staff member's own force"):
        officer.full_clean()


def test_the_user_admin_offers_only_the_administrators_own_teams(client, teams):
    own, other = teams
    officer = staff_make(Role.OFFICER, force=own.force, team=own)
    client.force_login(staff_make(Role.ADMINISTRATOR, force=own.force))
    page = client.get(f"/admin/accounts/user/{officer.pk}/change/")
    assert page.status_code == 200
    assert 'name="team"' in page.text
    assert own.name in page.text
    assert other.name not in page.text
    listing = client.get("/admin/accounts/user/")
    assert own.name in listing.text  # the team column and filter
    assert other.name not in listing.text
