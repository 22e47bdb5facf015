"""Victim safeguards on the report form and Track my case: 'Exit this page' on
domestic-abuse and sexual-offence journeys, texts only to UK mobiles, the age against the
date of birth, the staff form in the staff member's voice, and bereaved relatives sent to
999 / 101 with nothing kept."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import case_make, force_make, staff_make
from tests.intake.factories import answers_make, reporting_world
from tests.portal.steps import sign_in as portal_sign_in
from victimcare.accounts.constants import Role
from victimcare.cases.models import Case, Victim
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import CrimeType
from victimcare.intake.constants import is_uk_mobile
from victimcare.intake.forms import ContactForm, answers_cross_check, answers_validate
from victimcare.intake.models import ReportDraft
from victimcare.intake.views import DRAFT_COOKIE
from victimcare.portal.forms import ContactPreferencesForm

pytestmark = pytest.mark.django_db

EXIT = 'data-module="govuk-exit-this-page"'


def crime_type_add(code, **flags) -> CrimeType:
    return CrimeType.objects.create(
        code=code,
        name=code.replace("-", " ").capitalize(),
        plain_name=flags.pop("plain_name", code),
        survey_group=SurveyGroup.OTHER,
        **flags,
    )


def sensitive_world():
    force = reporting_world()
    crime_type_add("domestic-abuse", is_domestic_abuse=True, report_group="Someone close to me")
    crime_type_add("sexual-offence", is_sexual_offence=True, report_group="Someone hurt me")
    crime_type_add(
        "homicide-bereaved",
        plain_name="Someone close to me was killed",
        report_group="Someone close to me",
    )
    return force


def start(client):
    return client.post(reverse("intake:report-start") + "?force=MPS", {"force": "MPS"})


def step(client, slug, data):
    return client.post(reverse("intake:report-step", kwargs={"step": slug}), data)


def page_of(client, slug) -> str:
    return client.get(reverse("intake:report-step", kwargs={"step": slug})).content.decode()


# --- Exit this page ------------------------------------------------------------------------

EXIT_THIS_PAGE = [
    ("domestic-abuse", True),
    ("sexual-offence", True),
    ("domestic-burglary", False),
    ("homicide-bereaved", False),
]


@pytest.mark.parametrize(("crime_type", "shown"), EXIT_THIS_PAGE)
def test_exit_this_page_is_on_domestic_abuse_and_sexual_offence_pages(client, crime_type, shown):
    sensitive_world()
    assert CrimeType.objects.get(code=crime_type).needs_exit_this_page is shown


@pytest.mark.parametrize("crime_type", ["domestic-abuse", "sexual-offence"])
def test_exit_this_page_from_the_moment_the_victim_says_the_crime_type(client, crime_type):
    sensitive_world()
    start(client)
    assert EXIT not in page_of(client, "what")  # not yet said
    assert step(client, "what", {"crime_type": crime_type}).status_code == 302
    for slug in ("hate", "details", "where", "when", "about-you", "contact", "visit", "equality"):
        assert EXIT in page_of(client, slug), slug
    assert EXIT in page_of(client, "what")  # going back to change it
    assert EXIT in client.get(reverse("intake:report-check")).content.decode()
    assert EXIT in client.get(reverse("intake:report-saved")).content.decode()


def test_exit_this_page_stays_through_confirmation_and_the_care_card(client):
    sensitive_world()
    start(client)
    answers = answers_make(crime_type="domestic-abuse")
    step(client, "what", {"crime_type": "domestic-abuse"})
    step(client, "details", {"summary": answers["summary"]})
    step(client, "where", {"area": "hackney"})
    step(
        client,
        "when",
        {"occurred_on_day": "1", "occurred_on_month": "9", "occurred_on_year": "2026"},
    )
    step(client, "about-you", {"given_name": "Ada", "family_name": "Testperson"})
    step(client, "contact", {"preferred_contact": "email", "email": "ada@example.com"})
    step(client, "visit", {"wants_visit": "no"})
    response = client.post(reverse("intake:report-check"))
    assert response["Location"] == reverse("intake:report-confirmation")
    assert EXIT in client.get(reverse("intake:report-confirmation")).content.decode()
    assert EXIT in client.get(reverse("intake:report-care-card")).content.decode()


def test_exit_this_page_is_not_on_other_journeys(client):
    sensitive_world()
    start(client)
    step(client, "what", {"crime_type": "domestic-burglary"})
    assert EXIT not in page_of(client, "details")
    assert EXIT not in client.get(reverse("intake:report-check")).content.decode()


@pytest.mark.parametrize(("crime_type", "shown"), EXIT_THIS_PAGE[:3])
def test_exit_this_page_on_track_my_case_for_such_cases(client, mailoutbox, crime_type, shown):
    force = force_make("MPS", "Metropolitan Police Service")
    sensitive_world()
    case = case_make(force=force, crime_type=CrimeType.objects.get(code=crime_type))
    portal_sign_in(client, case, mailoutbox)
    for name in ("portal:case", "portal:contact", "portal:care-card"):
        page = client.get(reverse(name)).content.decode()
        assert (EXIT in page) is shown, name


def test_the_staff_care_card_has_no_exit_this_page(client):
    sensitive_world()
    case = case_make(
        force=force_make("MPS"), crime_type=CrimeType.objects.get(code="domestic-abuse")
    )
    client.force_login(staff_make(Role.OFFICER, force=case.force))
    page = client.get(reverse("intake:care-card", kwargs={"reference": case.reference}))
    assert EXIT not in page.content.decode()


# --- texts only to UK mobiles --------------------------------------------------------------

UK_MOBILE_FOR_TEXTS = [
    ("07700 900123", True),
    ("07700900123", True),
    ("07700-900-123", True),
    ("+44 7700 900123", True),
    ("+44 (0)7700 900123", True),
    ("+447700900123", True),
    ("020 7946 0123", False),  # London landline
    ("0161 496 0000", False),  # Manchester landline
    ("+44 20 7946 0123", False),
    ("0800 123 4567", False),  # freephone
    ("+33 6 12 34 56 78", False),  # a French mobile
    ("0770 090 012", False),  # one digit short
]


@pytest.mark.parametrize(("phone", "mobile"), UK_MOBILE_FOR_TEXTS)
def test_texts_go_only_to_uk_mobiles(phone, mobile):
    assert is_uk_mobile(phone) is mobile
    data = {"preferred_contact": "sms", "phone": phone, "phone_is_safe": "yes"}
    for form in (ContactForm(data=data), ContactPreferencesForm(data=data)):
        assert form.is_valid() is mobile, form.errors
        if not mobile:
            assert "UK mobile number" in form.errors["phone"][0]


@pytest.mark.parametrize("phone", ["020 7946 0123", "07700 900123"])
def test_any_phone_number_will_do_for_calls(phone):
    form = ContactForm(data={"preferred_contact": "phone", "phone": phone, "phone_is_safe": "yes"})
    assert form.is_valid(), form.errors


def test_a_landline_chosen_for_texts_is_a_form_error_and_nothing_is_saved(client):
    reporting_world()
    start(client)
    response = step(
        client,
        "contact",
        {"preferred_contact": "sms", "phone": "020 7946 0123", "phone_is_safe": "yes"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_phone"' in page
    assert "Text messages need a UK mobile number" in page


def test_the_api_refuses_texts_to_a_landline():
    force = reporting_world()
    _cleaned, errors = answers_validate(
        force=force, answers=answers_make(preferred_contact="sms", phone="020 7946 0123")
    )
    assert "phone" in errors


# --- the age against the date of birth ----------------------------------------------------


def years_ago(years: int, days: int = 0) -> str:
    today = timezone.localdate()
    return (date(today.year - years, today.month, min(today.day, 28)) + timedelta(days)).isoformat()


AGE_FITS_DATE_OF_BIRTH = [
    ("under_16", "1985-06-15", False),
    ("under_16", years_ago(10), True),
    ("under_16", years_ago(16), False),  # 16 today
    ("16_24", years_ago(16), True),
    ("16_24", years_ago(16, days=1), False),  # 16 tomorrow: still 15
    ("35_44", years_ago(40), True),
    ("65_plus", "1930-01-01", True),
    ("65_plus", "1985-06-15", False),
    ("prefer_not_to_say", "1985-06-15", True),
    ("under_16", "", True),  # no date of birth: nothing to check against
    ("", "1985-06-15", True),
]


@pytest.mark.parametrize(("age_band", "born", "fits"), AGE_FITS_DATE_OF_BIRTH)
def test_the_age_must_fit_the_date_of_birth(age_band, born, fits):
    errors = answers_cross_check({"age_band": age_band, "date_of_birth": born})
    assert (errors == {}) is fits
    if not fits:
        assert set(errors) == {"age_band", "date_of_birth"}  # an error on both


def test_under_16_with_a_1985_birth_is_refused_on_both_fields_by_the_api_rules():
    force = reporting_world()
    _cleaned, errors = answers_validate(
        force=force, answers=answers_make(age_band="under_16", date_of_birth="1985-06-15")
    )
    assert "Your age does not match" in errors["age_band"][0]
    assert "Your date of birth does not match" in errors["date_of_birth"][0]


def test_online_the_age_page_says_it_does_not_fit_and_keeps_nothing(client):
    reporting_world()
    start(client)
    step(
        client,
        "about-you",
        {
            "given_name": "Ada",
            "family_name": "Testperson",
            "date_of_birth_day": "15",
            "date_of_birth_month": "6",
            "date_of_birth_year": "1985",
        },
    )
    response = step(client, "equality", {"age_band": "under_16"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your age does not match your date of birth" in page
    assert 'href="#id_age_band"' in page
    response = step(client, "equality", {"age_band": "35_44"})
    assert response.status_code == 302


def test_online_changing_the_date_of_birth_later_is_checked_against_the_age(client):
    reporting_world()
    start(client)
    step(client, "equality", {"age_band": "under_16"})
    response = step(
        client,
        "about-you",
        {
            "given_name": "Ada",
            "family_name": "Testperson",
            "date_of_birth_day": "15",
            "date_of_birth_month": "6",
            "date_of_birth_year": "1985",
        },
    )
    page = response.content.decode()
    assert "Your date of birth does not match your age" in page
    assert 'href="#id_date_of_birth_day"' in page


# --- the staff form in the staff member's voice -------------------------------------------

STAFF_POST = {
    "report-channel": "phone",
    "what-crime_type": "domestic-burglary",
    "details-summary": "Shed broken into.",
    "where-area": "hackney",
    "when-occurred_on_day": "1",
    "when-occurred_on_month": "9",
    "when-occurred_on_year": "2026",
    "about-you-given_name": "Cy",
    "about-you-family_name": "Example",
    "about-you-date_of_birth_day": "15",
    "about-you-date_of_birth_month": "6",
    "about-you-date_of_birth_year": "1985",
    "contact-preferred_contact": "email",
    "contact-email": "cy@example.com",
    "visit-wants_visit": "yes",
}


@pytest.fixture
def handler(client):
    force = reporting_world()
    user = staff_make(Role.CALL_HANDLER, force=force)
    client.force_login(user)
    return user


STAFF_VOICE = [
    "The victim&#x27;s details",
    "How would the victim like us to contact them?",
    "Is it safe to contact the victim on this number?",
    "Would the victim like a visit from a police officer?",
    "The victim&#x27;s age",
    "Does the victim think it happened because of who they are",
]
VICTIM_VOICE = [
    "Your details",
    "How would you like us to contact you?",
    "Is it safe for us to contact you on this number?",
    "Would you like a visit",
    "Your age",
    "Tell us what happened",
]


def test_the_staff_form_speaks_in_the_staff_members_voice(client, handler):
    page = client.get(reverse("intake:staff-report")).content.decode()
    for words in STAFF_VOICE:
        assert words in page, words
    for words in VICTIM_VOICE:
        assert words not in page, words


STAFF_ERRORS = [
    ("about-you-given_name", "Enter the victim&#x27;s first name"),
    ("about-you-family_name", "Enter the victim&#x27;s last name"),
    ("contact-email", "Enter the victim&#x27;s email address"),
    ("visit-wants_visit", "Select yes if the victim would like a visit"),
]


@pytest.mark.parametrize(("left_out", "message"), STAFF_ERRORS)
def test_the_staff_forms_errors_speak_of_the_victim(client, handler, left_out, message):
    data = {k: v for k, v in STAFF_POST.items() if k != left_out}
    page = client.post(reverse("intake:staff-report"), data).content.decode()
    assert message in page
    assert not Case.objects.exists()


def test_staff_under_16_with_a_1985_birth_is_an_error_on_both_fields(client, handler):
    data = {**STAFF_POST, "equality-age_band": "under_16"}
    response = client.post(reverse("intake:staff-report"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The victim&#x27;s age does not match their date of birth" in page
    assert "The victim&#x27;s date of birth does not match their age" in page
    assert 'href="#id_equality-age_band"' in page
    assert 'href="#id_about-you-date_of_birth_day"' in page
    assert not Case.objects.exists()
    assert (
        client.post(reverse("intake:staff-report"), {**data, "equality-age_band": "35_44"})[
            "Location"
        ]
        == Case.objects.get().get_absolute_url()
    )


def test_staff_cannot_text_a_landline(client, handler):
    data = {
        **STAFF_POST,
        "contact-preferred_contact": "sms",
        "contact-phone": "0161 496 0000",
        "contact-phone_is_safe": "yes",
    }
    page = client.post(reverse("intake:staff-report"), data).content.decode()
    assert "Text messages need a UK mobile number" in page
    assert not Case.objects.exists()


# --- bereaved relatives --------------------------------------------------------------------


def test_someone_close_to_me_was_killed_directs_to_999_and_keeps_nothing(client):
    sensitive_world()
    start(client)
    step(client, "details", {"summary": "My brother was killed."})
    assert ReportDraft.objects.count() == 1
    response = step(client, "what", {"crime_type": "homicide-bereaved"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "call 999" in page
    assert "<strong>101</strong>" in page
    assert ReportDraft.objects.count() == 0
    assert not Case.objects.exists()
    assert not Victim.objects.exists()
    assert response.cookies[DRAFT_COOKIE].value == ""  # the cookie is cleared
    # The report cannot go on.
    later = client.post(reverse("intake:report-check"))
    assert later["Location"] == reverse("intake:report-start")
    assert not Case.objects.exists()


def test_staff_can_still_record_a_bereaved_relatives_report(client, handler):
    crime_type_add("homicide-bereaved", report_group="Someone close to me")
    data = {**STAFF_POST, "what-crime_type": "homicide-bereaved"}
    assert client.post(reverse("intake:staff-report"), data).status_code == 302
    assert Case.objects.get().crime_type.code == "homicide-bereaved"
