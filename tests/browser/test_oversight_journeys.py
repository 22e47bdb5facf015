"""An oversight user reads the satisfaction dashboard, the league table, the drivers and
the targets in Chromium; every page is axe-clean and each chart has its table."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mps():
    return responses_make(per_month=30, seed=4)[0]


def test_oversight_user_reads_the_pages_and_sets_a_target(page, mps):
    staff_make(Role.OVERSIGHT, force=mps, username="mopac.one")
    sign_in(page, "mopac.one")
    page.get_by_role("link", name="Satisfaction").first.click()
    page.get_by_role("table", name="Forces").get_by_role("link").click()
    page.goto(f"/oversight/forces/MPS/?quarter={QUARTER.code}")
    assert "confidence interval" in page.locator("#headline-figure").inner_text()
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 8
    assert page.locator("svg[role=img] title").count() == charts.count()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Peers").click()
    assert page.locator("#league-table tbody tr").count() == 3
    assert axe_violations(page) == []

    page.get_by_role("link", name="Drivers").click()
    assert page.locator("#drivers-table tbody tr").count() == 4
    assert axe_violations(page) == []

    page.get_by_role("link", name="Targets").click()
    page.get_by_role("link", name="Set a target").click()
    page.get_by_label("Target", exact=True).fill("80")
    page.get_by_label("A level to reach (% satisfied, at least)").check()
    page.get_by_label("The whole force").check()
    page.get_by_label("Deadline").fill("2027-03-31")
    page.get_by_label("Baseline quarter").fill("2025Q3")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save the target").click()
    status = page.locator("[data-status]").first
    assert status.inner_text() in {"Achieved", "On track", "At risk", "Off track"}
    assert "Version 1" in page.content()
    assert axe_violations(page) == []
