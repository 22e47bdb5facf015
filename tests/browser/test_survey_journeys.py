"""A sampled victim answers the web survey; the analyst sees it, pseudonymised."""

import csv
import io

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import force_make, staff_make
from tests.surveys.factories import web_member_make
from victimcare.accounts.constants import Role

pytestmark = pytest.mark.django_db(transaction=True)


def care_reference_data_reload():
    """The care app's case-event listener needs the rule sets its migration loads; a
    transactional test's flush removes them, so reload them (idempotent)."""
    try:
        from victimcare.care.services import calendar_fill, rule_sets_load
    except ImportError:  # no care app: nothing listens to case events
        return
    rule_sets_load()
    calendar_fill()


SCALE_ANSWERS = [
    "Very satisfied",
    "Fairly satisfied",
    "Don't know",
    "Completely satisfied",
    "Fairly dissatisfied",
]


@pytest.fixture
def invited():
    care_reference_data_reload()
    mps = force_make("MPS", "Metropolitan Police Service")
    member, token = web_member_make(mps, given_name="Imogen", family_name="Quartermaine")
    return {"force": mps, "member": member, "link": f"/survey/{token}/"}


def answer_the_survey(page, link):
    page.goto(link)
    page.get_by_role("button", name="Start now").click()
    for answer in SCALE_ANSWERS:
        page.get_by_label(answer, exact=True).check()
        page.get_by_role("button", name="Continue").click()
    # Version 2's Victims' Code questions: told about the Code, offered a VPS, a referral.
    for answer in ("Yes", "No", "Yes"):
        page.get_by_label(answer, exact=True).check()
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Is there anything you would like to tell us").fill(
        "Nobody called me back. Ring 07700 900321."
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Check your answers before sending them"
    )
    page.get_by_role("button", name="Send answers").click()
    assert "your answers have been sent" in page.get_by_role("heading", level=1).inner_text()


def test_a_victim_answers_without_javascript_and_the_analyst_sees_it_pseudonymised(
    browser, live_server, page, invited
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    victim_page = context.new_page()
    answer_the_survey(victim_page, invited["link"])
    # The link works once.
    assert victim_page.goto(invited["link"]).status == 404
    context.close()

    staff_make(Role.ANALYST, force=invited["force"], username="analyst.survey")
    sign_in(page, "analyst.survey")
    page.get_by_role("link", name="Survey responses").click()
    pseudonym = str(invited["member"].victim.pseudonym)
    content = page.content()
    assert pseudonym[:8] in content
    assert "Quartermaine" not in content
    assert "Imogen" not in content
    assert "07700 900321" not in content
    assert "[redacted]" in content
    assert "Fairly dissatisfied" in content
    assert axe_violations(page) == []

    download = page.request.get("/surveys/responses/microdata.csv?from=2026-01&to=2026-12")
    rows = list(csv.DictReader(io.StringIO(download.text())))
    assert [row["respondent"] for row in rows] == [pseudonym]
    row = rows[0]
    assert (row["stratum"], row["N"], row["w"]) == ("2026-09|MPS|hackney|burglary", "1", "1.0")
    assert (row["answer_whole_experience"], row["sat_whole_experience"]) == (
        "fairly_dissatisfied",
        "0",
    )
    assert row["sat_kept_informed"] == ""  # don't know: out of the base
    assert "Quartermaine" not in download.text()


def test_the_survey_pages_are_accessible(page, invited):
    page.goto(invited["link"])
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start now").click()
    page.get_by_role("button", name="Continue").click()  # nothing chosen: the error state
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe_violations(page) == []
    page.goto("/survey/not-a-real-link/")
    assert axe_violations(page) == []


def test_a_domestic_abuse_victim_answers_by_the_emailed_link_after_an_officer_approves(
    browser, live_server, page
):
    """The officer approves the contact on the page; the invitation goes by the victim's
    confirmed safe email, neutral; the victim answers with "Exit this page" on every page
    and nothing on screen naming domestic abuse; the link then works no more."""
    import re

    from tests.surveys.test_domestic_abuse import da_victim
    from victimcare.notifications.models import Notification
    from victimcare.surveys.models import DaResponse
    from victimcare.surveys.services.domestic_abuse import da_contacts_propose, da_invitation_send

    care_reference_data_reload()
    mps = force_make("MPS", "Metropolitan Police Service")
    victim = da_victim(mps, given_name="Ottilie", family_name="Brackenbury")
    (contact,) = da_contacts_propose(force=mps, month=victim.case.reported_at.date()).proposed
    staff_make(Role.OFFICER, force=mps, username="officer.da")
    sign_in(page, "officer.da")
    page.get_by_role("link", name="Domestic abuse survey").click()
    page.get_by_role("button", name="Approve contact").click()
    assert "Contact approved." in page.content()
    contact.refresh_from_db()
    da_invitation_send(contact=contact)
    email = Notification.objects.get(idempotency_key=f"feedback:{contact.pk}")
    assert not re.search("domestic|abuse", email.subject + email.body, re.IGNORECASE)
    link = re.search(r"(/feedback/[A-Za-z0-9_-]{43}/)", email.body).group(1)

    context = browser.new_context(base_url=live_server.url)
    victim_page = context.new_page()
    victim_page.goto(link)
    assert victim_page.get_by_role("button", name="Exit this page").is_visible()
    assert "abuse" not in victim_page.title().lower()
    assert "Brackenbury" not in victim_page.content()
    assert axe_violations(victim_page) == []
    victim_page.get_by_role("button", name="Start now").click()
    for answer in SCALE_ANSWERS:
        assert victim_page.get_by_role("button", name="Exit this page").is_visible()
        victim_page.get_by_label(answer, exact=True).check()
        victim_page.get_by_role("button", name="Continue").click()
    victim_page.get_by_label("Yes", exact=True).check()  # felt safer
    victim_page.get_by_role("button", name="Continue").click()
    victim_page.get_by_role("button", name="Continue").click()  # no comment
    assert victim_page.get_by_role("heading", level=1).inner_text() == (
        "Check your answers before sending them"
    )
    victim_page.get_by_role("button", name="Send answers").click()
    assert "your answers have been sent" in victim_page.get_by_role("heading", level=1).inner_text()
    assert DaResponse.objects.get().answers["whole_experience"] == "fairly_dissatisfied"
    # The link works once.
    assert victim_page.goto(link).status == 404
    assert victim_page.get_by_role("button", name="Exit this page").is_visible()
    context.close()
