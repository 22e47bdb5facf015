"""A force's working day, end to end: a victim reports online and their Victim Care Card
is emailed with no step by hand; a supervisor puts an officer in charge; the victim sees
the officer in Track my case and books a visit time; the officer records the visit done;
compliance counts the visit offered, accepted and done."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import staff_make
from tests.intake.factories import reporting_world
from tests.notifications.fixtures import notifications_in_memory  # noqa: F401 (a fixture)
from victimcare.accounts.constants import Role
from victimcare.care.services import visit_slot_create
from victimcare.forces.models import Area, Team

pytestmark = pytest.mark.django_db(transaction=True)

ADA = "ada@example.com"
CODE = re.compile(r"is (\d{6})\.")


def accessible(page) -> None:
    assert axe_violations(page) == [], page.url


def continue_(page) -> None:
    page.get_by_role("button", name="Continue").click()


def report_online_by_email(page) -> str:
    page.goto("/report/?force=MPS")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Someone broke into my home").check()
    continue_(page)
    continue_(page)  # the hate element: optional
    page.get_by_label("Tell us what happened").fill("They forced the back door and took a laptop.")
    continue_(page)
    page.get_by_label("Where did it happen?").select_option(label="Hackney")
    continue_(page)
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2026")
    continue_(page)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Testperson")
    continue_(page)
    continue_(page)  # about your situation: optional
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Email address").fill(ADA)
    continue_(page)
    page.get_by_label("Yes").check()  # a visit, please
    continue_(page)
    page.get_by_label("That is fine, pass my details on").check()  # the referral opt-out
    continue_(page)
    continue_(page)  # equality questions
    page.get_by_role("button", name="Send report").click()
    return page.locator("#crime-reference").inner_text().strip()


def staff_page(browser, live_server, username):
    page = browser.new_context(base_url=live_server.url).new_page()
    sign_in(page, username)
    return page


def test_a_working_day(page, browser, live_server, mailoutbox):
    force = reporting_world()
    hackney = Area.objects.get(force=force, name="Hackney")
    team = Team.objects.create(
        force=force, area=hackney, code="hackney-cid", name="Hackney investigation team"
    )
    staff_make(
        Role.OFFICER,
        force=force,
        team=team,
        username="pc.jones",
        first_name="Sam",
        last_name="Jones",
        contact_route="101, ask for PC Jones",
    )
    staff_make(Role.SUPERVISOR, force=force, username="sgt.khan", last_name="Khan")
    slot = visit_slot_create(area=hackney, starts_at=timezone.now() + timedelta(days=2))
    when = timezone.localtime(slot.starts_at)

    # The victim reports online; the care card is emailed with nothing run by hand.
    reference = report_online_by_email(page)
    cards = [m for m in mailoutbox if m.to == [ADA] and reference in m.body]
    assert cards, [m.subject for m in mailoutbox]

    # A supervisor puts an officer in charge from the case page.
    supervisor = staff_page(browser, live_server, "sgt.khan")
    supervisor.goto(f"/cases/{reference}/")
    assert "Not yet assigned" in supervisor.content()
    supervisor.get_by_role("link", name="Assign an officer").click()
    accessible(supervisor)
    supervisor.get_by_label("Officer in charge").select_option(
        label="Sam Jones (Hackney investigation team)"
    )
    supervisor.get_by_label("Hand-over note (optional)").fill("Doorbell camera next door.")
    supervisor.get_by_role("button", name="Put in charge").click()
    assert "Sam Jones is now the officer in charge." in supervisor.content()

    # The victim signs in to Track my case, sees the officer and books a visit time.
    page.goto("/track/")
    page.get_by_label("Crime reference").fill(reference)
    page.get_by_role("button", name="Send me a code").click()
    codes = [m for m in mailoutbox if m.to == [ADA] and "Track my case code" in m.subject]
    page.get_by_label("Code").fill(CODE.search(codes[-1].body).group(1))
    continue_(page)
    assert "Sam Jones" in page.content()
    assert "101, ask for PC Jones" in page.content()
    assert page.locator("#visit-status").get_attribute("data-visit-status") == "wanted"
    page.get_by_role("link", name="Choose a visit time").click()
    accessible(page)
    page.get_by_label(f"{when:%A} {when.day} {when:%B %Y}, {when:%H:%M}").check()
    page.get_by_role("button", name="Book this time").click()
    assert page.locator("#visit-status").get_attribute("data-visit-status") == "booked"
    page.get_by_label("Your message").fill("Will the officer ring first?")
    page.get_by_role("button", name="Send message").click()
    assert "Your message was sent to PC Jones." in page.content()

    # The officer records the visit done.
    officer = staff_page(browser, live_server, "pc.jones")
    officer.goto(f"/cases/{reference}/")
    assert officer.locator("[data-visit-status]").first.get_attribute("data-visit-status") == (
        "booked"
    )
    officer.goto(f"/cases/{reference}/visit/")
    officer.get_by_label("Visit done").check()
    officer.get_by_role("button", name="Record visit").click()
    assert "Visit recorded" in officer.content()
    officer.context.close()

    # Compliance agrees: one visit offered, accepted and done.
    supervisor.goto("/compliance/")
    assert supervisor.locator("#visits-offered").inner_text() == "1"
    assert supervisor.locator("#visits-accepted").inner_text() == "1"
    assert supervisor.locator("#visits-done").inner_text() == "1"
    supervisor.context.close()
    page.reload()
    assert page.locator("#visit-status").get_attribute("data-visit-status") == "done"
