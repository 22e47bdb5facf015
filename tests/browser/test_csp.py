"""The Content-Security-Policy breaks nothing: the main pages of every part of the service
open in Chromium, work (GOV.UK Frontend starts, charts draw) and cause no violation."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.browser.test_staff_journeys import sign_in
from tests.care.factories import care_case_make
from tests.factories import area_make, crime_type_make, staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role
from victimcare.care.services import calendar_fill, care_policy_set, rule_sets_load
from victimcare.cases.models import Victim
from victimcare.portal.services import track_link_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    rule_sets_load()  # an earlier transactional test's flush may have removed them
    calendar_fill()
    mps = responses_make(per_month=30, seed=4)[0]
    care_policy_set(force=mps, rule_set_code="tvc")
    area_make(mps, "Hackney")
    crime_type_make("domestic-burglary")
    officer = staff_make(Role.SUPERVISOR, force=mps, username="sgt.csp")
    staff_make(Role.ADMINISTRATOR, force=mps, username="admin.csp")
    case = care_case_make(
        force=mps, reported_at=timezone.now() - timedelta(hours=3), officer_in_charge=officer
    )
    return {"mps": mps, "case": case}


def open_page(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None, path
    assert response.status == 200, path
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    # GOV.UK Frontend ran: the nonced inline script set the class, the module started.
    assert "js-enabled" in page.evaluate("document.body.className"), path
    page.wait_for_load_state("networkidle")


def test_the_public_pages_work_with_no_csp_violation(page, world):
    open_page(page, "/")
    open_page(page, "/report/?force=MPS")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Someone broke into my home").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # the hate element: optional
    assert page.get_by_label("Tell us what happened").is_visible()

    open_page(page, "/track/")
    page.get_by_label("Crime reference").fill(world["case"].reference)
    page.get_by_role("button", name="Send me a code").click()
    assert page.get_by_label("Code").is_visible()
    victim = Victim.objects.get(case=world["case"])
    link = urlsplit(track_link_make(victim=victim))
    open_page(page, f"{link.path}?{link.query}")
    assert world["case"].reference in page.content()
    assert page.csp_violations == []


def test_the_staff_pages_work_with_no_csp_violation(page, world):
    sign_in(page, "sgt.csp")
    for path in (
        "/staff/",
        "/worklist/",
        "/compliance/",
        world["case"].get_absolute_url(),
        f"/oversight/forces/MPS/?quarter={QUARTER.code}",
    ):
        open_page(page, path)
    # The charts are drawn: inline SVG with presentation attributes, not style attributes.
    chart = page.locator("svg[role=img]").first
    assert chart.bounding_box()["height"] > 50
    assert page.locator("svg[role=img] [style]").count() == 0
    assert page.csp_violations == []


def test_the_api_docs_and_administration_work_with_no_csp_violation(page, world):
    sign_in(page, "admin.csp")
    open_page(page, "/audit/")
    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .info").wait_for()
    page.goto("/admin/")
    assert page.get_by_role("heading", name="Site administration").is_visible()
    assert page.csp_violations == []
