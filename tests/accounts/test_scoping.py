"""What each role sees is scoped to its force (or, for oversight, the forces it oversees)."""

import pytest
from django.urls import reverse

from tests.factories import case_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_forces():
    mps = force_make("MPS", "Metropolitan Police Service")
    gmp = force_make("GMP", "Greater Manchester Police")
    return mps, gmp, case_make(force=mps), case_make(force=gmp)


@pytest.mark.parametrize(
    "role", [Role.CALL_HANDLER, Role.OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR]
)
def test_case_roles_list_only_their_own_force(client, two_forces, role):
    mps, _, mps_case, gmp_case = two_forces
    client.force_login(staff_make(role, force=mps))
    page = client.get(reverse("core:staff-home")).content.decode()
    assert mps_case.reference in page
    assert gmp_case.reference not in page


@pytest.mark.parametrize("role", [Role.ANALYST, Role.OVERSIGHT, Role.SUPPORT_ORGANISATION])
def test_non_case_roles_see_no_case_references_or_names(client, two_forces, role):
    mps, _, mps_case, _ = two_forces
    client.force_login(staff_make(role, force=mps))
    page = client.get(reverse("core:staff-home")).content.decode()
    assert mps_case.reference not in page
    assert "Testperson" not in page


def test_oversight_sees_aggregates_for_the_forces_it_oversees_only(client, two_forces):
    mps, gmp, _, _ = two_forces
    force_make("WMP", "West Midlands Police")
    case_make(force=force_make("WMP"))
    user = staff_make(Role.OVERSIGHT, force=mps, oversees=[mps, gmp])
    client.force_login(user)
    page = client.get(reverse("core:staff-home")).content.decode()
    assert "Metropolitan Police Service" in page
    assert "Greater Manchester Police" in page
    assert "West Midlands Police" not in page


def test_search_by_reference_finds_the_case(client, two_forces):
    mps, _, mps_case, _ = two_forces
    other = case_make(force=mps)
    client.force_login(staff_make(Role.OFFICER, force=mps))
    page = client.get(reverse("core:staff-home"), {"q": mps_case.reference}).content.decode()
    assert mps_case.reference in page
    assert other.reference not in page


def test_viewing_a_case_audits_each_victim_seen(client, two_forces):
    mps, _, mps_case, _ = two_forces
    officer = staff_make(Role.OFFICER, force=mps)
    client.force_login(officer)
    response = client.get(mps_case.get_absolute_url())
    assert b"Ada Testperson" in response.content
    record = AuditRecord.objects.get()
    assert record.user == officer
    assert record.victim.case == mps_case
    assert record.page == mps_case.get_absolute_url()


def test_refused_and_missing_cases_write_no_audit(client, two_forces):
    mps, _, _, gmp_case = two_forces
    client.force_login(staff_make(Role.OFFICER, force=mps))
    assert client.get(gmp_case.get_absolute_url()).status_code == 404
    client.force_login(staff_make(Role.ANALYST, force=mps))
    assert client.get(gmp_case.get_absolute_url()).status_code == 403
    assert not AuditRecord.objects.exists()


def test_administrator_browses_only_their_forces_audit_log(client, two_forces):
    mps, gmp, mps_case, gmp_case = two_forces
    client.force_login(staff_make(Role.OFFICER, force=mps))
    client.get(mps_case.get_absolute_url())
    client.force_login(staff_make(Role.OFFICER, force=gmp))
    client.get(gmp_case.get_absolute_url())
    client.force_login(staff_make(Role.ADMINISTRATOR, force=mps))
    page = client.get(reverse("audit:log")).content.decode()
    assert mps_case.reference in page
    assert gmp_case.reference not in page


def test_api_lists_only_forces_in_scope(client, two_forces):
    mps, gmp, _, _ = two_forces
    client.force_login(staff_make(Role.OFFICER, force=mps))
    codes = [force["code"] for force in client.get("/api/v1/forces").json()]
    assert codes == ["MPS"]
    client.force_login(staff_make(Role.OVERSIGHT, force=mps, oversees=[mps, gmp]))
    codes = sorted(force["code"] for force in client.get("/api/v1/forces").json())
    assert codes == ["GMP", "MPS"]
