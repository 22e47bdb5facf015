"""The force's training lead finds the care practice trial from the training page and sees
its registered plan, the cases allocated to each arm and why no effect is shown yet (too
few responses), on an accessible page."""

from datetime import date, datetime

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import case_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.core.timezones import LONDON
from victimcare.training.trials.services import trial_plan_register

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_training_lead_sees_the_trials_plan_allocation_and_withheld_effect(page):
    mps = force_make("MPS", "Metropolitan Police Service")
    lead = staff_make(Role.SUPERVISOR, force=mps, username="sgt.trainer")
    trial_plan_register(
        force=mps,
        code="reassurance-48h",
        title="Reassurance call-back",
        practice="reassurance_callback",
        measure="treatment",
        crime_groups=["burglary"],
        report_from=date(2026, 9, 1),
        report_to=date(2026, 9, 30),
        seed=42,
        by=lead,
    )
    for minute in range(6):
        case_make(mps, reported_at=datetime(2026, 9, 2, 10, minute, tzinfo=LONDON))

    sign_in(page, "sgt.trainer")
    page.get_by_role("link", name="Training", exact=True).click()
    page.get_by_role("link", name="Trials of care practices").click()
    page.get_by_role("link", name="Reassurance call-back").click()
    text = page.content()
    assert "Reassurance call-back within 2 working days of the report" in text
    assert "42" in page.locator("#trial-plan").inner_text()
    counts = page.locator("#trial-counts").inner_text()
    assert "cases treated" in counts
    assert "in control" in counts
    assert "too few responses" in page.locator("#trial-effect-withheld").inner_text()
    assert axe_violations(page) == []
