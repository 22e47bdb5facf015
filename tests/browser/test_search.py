"""A call handler finds a caller's case by name and date of birth (the caller lost their
reference) and opens it; the terms never reach the address bar, and the search is audited."""

from datetime import date

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import case_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.audit.models import AuditRecord
from victimcare.cases.services import VictimDetails

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_call_handler_finds_a_case_by_name_and_date_of_birth(page):
    mps = force_make("MPS", "Metropolitan Police Service")
    case = case_make(
        force=mps,
        victim=VictimDetails(
            given_name="Oluwaseun",
            family_name="Marchbanks",
            date_of_birth=date(1985, 3, 27),
            phone="07700 900777",
            phone_is_safe=True,
        ),
    )
    handler = staff_make(Role.CALL_HANDLER, force=mps, username="call.handler")
    sign_in(page, "call.handler")
    page.get_by_role("link", name="Find a case by name").click()
    page.get_by_label("First name").fill("Oluwaseun")
    page.get_by_label("Last name").fill("marchbanks")
    page.get_by_label("Date of birth").fill("27/3/1985")
    page.get_by_role("button", name="Search").click()
    for term in ("Oluwaseun", "archbanks", "1985"):
        assert term not in page.url
    assert "1 victim found" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("link", name=case.reference).click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Case {case.reference}"
    assert "Oluwaseun Marchbanks" in page.content()
    for term in ("Oluwaseun", "archbanks", "1985"):
        assert term not in page.url
    pages = set(AuditRecord.objects.filter(user=handler).values_list("page", flat=True))
    assert pages == {"/cases/search/", case.get_absolute_url()}
