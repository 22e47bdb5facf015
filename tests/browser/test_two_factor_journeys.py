"""A new member of staff signs in for the first time in Chromium: sets up an authenticator
app from the key on the page, keeps the recovery codes, later signs in with a recovery
code. Every page is axe-clean."""

import re

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import PASSWORD, force_make, staff_make, totp_code
from victimcare.accounts.constants import Role

pytestmark = pytest.mark.django_db(transaction=True)


def password(page, username):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_first_sign_in_sets_up_the_app_and_shows_the_recovery_codes(page):
    staff_make(Role.OFFICER, force=force_make("MPS"), username="pc.new")
    password(page, "pc.new")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert axe_violations(page) == []
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")

    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe_violations(page) == []

    code_box = page.get_by_label("Code", exact=True)
    assert code_box.get_attribute("autocomplete") == "one-time-code"
    assert code_box.get_attribute("inputmode") == "numeric"
    code_box.fill(totp_code(secret))
    page.get_by_role("button", name="Continue").click()
    assert "Two-factor sign-in is set up" in page.content()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("continue")).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Signed in as")

    page.get_by_role("button", name="Sign out").click()
    password(page, "pc.new")
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("use a recovery code")).click()
    assert axe_violations(page) == []
    page.get_by_label("Recovery code").fill(codes[3])
    page.get_by_role("button", name="Continue").click()
    assert "9 recovery codes left" in page.content()


def test_the_code_page_is_accessible_with_an_error(page):
    staff_make(Role.ANALYST, force=force_make("MPS"), username="analyst.two")
    sign_in(page, "analyst.two")  # sets up the app
    page.get_by_role("button", name="Sign out").click()
    password(page, "analyst.two")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe_violations(page) == []
