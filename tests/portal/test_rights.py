"""Track my case and the victim's rights (issue 15): the referral opt-out until the
referral goes, consent wording where the crime needs it, complaints, asking for a review
only when the case allows it, and what the victim is entitled to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.care.factories import care_case_make, domestic_abuse_type
from tests.care.test_victim_rights import decide, referral_sent
from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent, Victim
from victimcare.portal.views import SEEN_KEY, VICTIM_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def force():
    return force_make("MPS", "Metropolitan Police Service")


def recent_case(force, **kwargs):
    return care_case_make(force=force, reported_at=timezone.now() - timedelta(hours=2), **kwargs)


def signed_in(client, case) -> Victim:
    """The victim of ``case`` signed in to Track my case (as after entering their code)."""
    victim = Victim.objects.get(case=case)
    session = client.session
    session[VICTIM_KEY] = victim.pk
    session[SEEN_KEY] = timezone.now().timestamp()
    session.save()
    return victim


def kinds(case, kind):
    return CaseEvent.objects.filter(case=case, kind=kind).count()


def test_the_case_page_links_every_right(client, force):
    case = recent_case(force)
    signed_in(client, case)
    page = client.get(reverse("portal:case")).content.decode()
    for name in ("portal:entitlements", "portal:referral", "portal:complaint"):
        assert reverse(name) in page
    assert reverse("portal:review") not in page  # no reviewable decision


def test_opt_out_in_track_my_case_before_the_referral_goes(client, force):
    case = recent_case(force)
    signed_in(client, case)
    page = client.get(reverse("portal:referral")).content.decode()
    assert "We will pass your details to a local victim support service" in page
    assert "You can say no." in page
    response = client.post(reverse("portal:referral"), {"answer": "no"})
    assert response.status_code == 302
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL_DECLINED)
    assert event.detail["source"] == "track_my_case"
    timeline = client.get(reverse("portal:case")).content.decode()
    assert "We will not pass them on." in timeline


def test_after_the_referral_went_track_my_case_says_so_and_offers_no_opt_out(client, force):
    case = recent_case(force)
    referral_sent(case)
    signed_in(client, case)
    page = client.get(reverse("portal:referral")).content.decode()
    assert "too late to stop that here" in page
    assert 'name="answer"' not in page
    response = client.post(reverse("portal:referral"), {"answer": "no"})
    assert response.status_code == 200
    assert kinds(case, EventKind.REFERRAL_DECLINED) == 0


def test_consent_crimes_ask_for_consent_in_track_my_case(client, force):
    case = recent_case(force, crime_type=domestic_abuse_type())
    signed_in(client, case)
    page = client.get(reverse("portal:referral")).content.decode()
    assert "Do you want us to pass your details to a local victim support service?" in page
    assert "We will only pass your details to them if you say yes." in page
    client.post(reverse("portal:referral"), {"answer": "yes"})
    assert CaseEvent.objects.filter(case=case, detail__referral_consent="yes").count() == 1


def test_a_referral_answer_that_is_neither_yes_nor_no_shows_an_error_and_records_nothing(
    client, force
):
    case = recent_case(force)
    signed_in(client, case)
    page = client.post(reverse("portal:referral"), {"answer": "maybe"}).content.decode()
    assert "govuk-error-summary" in page
    assert kinds(case, EventKind.REFERRAL_DECLINED) == 0


def test_a_complaint_is_recorded_acknowledged_by_a_supervisor_and_seen_by_the_victim(client, force):
    case = recent_case(force)
    signed_in(client, case)
    response = client.post(reverse("portal:complaint"), {"text": "Nobody called me back."})
    assert response["Location"] == reverse("portal:case")
    assert "We received your complaint" in client.get(reverse("portal:case")).content.decode()
    complaint = CaseEvent.objects.get(case=case, kind=EventKind.COMPLAINT_MADE)
    assert complaint.detail["text"] == "Nobody called me back."
    supervisor = staff_make(Role.SUPERVISOR, force=force)
    client.force_login(supervisor)  # the same browser: the victim's session stays
    case_page = client.get(case.get_absolute_url()).content.decode()
    assert "Nobody called me back." in case_page
    client.post(
        reverse(
            "care:complaint-acknowledge", kwargs={"reference": case.reference, "pk": complaint.pk}
        )
    )
    assert kinds(case, EventKind.COMPLAINT_ACKNOWLEDGED) == 1
    assert "A supervisor has acknowledged your complaint" in (
        client.get(reverse("portal:case")).content.decode()
    )


def test_complaints_are_shown_to_supervisors_not_to_officers(client, force):
    case = recent_case(force)
    signed_in(client, case)
    client.post(reverse("portal:complaint"), {"text": "Nobody called me back."})
    client.force_login(staff_make(Role.OFFICER, force=force))
    assert "Nobody called me back." not in client.get(case.get_absolute_url()).content.decode()


def test_an_empty_complaint_shows_an_error_summary_and_records_nothing(client, force):
    case = recent_case(force)
    signed_in(client, case)
    page = client.post(reverse("portal:complaint"), {"text": "  "}).content.decode()
    assert "govuk-error-summary" in page
    assert "Enter what your complaint is about" in page
    assert kinds(case, EventKind.COMPLAINT_MADE) == 0


def test_an_ineligible_review_request_shows_a_clear_page_and_records_nothing(client, force):
    case = recent_case(force)
    decide(case, "charge", at=timezone.now() - timedelta(minutes=5))
    signed_in(client, case)
    for response in (
        client.get(reverse("portal:review")),
        client.post(reverse("portal:review"), {"reason": "Please look again"}),
    ):
        assert response.status_code == 200
        assert "You cannot ask for a review of this case" in response.content.decode()
    assert kinds(case, EventKind.VRR_REQUESTED) == 0


def test_an_eligible_victim_asks_for_a_review_in_track_my_case(client, force):
    case = recent_case(force)
    decide(
        case,
        "interview_under_caution",
        "no_further_action",
        at=timezone.now() - timedelta(minutes=5),
    )
    signed_in(client, case)
    assert reverse("portal:review") in client.get(reverse("portal:case")).content.decode()
    response = client.post(reverse("portal:review"), {"reason": "Please look again"})
    assert response["Location"] == reverse("portal:case")
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.VRR_REQUESTED)
    assert event.detail["source"] == "track_my_case"
    assert "You have already asked" in client.get(reverse("portal:review")).content.decode()


def test_the_entitlements_page_shows_property_held_and_the_rights(client, force):
    case = recent_case(force)
    today = timezone.localdate()
    taken, words_day = f"{today.day}/{today.month}/{today.year}", f"{today.day} {today:%B %Y}"
    officer = staff_make(Role.OFFICER, force=force)
    client.force_login(officer)
    client.post(
        reverse("care:property", kwargs={"reference": case.reference}),
        {"description": "Black mountain bike", "taken_on": taken},
    )
    signed_in(client, case)
    page = client.get(reverse("portal:entitlements")).content.decode()
    for words in (
        "What you are entitled to",
        "Information about compensation",
        f"Black mountain bike: taken on {words_day}. We are holding it",
        "Making a complaint",
        "within 5 working days",
    ):
        assert words in page
    track = client.get(reverse("portal:case")).content.decode()
    assert "Your property we hold" in track
    assert f"Black mountain bike: taken on {words_day}" in track
