"""A victim follows the link in an officer's reply (it only sends a code), changes their email
address (confirmed by the code sent to the new one), signs out, and finds the link spent.
Every page is checked with axe-core."""

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.factories import case_make, staff_make
from tests.notifications.fixtures import notifications_in_memory  # noqa: F401 (a fixture)
from victimcare.portal.message_services import officer_reply_send

pytestmark = pytest.mark.django_db(transaction=True)

CODE = re.compile(r"is (\d{6})\.")


def accessible(page) -> None:
    assert axe_violations(page) == [], page.url


def test_link_contact_change_and_sign_out(page, live_server, mailoutbox, settings):
    settings.PUBLIC_URL = live_server.url
    case = case_make()
    officer_reply_send(case=case, user=staff_make(force=case.force), body="We have news.")
    link = re.search(r"(/track/link/\?token=[\w-]+)", mailoutbox[-1].body).group(1)

    page.goto(link)
    accessible(page)
    assert case.reference in page.content()
    page.get_by_role("button", name="Send me a code").click()
    code = CODE.search(mailoutbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
    assert case.reference in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("link", name="Change how we contact you").click()
    accessible(page)
    page.get_by_label("Email address").fill("new.address@elsewhere.org")
    page.get_by_role("button", name="Save").click()
    accessible(page)
    assert "Enter the code we sent you" in page.get_by_role("heading", level=1).inner_text()
    assert mailoutbox[-1].to == ["new.address@elsewhere.org"]
    new_code = CODE.search(mailoutbox[-1].body).group(1)
    page.get_by_label("Code we emailed to n***@e***.org").fill(f"{(int(new_code) + 1) % 10**6:06d}")
    page.get_by_role("button", name="Confirm the change").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    accessible(page)
    page.get_by_label("Code we emailed to n***@e***.org").fill(new_code)
    page.get_by_role("button", name="Confirm the change").click()
    assert "Your contact details are changed." in page.content()
    assert mailoutbox[-1].to == ["ada@example.com"]  # the old address is told
    assert "Your contact details were changed" in mailoutbox[-1].subject

    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out" in page.content()
    page.goto("/track/case/")
    assert page.url.endswith("/track/")
    page.goto(link)
    assert "This link no longer works" in page.content()
    accessible(page)
