"""Enhanced grounds and the referral question where reports are taken (issue 15): the
online form in the victim's words, staff entry in the staff member's, when the victim
reported, and the opt-out on the confirmation page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.care.factories import domestic_abuse_type
from tests.factories import crime_type_make, staff_make
from tests.intake.factories import reporting_world
from tests.intake.test_views import STAFF_POST, STEP_POSTS, start
from victimcare.accounts.constants import Role
from victimcare.cases.constants import EventKind, GroundSource
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.core.timezones import LONDON
from victimcare.forces.models import CrimeType
from victimcare.intake.forms import _choices_within

pytestmark = pytest.mark.django_db


def step(client, slug, data):
    return client.post(reverse("intake:report-step", kwargs={"step": slug}), data)


def report_online(client, extra: dict[str, dict]) -> Case:
    """The online report with ``extra`` answers for the issue 15 steps (by slug)."""
    start(client)
    for slug, data in STEP_POSTS:
        response = step(client, slug, data)
        assert response.status_code == 302, (slug, response.content[:1500])
    for slug, data in extra.items():
        response = step(client, slug, data)
        assert response.status_code == 302, (slug, response.content[:1500])
    response = client.post(reverse("intake:report-check"))
    assert response["Location"] == reverse("intake:report-confirmation")
    return Case.objects.get()


# --- the online form ---------------------------------------------------------------------


def test_the_online_form_asks_about_grounds_in_the_victims_words_after_about_you(client):
    reporting_world()
    start(client)
    response = step(client, "about-you", {"given_name": "Ada", "family_name": "Testperson"})
    assert response["Location"] == reverse("intake:report-step", kwargs={"step": "your-situation"})
    page = client.get(response["Location"]).content.decode()
    for question in (
        "Has the same person or people done things like this to you before?",
        "Are you worried about what might happen if you help the police",
        "Do you have a condition that might make it harder for you to give evidence",
        "Prefer not to say",
    ):
        assert question in page


def test_grounds_from_the_online_form_reach_the_victim_with_their_source(client):
    reporting_world()
    case = report_online(
        client,
        {
            "your-situation": {
                "persistently_targeted": "yes",
                "intimidated": "prefer_not_to_say",
                "vulnerable": "no",
            }
        },
    )
    victim = Victim.objects.get(case=case)
    assert victim.persistently_targeted
    assert not victim.intimidated
    assert not victim.vulnerable
    [entry] = victim.enhanced_grounds
    assert entry["ground"] == "persistently_targeted"
    assert entry["source"] == GroundSource.RECORDED
    assert entry["by"] == "victim (online report)"


def test_the_grounds_step_may_be_left_blank(client):
    reporting_world()
    case = report_online(client, {"your-situation": {}})
    assert not Victim.objects.get(case=case).is_enhanced


def test_the_online_form_does_not_offer_crime_types_not_reportable_online(client):
    """Crimes reported only through 999 or an officer are not offered; a death is offered,
    but choosing it leads to the 999 and 101 page (tests/intake/test_safeguards.py)."""
    reporting_world()
    crime_type_make("terrorism")
    CrimeType.objects.filter(code="terrorism").update(
        reportable_online=False, plain_name="I was harmed in a terrorist attack"
    )
    start(client)
    page = client.get(reverse("intake:report-step", kwargs={"step": "what"})).content.decode()
    assert 'value="domestic-burglary"' in page
    assert 'value="terrorism"' not in page
    response = step(client, "what", {"crime_type": "terrorism"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_opt_out_on_the_online_form_records_the_objection_before_any_referral(client):
    reporting_world()
    start(client)
    page = client.get(reverse("intake:report-step", kwargs={"step": "support"})).content.decode()
    assert (
        "We will pass your details to a local victim support service so they can offer help. "
        "You can say no."
    ) in page
    case = report_online(client, {"support": {"referral": "no"}})
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL_DECLINED)
    assert event.detail["source"] == "online_form"


def test_consent_crimes_ask_for_consent_on_the_online_form(client):
    reporting_world()
    abuse = domestic_abuse_type()
    start(client)
    step(client, "what", {"crime_type": abuse.code})
    support = reverse("intake:report-step", kwargs={"step": "support"})
    consent = reverse("intake:report-step", kwargs={"step": "support-consent"})
    assert client.get(support)["Location"] != support  # not this crime's question
    page = client.get(consent).content.decode()
    assert "Do you want us to pass your details to a local victim support service?" in page
    assert step(client, "support-consent", {"referral_consent": "yes"}).status_code == 302


# --- the confirmation page ---------------------------------------------------------------


def test_the_confirmation_page_offers_the_opt_out_that_exists_and_records_it(client):
    reporting_world()
    case = report_online(client, {})
    page = client.get(reverse("intake:report-confirmation")).content.decode()
    assert "You can say no." in page
    assert reverse("intake:report-referral") in page
    response = client.post(reverse("intake:report-referral"), {"answer": "no"})
    assert response["Location"] == reverse("intake:report-confirmation")
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL_DECLINED)
    assert event.detail["source"] == "confirmation_page"
    page = client.get(reverse("intake:report-confirmation")).content.decode()
    assert "You told us not to pass your details" in page
    assert reverse("intake:report-referral") not in page


def test_a_confirmation_page_answer_that_is_not_yes_or_no_records_nothing(client):
    reporting_world()
    case = report_online(client, {})
    page = client.post(reverse("intake:report-referral"), {"answer": ""}).content.decode()
    assert "govuk-error-summary" in page
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL_DECLINED).exists()


# --- staff entry -------------------------------------------------------------------------


def staff_post(**extra) -> dict:
    return {**STAFF_POST, **extra}


def test_staff_entry_records_grounds_and_when_the_victim_reported(client):
    force = reporting_world()
    recorder = staff_make(Role.CALL_HANDLER, force=force)
    client.force_login(recorder)
    page = client.get(reverse("intake:staff-report")).content.decode()
    assert "Enhanced entitlement" in page
    assert "Date the victim reported" in page
    reported = (
        (timezone.now() - timedelta(days=1)).astimezone(LONDON).replace(second=0, microsecond=0)
    )
    response = client.post(
        reverse("intake:staff-report"),
        staff_post(
            **{
                "reported-reported_on_day": str(reported.day),
                "reported-reported_on_month": str(reported.month),
                "reported-reported_on_year": str(reported.year),
                "reported-reported_time": reported.strftime("%H:%M"),
                "grounds-enhanced_grounds": ["intimidated", "vulnerable"],
            }
        ),
    )
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    assert case.reported_at == reported
    victim = Victim.objects.get(case=case)
    assert victim.intimidated
    assert victim.vulnerable
    recorded = {e["ground"]: e for e in victim.enhanced_grounds}
    assert recorded["intimidated"]["source"] == GroundSource.RECORDED
    assert recorded["intimidated"]["by"] == recorder.username


def test_staff_entry_left_blank_reports_now(client):
    force = reporting_world()
    client.force_login(staff_make(Role.OFFICER, force=force))
    before = timezone.now()
    client.post(reverse("intake:staff-report"), staff_post())
    assert Case.objects.get().reported_at >= before


REPORTED_AT_REFUSED = [
    # (date, time, error); the crime in STAFF_POST happened on 2 September 2026 (no time)
    ("tomorrow", "12:00", "must be today or in the past"),
    ("today", "23:59", "must not be in the future"),
    ("2026-09-01", "14:00", "cannot have reported before the crime"),
    ("2026-08-31", "", "Enter the time the victim reported"),
    ("2026-09-02", "25:00", "Enter a time like 14:30"),
]


@pytest.mark.parametrize(("day", "clock", "error"), REPORTED_AT_REFUSED)
def test_staff_entry_refuses_a_report_time_in_the_future_or_before_the_crime(
    client, day, clock, error
):
    force = reporting_world()
    client.force_login(staff_make(Role.OFFICER, force=force))
    today = timezone.now().astimezone(LONDON).date()
    when = {"today": today, "tomorrow": today + timedelta(days=1)}.get(day)
    if when is None:
        year, month, dom = (int(p) for p in day.split("-"))
    else:
        year, month, dom = when.year, when.month, when.day
    if day == "today" and timezone.now().astimezone(LONDON).strftime("%H:%M") >= "23:58":
        pytest.skip("too close to midnight to be in the future today")
    page = client.post(
        reverse("intake:staff-report"),
        staff_post(
            **{
                "reported-reported_on_day": str(dom),
                "reported-reported_on_month": str(month),
                "reported-reported_on_year": str(year),
                "reported-reported_time": clock,
            }
        ),
    ).content.decode()
    assert error in page
    assert "govuk-error-summary" in page
    assert not Case.objects.exists()


def test_staff_entry_refuses_unknown_grounds_and_records_nothing(client):
    force = reporting_world()
    client.force_login(staff_make(Role.OFFICER, force=force))
    page = client.post(
        reverse("intake:staff-report"), staff_post(**{"grounds-enhanced_grounds": ["brave"]})
    ).content.decode()
    assert "Choose grounds from the list" in page
    assert not Case.objects.exists()


def test_online_crime_type_choices_drop_what_is_not_kept_flat_or_grouped():
    flat = [("a", "A"), ("b", "B")]
    grouped = [("Home", [("a", "A"), ("b", "B")]), ("Death", [("c", "C")])]
    assert _choices_within(flat, {"a"}) == [("a", "A")]
    assert _choices_within(grouped, {"a", "b"}) == [("Home", [("a", "A"), ("b", "B")])]
