"""A victim reports online, signs in to Track my case with a texted code and messages the
officer; the officer answers from the case page. Every page is checked with axe-core."""

import re

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import staff_make
from tests.intake.factories import reporting_world
from tests.notifications.fixtures import notifications_in_memory  # noqa: F401 (a fixture)
from victimcare.accounts.constants import Role

pytestmark = pytest.mark.django_db(transaction=True)


def accessible(page) -> None:
    assert axe_violations(page) == [], page.url


def continue_(page) -> None:
    page.get_by_role("button", name="Continue").click()


def report_online(page) -> str:
    page.goto("/report/?force=MPS")
    accessible(page)
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Someone broke into my home").check()
    accessible(page)
    continue_(page)
    accessible(page)  # the hate element: optional
    continue_(page)
    continue_(page)  # nothing typed: the error summary appears
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    accessible(page)
    page.get_by_label("Tell us what happened").fill("They forced the back door and took a laptop.")
    continue_(page)
    page.get_by_label("Where did it happen?").select_option(label="Hackney")
    accessible(page)
    continue_(page)
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2026")
    accessible(page)
    continue_(page)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Testperson")
    accessible(page)
    continue_(page)
    accessible(page)  # about your situation: optional
    continue_(page)
    page.get_by_label("Text message").check()
    page.get_by_label("Phone number").fill("07700 900123")
    page.locator("#id_phone_is_safe").check()
    accessible(page)
    continue_(page)
    page.get_by_label("Yes").check()
    continue_(page)
    page.get_by_label("That is fine, pass my details on").check()  # the referral opt-out
    accessible(page)
    continue_(page)
    accessible(page)  # equality questions
    continue_(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Check your answers")
    accessible(page)
    page.get_by_role("button", name="Send report").click()
    accessible(page)
    return page.locator("#crime-reference").inner_text().strip()


def test_report_track_message_and_reply(page, browser, live_server, notifications_in_memory):  # noqa: F811 (the fixture imported above)
    force = reporting_world()
    staff_make(Role.OFFICER, force=force, username="pc.jones", first_name="Sam", last_name="Jones")

    reference = report_online(page)
    assert re.fullmatch(r"MPS-\d{2}-\d{6}", reference)
    assert reference in notifications_in_memory[0]["personalisation"]["body"]  # the care card

    page.goto("/track/")
    accessible(page)
    page.get_by_label("Crime reference").fill(reference)
    page.get_by_role("button", name="Send me a code").click()
    accessible(page)
    code = re.search(r"is (\d{6})\.", notifications_in_memory[-1]["personalisation"]["body"]).group(
        1
    )
    page.get_by_label("Code").fill(code)
    continue_(page)
    assert reference in page.get_by_role("heading", level=1).inner_text()
    assert "Your report was recorded." in page.content()
    accessible(page)
    page.get_by_label("Your message").fill("Has anyone checked the doorbell camera?")
    page.get_by_role("button", name="Send message").click()
    assert "Your message was sent to" in page.content()
    accessible(page)

    officer = browser.new_context(base_url=live_server.url).new_page()
    sign_in(officer, "pc.jones")
    officer.goto(f"/cases/{reference}/")
    assert "Has anyone checked the doorbell camera?" in officer.content()
    officer.get_by_label("Reply to the victim").fill(
        "Yes, we have the footage and are reviewing it."
    )
    officer.get_by_role("button", name="Send reply").click()
    assert "Reply sent to the victim." in officer.content()
    accessible(officer)
    officer.context.close()

    assert "we have the footage" in notifications_in_memory[-1]["personalisation"]["body"]
    page.reload()
    assert "Message from Sam Jones: Yes, we have the footage" in page.content()


def test_the_report_form_works_without_javascript(browser, live_server, notifications_in_memory):  # noqa: F811 (the fixture imported above)
    reporting_world()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/report/?force=MPS")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Someone broke into my home").check()
    continue_(page)
    continue_(page)  # the hate element: optional
    assert page.get_by_role("heading", level=1).inner_text() == "Tell us what happened"
    page.get_by_role("link", name="Come back later").click()
    assert "/report/resume/?token=" in page.locator("#resume-link").input_value()
    context.close()
