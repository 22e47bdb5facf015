"""A trainer drafts a module, the support organisation edits it and signs it off, the
trainer signs off and publishes it and assigns it to officers, and an officer completes
it from the home page."""

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import force_make, staff_make
from tests.training.factories import CHECK, organisation_make
from victimcare.accounts.constants import Role
from victimcare.training.models import Completion

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_a_module_is_written_with_the_charity_published_assigned_and_completed(page):
    mps = force_make("MPS", "Metropolitan Police Service")
    organisation = organisation_make(mps, "Victim Support London")
    staff_make(Role.SUPERVISOR, force=mps, username="sgt.trainer")
    staff_make(
        Role.SUPPORT_ORGANISATION,
        force=mps,
        username="vs.partner",
        support_organisation=organisation,
    )
    officer = staff_make(Role.OFFICER, force=mps, username="pc.learner")

    sign_in(page, "sgt.trainer")
    page.get_by_role("link", name="Training", exact=True).click()
    page.get_by_role("link", name="Start a module").click()
    page.get_by_label("Title").fill("Keeping victims informed")
    page.get_by_label("Short code").fill("keeping-informed")
    page.get_by_label("The survey measure it aims to improve").select_option("kept_informed")
    page.get_by_role("button", name="Start the module").click()
    page.get_by_label("Support organisation").select_option(label="Victim Support London")
    page.get_by_role("button", name="Invite").click()
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Module text").fill("## Why\n\nVictims heard nothing for weeks.")
    page.get_by_label("Learning points").fill("Update at the agreed time")
    page.get_by_label("Knowledge check").fill(CHECK)
    page.get_by_label("Pass mark (per cent)").fill("100")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save the draft").click()
    assert "Draft saved" in page.content()
    _sign_out(page)

    sign_in(page, "vs.partner")
    page.get_by_role("link", name="Training", exact=True).click()
    page.get_by_role("link", name="Keeping victims informed").click()
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Module text").fill(
        "## Why\n\nVictims heard nothing for weeks.\n\n## From us\n\nSilence feels like being forgotten."
    )
    page.get_by_label("What you changed (optional)").fill("Added what victims tell us")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name="Sign off this revision").click()
    assert "Signed off by" in page.content()
    assert axe_violations(page) == []
    _sign_out(page)

    sign_in(page, "sgt.trainer")
    page.get_by_role("link", name="Training", exact=True).click()
    page.get_by_role("link", name="Keeping victims informed").click()
    assert "Added what victims tell us" in page.content()
    page.get_by_role("button", name="Sign off this revision").click()
    page.get_by_role("button", name="Publish").click()
    assert "Published version 1" in page.content()
    page.get_by_role("link", name="Assign").click()
    page.get_by_label("A role").select_option("officer")
    page.get_by_label("Due by").fill("2099-01-31")
    page.get_by_role("button", name="Assign").click()
    assert "Assigned" in page.content()
    _sign_out(page)

    sign_in(page, "pc.learner")
    page.get_by_role("link", name="Keeping victims informed").first.click()
    assert "Silence feels like being forgotten." in page.content()
    assert axe_violations(page) == []
    page.get_by_label("Within the agreed time, news or not").check()
    page.get_by_label("The victim", exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()
    assert "Completed with 100%" in page.content()
    completion = Completion.objects.get()
    assert (completion.officer, completion.score, completion.version.number) == (officer, 100, 1)
