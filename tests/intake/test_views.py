"""The online report, one question a page, saved at every step; staff entry; the card."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import case_make, force_make, staff_make
from tests.intake.factories import reporting_world
from victimcare.accounts.constants import Role
from victimcare.cases.models import Case
from victimcare.intake.models import ReportDraft

pytestmark = pytest.mark.django_db

STEP_POSTS = [
    ("what", {"crime_type": "domestic-burglary"}),
    ("details", {"summary": "They took my bike from the shed."}),
    ("where", {"area": "hackney"}),
    (
        "when",
        {
            "occurred_on_day": "1",
            "occurred_on_month": "9",
            "occurred_on_year": "2026",
            "occurred_time": "9.15",
        },
    ),
    ("about-you", {"given_name": "Ada", "family_name": "Testperson"}),
    ("contact", {"preferred_contact": "sms", "phone": "07700 900123", "phone_is_safe": "yes"}),
    ("visit", {"wants_visit": "no"}),
    ("equality", {"ethnicity": "prefer_not_to_say"}),
]


def start(client, force="MPS"):
    return client.post(reverse("intake:report-start") + f"?force={force}", {"force": force})


def test_a_victim_reports_online_step_by_step_and_gets_a_reference(client):
    reporting_world()
    force_make("GMP")
    response = start(client)
    assert response["Location"] == reverse("intake:report-step", kwargs={"step": "what"})
    for step, data in STEP_POSTS:
        response = client.post(reverse("intake:report-step", kwargs={"step": step}), data)
        assert response.status_code == 302, (step, response.content[:2000])
    assert response["Location"] == reverse("intake:report-check")
    check = client.get(reverse("intake:report-check"))
    assert "They took my bike" in check.content.decode()
    response = client.post(reverse("intake:report-check"))
    assert response["Location"] == reverse("intake:report-confirmation")
    case = Case.objects.get()
    assert case.channel == "online"
    assert timezone.localtime(case.occurred_at).strftime("%H:%M") == "09:15"
    page = client.get(reverse("intake:report-confirmation")).content.decode()
    assert case.reference in page
    card = client.get(reverse("intake:report-care-card")).content.decode()
    assert case.reference in card
    assert "08 08 16 89 111" in card


def test_without_a_preset_force_the_first_question_asks_which_force(client):
    reporting_world()
    force_make("GMP", "Greater Manchester Police")
    response = client.post(reverse("intake:report-start"))
    assert response["Location"] == reverse("intake:report-step", kwargs={"step": "postcode"})
    response = client.post(response["Location"], {"crime_postcode": ""})  # not known
    assert response["Location"] == reverse("intake:report-step", kwargs={"step": "force"})
    page = client.get(response["Location"]).content.decode()
    assert "Greater Manchester Police" in page
    assert "<h1" in page


def test_an_empty_answer_shows_an_error_summary_and_inline_error(client):
    reporting_world()
    start(client)
    response = client.post(
        reverse("intake:report-step", kwargs={"step": "details"}), {"summary": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_summary"' in page
    assert 'class="govuk-error-message"' in page
    assert page.count("Enter what happened") == 2
    assert "<title>Error:" in page


def test_a_bad_date_says_what_is_wrong(client):
    reporting_world()
    start(client)
    response = client.post(
        reverse("intake:report-step", kwargs={"step": "when"}),
        {"occurred_on_day": "31", "occurred_on_month": "2", "occurred_on_year": "2026"},
    )
    assert "Enter a real date" in response.content.decode()


def test_the_resume_link_carries_only_a_token_and_brings_the_answers_back(client):
    reporting_world()
    start(client)
    client.post(
        reverse("intake:report-step", kwargs={"step": "what"}), {"crime_type": "domestic-burglary"}
    )
    client.post(
        reverse("intake:report-step", kwargs={"step": "details"}), {"summary": "Secret details"}
    )
    saved = client.get(reverse("intake:report-saved")).content.decode()
    link = re.search(r'value="(http://testserver/report/resume/\?token=[^"]+)"', saved).group(1)
    assert "Secret" not in link
    assert "Ada" not in link
    client.cookies.clear()  # the browser was closed
    response = client.get(link.replace("http://testserver", ""))
    assert response["Location"] == reverse("intake:report-step", kwargs={"step": "where"})
    page = client.get(reverse("intake:report-step", kwargs={"step": "details"})).content.decode()
    assert "Secret details" in page


def test_an_unknown_resume_token_explains_what_to_do(client):
    response = client.get(reverse("intake:report-resume") + "?token=nope")
    assert "expired or is not valid" in response.content.decode()


def test_submitting_an_incomplete_draft_lists_what_to_fix(client):
    reporting_world()
    start(client)
    response = client.post(reverse("intake:report-check"))
    assert response.status_code == 200
    assert "Select what happened" in response.content.decode()
    assert not Case.objects.exists()
    assert ReportDraft.objects.count() == 1


STAFF_POST = {
    "report-channel": "front_counter",
    "what-crime_type": "domestic-burglary",
    "details-summary": "Reported at the counter.",
    "where-area": "enfield",
    "when-occurred_on_day": "2",
    "when-occurred_on_month": "9",
    "when-occurred_on_year": "2026",
    "about-you-given_name": "Cy",
    "about-you-family_name": "Example",
    "contact-preferred_contact": "letter",
    "contact-address": "1 High Street, London",
    "contact-postcode": "SW1A 2AA",
    "visit-wants_visit": "yes",
}


def test_staff_record_a_front_counter_report_with_channel_and_recorder(client):
    force = reporting_world()
    officer = staff_make(Role.CALL_HANDLER, force=force)
    client.force_login(officer)
    response = client.post(reverse("intake:staff-report"), STAFF_POST)
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    assert case.channel == "front_counter"
    assert case.recorded_by == officer


def test_staff_entry_shows_every_error_on_one_page(client):
    force = reporting_world()
    client.force_login(staff_make(Role.OFFICER, force=force))
    page = client.post(reverse("intake:staff-report"), {}).content.decode()
    for message in [
        "Select how the crime was reported",
        "Select what happened",
        "Enter the victim&#x27;s first name",
    ]:
        assert message in page


def test_the_case_page_has_the_care_card_panel_and_a_pdf(client):
    force = reporting_world()
    case = case_make(force=force)
    client.force_login(staff_make(Role.OFFICER, force=force))
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("intake:care-card", kwargs={"reference": case.reference}) in page
    pdf = client.get(reverse("intake:care-card-pdf", kwargs={"reference": case.reference}))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
