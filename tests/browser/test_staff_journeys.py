"""Staff sign in through the browser and see only what their role may see."""

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import case_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.audit.models import AuditRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    mps = force_make("MPS", "Metropolitan Police Service")
    gmp = force_make("GMP", "Greater Manchester Police")
    return {"mps": mps, "mps_case": case_make(force=mps), "gmp_case": case_make(force=gmp)}


def test_an_officer_finds_a_case_by_reference_and_the_view_is_audited(page, world):
    officer = staff_make(Role.OFFICER, force=world["mps"], username="pc.jones")
    sign_in(page, "pc.jones")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Signed in as")
    assert page.locator("header").inner_text().strip() == "Metropolitan Police Service"
    assert world["gmp_case"].reference not in page.content()
    page.get_by_label("Search by crime reference").fill(world["mps_case"].reference)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=world["mps_case"].reference).click()
    assert "Ada Testperson" in page.content()
    assert AuditRecord.objects.filter(user=officer).count() == 1
    assert axe_violations(page) == []


def test_an_analyst_sees_counts_and_no_case_records(page, world):
    staff_make(Role.ANALYST, force=world["mps"], username="analyst.one")
    sign_in(page, "analyst.one")
    assert "Recorded cases by crime group" in page.content()
    assert world["mps_case"].reference not in page.content()
    response = page.goto(world["mps_case"].get_absolute_url())
    assert response.status == 403
    assert axe_violations(page) == []


def test_an_administrator_reads_the_audit_log(page, world):
    staff_make(Role.ADMINISTRATOR, force=world["mps"], username="admin.one")
    sign_in(page, "admin.one")
    page.goto(world["mps_case"].get_absolute_url())
    page.get_by_role("link", name="Audit log").click()
    assert world["mps_case"].reference in page.locator("table").inner_text()
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/sign-in/", "/no-such-page/"])
def test_public_pages_have_no_serious_accessibility_violations(page, world, path):
    page.goto(path)
    assert axe_violations(page) == []


def test_a_wrong_password_shows_an_error_summary(page, world):
    staff_make(Role.OFFICER, force=world["mps"], username="pc.smith")
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("pc.smith")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe_violations(page) == []
