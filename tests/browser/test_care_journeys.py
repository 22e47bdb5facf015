"""An officer works through the worklist (written information, a contact, a visit, a needs
assessment and a referral); the obligations close and the supervisor's compliance page
counts them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import axe_violations, sign_in
from tests.care.factories import care_case_make
from tests.factories import area_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.models import SupportOrganisation
from victimcare.care.constants import ObligationStatus
from victimcare.care.models import Obligation
from victimcare.care.services import care_policy_set, visit_slot_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_officer_meets_obligations_from_the_worklist_and_the_supervisor_sees_them(page):
    mps = force_make("MPS", "Metropolitan Police Service")
    care_policy_set(force=mps, rule_set_code="tvc")
    organisation = SupportOrganisation.objects.create(name="Victim Support London")
    organisation.forces.add(mps)
    officer = staff_make(Role.OFFICER, force=mps, username="pc.care")
    staff_make(Role.SUPERVISOR, force=mps, username="sgt.care")
    case = care_case_make(
        force=mps, reported_at=timezone.now() - timedelta(hours=3), officer_in_charge=officer
    )
    visit_slot_create(area=area_make(mps), starts_at=timezone.now() + timedelta(days=2))
    ref = case.reference

    sign_in(page, "pc.care")
    page.get_by_role("link", name="Worklist").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your worklist"
    assert axe_violations(page) == []

    page.get_by_role("button", name=f"Record written information sent for {ref}").click()
    assert "Written information recorded as sent" in page.content()

    # The investigation update is due in 28 days, beyond the worklist's fortnight: the
    # officer logs the contact from the case.
    page.goto(f"/cases/{ref}/contact/")
    page.get_by_label("Update for the victim").fill(
        "We have checked the CCTV on your street and are following it up."
    )
    assert axe_violations(page) == []
    page.get_by_role("button", name="Log contact").click()
    assert "Contact logged" in page.content()

    page.goto("/worklist/")
    page.get_by_role("link", name=f"Offer or book a visit for {ref}").click()
    page.get_by_label("Booked a visit (victim accepted)").check()
    page.locator("input[name=slot]").first.check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record visit").click()
    assert "Visit recorded" in page.content()

    page.get_by_role("link", name=f"Record the needs assessment for {ref}").click()
    page.get_by_label("Emotional support").check()
    page.get_by_label("Yes, the victim agrees to be referred").check()
    page.get_by_label("Name and the safe contact route below").check()
    page.get_by_label("Phone").check()
    page.get_by_label("I told the victim how they may claim compensation").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record needs assessment").click()
    assert "Needs assessment recorded" in page.content()

    page.get_by_role("link", name=f"Send the referral for {ref}").click()
    page.get_by_label("Victim Support London").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send referral").click()
    assert "Referral sent" in page.content()

    statuses = dict(
        Obligation.objects.filter(case=case, occurrence=1).values_list("code", "status")
    )
    for code in (
        "written_information",
        "investigation_update",
        "visit_offer",
        "needs_assessment",
        "support_referral",
        "compensation_information",
    ):
        assert statuses[code] == ObligationStatus.MET, code
    # Nothing is left on the worklist for this case: the next investigation update is due
    # in 28 days, beyond the fortnight the worklist shows.
    page.goto("/worklist/")
    rows = page.locator("tbody tr").all_inner_texts()
    assert [r for r in rows if ref in r] == []

    # The visit happens; the officer records it from the case page.
    page.goto(f"/cases/{ref}/visit/")
    page.get_by_label("Visit done").check()
    page.get_by_role("button", name="Record visit").click()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "sgt.care")
    page.get_by_role("link", name="Compliance", exact=True).click()
    for code in ("written_information", "visit_offer", "needs_assessment", "support_referral"):
        row = page.locator(f"tr[data-code={code}]")
        cells = row.locator("td").all_inner_texts()
        assert cells[:2] == ["1", "1"], (code, cells)  # owed 1, met on time 1
        assert cells[-1] == "100%"
    assert page.locator("#visits-offered").inner_text() == "1"
    assert page.locator("#visits-done").inner_text() == "1"
    assert axe_violations(page) == []
