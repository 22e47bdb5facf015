"""The victim-facing rights beside the clock (issue 15): the referral opt-out (and consent
where the crime needs it), the Victims' Right to Review, complaints and property held."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.care.factories import care_case_make, domestic_abuse_type
from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.models import SupportOrganisation
from victimcare.care.selectors_rights import (
    CONSENTED,
    DECLINED,
    OPEN,
    SENT,
    case_complaints,
    case_property,
    referral_state,
    victim_entitlements,
)
from victimcare.care.selectors_vrr import months_after, vrr_eligibility
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import needs_assessment_record
from victimcare.care.services.referrals import referral_objection_record, referral_send
from victimcare.care.services_rights import (
    complaint_acknowledge,
    complaint_make,
    property_record,
    property_status_set,
    referral_answer_record,
    vrr_request,
)
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent, Victim
from victimcare.cases.services import case_event_record
from victimcare.core.timezones import LONDON

pytestmark = pytest.mark.django_db


@pytest.fixture
def force():
    return force_make()


def recent_case(force, **kwargs):
    return care_case_make(force=force, reported_at=timezone.now() - timedelta(hours=2), **kwargs)


def victim_of(case) -> Victim:
    return Victim.objects.get(case=case)


def referral_sent(case):
    organisation, _ = SupportOrganisation.objects.get_or_create(name="Victim Support (test)")
    organisation.forces.add(case.force)
    victim = victim_of(case)
    needs_assessment_record(
        case=case,
        victim=victim,
        by=None,
        needs=["emotional"],
        referral_consent="yes",
        share_contact_details=True,
        safe_route="phone",
    )
    return referral_send(case=case, victim=victim, organisation=organisation, by=None)


def events_of(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind))


# --- the referral opt-out ----------------------------------------------------------------


@pytest.mark.parametrize("source", ["online_form", "confirmation_page", "track_my_case", "staff"])
def test_opt_out_before_the_referral_goes_records_the_objection_with_its_source(force, source):
    case = recent_case(force)
    victim = victim_of(case)
    referral_objection_record(case=case, victim=victim, source=source)
    declined = events_of(case, EventKind.REFERRAL_DECLINED)
    assert [e.detail["source"] for e in declined] == [source]
    assert referral_state(victim=victim).state == DECLINED
    # Objecting again records nothing more.
    referral_objection_record(case=case, victim=victim, source=source)
    assert len(events_of(case, EventKind.REFERRAL_DECLINED)) == 1


def test_an_objection_after_the_referral_went_is_refused_and_records_nothing(force):
    case = recent_case(force)
    referral_sent(case)
    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(CareError, match="already sent"):
        referral_objection_record(case=case, victim=victim_of(case), source="track_my_case")
    assert CaseEvent.objects.filter(case=case).count() == before
    assert referral_state(victim=victim_of(case)).state == SENT


def test_an_objection_from_an_unknown_source_is_refused(force):
    case = recent_case(force)
    with pytest.raises(CareError):
        referral_objection_record(case=case, victim=victim_of(case), source="carrier pigeon")
    assert not events_of(case, EventKind.REFERRAL_DECLINED)


def test_opt_out_crimes_record_nothing_for_yes(force):
    case = recent_case(force)
    assert (
        referral_answer_record(
            case=case, victim=victim_of(case), answer="yes", source="online_form"
        )
        is None
    )
    assert referral_state(victim=victim_of(case)).state == OPEN


def test_consent_crimes_record_a_yes_as_consent_and_a_no_as_declined(force):
    case = recent_case(force, crime_type=domestic_abuse_type())
    victim = victim_of(case)
    assert referral_state(victim=victim).needs_consent
    referral_answer_record(case=case, victim=victim, answer="yes", source="online_form")
    assert referral_state(victim=victim).state == CONSENTED
    referral_answer_record(case=case, victim=victim, answer="yes", source="track_my_case")
    consents = CaseEvent.objects.filter(case=case, detail__referral_consent="yes")
    assert consents.count() == 1
    referral_answer_record(case=case, victim=victim, answer="no", source="track_my_case")
    assert referral_state(victim=victim).state == DECLINED


# --- Victims' Right to Review ------------------------------------------------------------

VRR_ELIGIBILITY = [
    # (decision outcomes in order, eligible)
    (["interview_under_caution", "no_further_action"], True),
    (["interview_under_caution", "caution"], True),
    (["interview_under_caution", "community_resolution"], True),
    (["interview_under_caution", "charge"], False),
    (["no_further_action"], False),
    (["arrest", "no_further_action"], False),
    (["interview_under_caution"], False),
    ([], False),
]


def decide(case, *outcomes, at=None):
    at = at or timezone.now()
    for n, outcome in enumerate(outcomes):
        case_event_record(
            case=case,
            kind=EventKind.DECISION,
            at=at + timedelta(minutes=n),
            detail={"outcome": outcome},
        )


@pytest.mark.parametrize(("outcomes", "eligible"), VRR_ELIGIBILITY)
def test_vrr_eligibility_needs_an_interview_under_caution_then_no_charge(force, outcomes, eligible):
    case = recent_case(force)
    decide(case, *outcomes, at=timezone.now() - timedelta(minutes=30))
    assert vrr_eligibility(case=case)[0] is eligible


def test_vrr_eligibility_lasts_three_months_from_the_decision(force):
    case = care_case_make(force=force, reported_at=timezone.now() - timedelta(days=200))
    decided = timezone.now() - timedelta(days=120)
    decide(case, "interview_under_caution", "no_further_action", at=decided)
    assert vrr_eligibility(case=case)[0] is False
    assert vrr_eligibility(case=case, now=decided + timedelta(days=30))[0] is True


def test_three_months_after_the_last_day_of_a_month_is_the_last_day_of_a_shorter_one():
    at = datetime(2027, 11, 30, 12, 0, tzinfo=LONDON)
    assert months_after(at, 3).date().isoformat() == "2028-02-29"


def test_an_ineligible_review_request_records_nothing(force):
    case = recent_case(force)
    decide(case, "charge", at=timezone.now() - timedelta(minutes=5))
    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(CareError):
        vrr_request(case=case, victim=victim_of(case), reason="Please look again")
    assert CaseEvent.objects.filter(case=case).count() == before


def test_an_eligible_review_request_is_recorded_once(force):
    case = recent_case(force)
    decide(
        case,
        "interview_under_caution",
        "no_further_action",
        at=timezone.now() - timedelta(minutes=5),
    )
    event = vrr_request(case=case, victim=victim_of(case), reason="Please look again")
    assert event.kind == EventKind.VRR_REQUESTED
    assert event.detail["reason"] == "Please look again"
    assert "10 working days" in event.victim_text
    with pytest.raises(CareError, match="already asked"):
        vrr_request(case=case, victim=victim_of(case))
    assert len(events_of(case, EventKind.VRR_REQUESTED)) == 1


# --- complaints and property -------------------------------------------------------------


def test_a_complaint_is_recorded_and_acknowledged_by_a_supervisor(force):
    case = recent_case(force)
    victim = victim_of(case)
    complaint = complaint_make(case=case, victim=victim, text="Nobody called me back.")
    supervisor = staff_make(Role.SUPERVISOR, force=force)
    [found] = case_complaints(case=case)
    assert (found.text, found.acknowledged_at) == ("Nobody called me back.", None)
    complaint_acknowledge(case=case, complaint_id=complaint.pk, by=supervisor)
    assert case_complaints(case=case)[0].acknowledged_at is not None
    with pytest.raises(CareError, match="already acknowledged"):
        complaint_acknowledge(case=case, complaint_id=complaint.pk, by=supervisor)


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_an_empty_or_overlong_complaint_records_nothing(force, text):
    case = recent_case(force)
    with pytest.raises(CareError):
        complaint_make(case=case, victim=victim_of(case), text=text)
    assert not events_of(case, EventKind.COMPLAINT_MADE)


def test_property_held_is_recorded_and_returned_once(force):
    case = recent_case(force)
    officer = staff_make(Role.OFFICER, force=force)
    today = timezone.localdate()
    held = property_record(case=case, by=officer, description="Black mountain bike", taken_on=today)
    [recorded] = events_of(case, EventKind.PROPERTY_RECORDED)
    assert "Black mountain bike" in recorded.victim_text
    property_status_set(
        case=case, by=officer, property_id=held.pk, status="returned", returned_on=today
    )
    [item] = case_property(case=case)
    assert (item.description, item.status, item.returned_on) == (
        "Black mountain bike",
        "returned",
        today,
    )
    with pytest.raises(CareError, match="already returned"):
        property_status_set(
            case=case, by=officer, property_id=held.pk, status="returned", returned_on=today
        )


def test_property_without_a_description_records_nothing(force):
    case = recent_case(force)
    with pytest.raises(CareError):
        property_record(case=case, by=None, description=" ", taken_on=timezone.localdate())
    assert not events_of(case, EventKind.PROPERTY_RECORDED)


# --- what the victim is entitled to ------------------------------------------------------


def test_entitlements_follow_the_case_and_the_victim(force):
    case = recent_case(force, enhanced=True)
    victim = victim_of(case)
    titles = [item.title for item in victim_entitlements(victim=victim)]
    assert titles[0] == "You get an enhanced service"
    for right in ("Information about compensation", "Your property", "Making a complaint"):
        assert right in titles
    review = next(i for i in victim_entitlements(victim=victim) if i.right == "VRR")
    assert review.link == ""
    decide(
        case,
        "interview_under_caution",
        "no_further_action",
        at=timezone.now() - timedelta(minutes=5),
    )
    review = next(i for i in victim_entitlements(victim=victim) if i.right == "VRR")
    assert review.link == "portal:review"


# --- the staff pages ---------------------------------------------------------------------


def test_staff_record_an_objection_on_the_case_page_before_the_referral_goes(client, force):
    case = recent_case(force)
    client.force_login(staff_make(Role.OFFICER, force=force))
    url = reverse("care:referral-objection", kwargs={"reference": case.reference})
    assert url in client.get(case.get_absolute_url()).content.decode()
    page = client.post(url, {"victim": victim_of(case).pk}).content.decode()
    assert "Confirm that the victim objected to the referral" in page
    assert "govuk-error-summary" in page
    assert not events_of(case, EventKind.REFERRAL_DECLINED)
    response = client.post(url, {"victim": victim_of(case).pk, "confirmed": "on"})
    assert response["Location"] == case.get_absolute_url()
    [event] = events_of(case, EventKind.REFERRAL_DECLINED)
    assert event.detail["source"] == "staff"


def test_staff_objection_after_the_referral_went_is_refused_on_the_page(client, force):
    case = recent_case(force)
    referral_sent(case)
    client.force_login(staff_make(Role.OFFICER, force=force))
    url = reverse("care:referral-objection", kwargs={"reference": case.reference})
    page = client.post(url, {"victim": victim_of(case).pk, "confirmed": "on"}).content.decode()
    assert "already sent" in page
    assert not events_of(case, EventKind.REFERRAL_DECLINED)


def test_property_without_a_description_shows_an_error_summary(client, force):
    case = recent_case(force)
    client.force_login(staff_make(Role.OFFICER, force=force))
    url = reverse("care:property", kwargs={"reference": case.reference})
    page = client.post(url, {"description": "", "taken_on": "1/9/2026"}).content.decode()
    assert "Describe the property held" in page
    assert "govuk-error-summary" in page
    assert not events_of(case, EventKind.PROPERTY_RECORDED)


def test_staff_record_a_review_request_only_where_the_case_allows_it(client, force):
    case = recent_case(force)
    client.force_login(staff_make(Role.OFFICER, force=force))
    url = reverse("care:review-request", kwargs={"reference": case.reference})
    victim = victim_of(case)
    page = client.post(url, {"victim": victim.pk, "reason": "Look again"}).content.decode()
    assert "interviewed under caution" in page
    assert "govuk-error-summary" in page
    assert not events_of(case, EventKind.VRR_REQUESTED)
    decide(
        case,
        "interview_under_caution",
        "no_further_action",
        at=timezone.now() - timedelta(minutes=5),
    )
    response = client.post(url, {"victim": victim.pk, "reason": "Look again"})
    assert response.status_code == 302
    [event] = events_of(case, EventKind.VRR_REQUESTED)
    assert event.detail["source"] == "staff"
