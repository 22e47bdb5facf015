"""The domestic abuse victims' survey: its safe contact rules (only the confirmed safe
route, never a shared one; an officer's approval, audited; never while the risk is high),
its own questionnaire and responses, never mixed into the User Satisfaction Survey."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from django.urls import reverse

from tests.factories import LONDON, force_make, staff_make
from tests.oversight.factories import QUARTER, responses_make
from tests.surveys.factories import MONTH, victim_case_make
from victimcare.accounts.constants import Role
from victimcare.audit.models import AuditRecord
from victimcare.care.constants import ReferralConsent, SafeRoute
from victimcare.care.services.events import needs_assessment_record
from victimcare.cli import main
from victimcare.oversight import figure_services, selectors
from victimcare.oversight.figures import Frame
from victimcare.oversight.figures.domestic_abuse import da_survey_figures
from victimcare.surveys.constants import (
    DA_LETTER,
    DA_NEEDS_APPROVAL,
    DA_NO_SAFE_ROUTE,
    DA_RISK_HIGH,
    DaContactStatus,
    Exclusion,
    FlagKind,
    Mode,
)
from victimcare.surveys.models import DaResponse, DaSurveyContact, Response
from victimcare.surveys.sampling import sampling_frame_build
from victimcare.surveys.services import survey_flag_set
from victimcare.surveys.services.domestic_abuse import (
    DaContactRefused,
    da_contact_check,
    da_contact_decide,
    da_contacts_propose,
    da_invitation_send,
    da_response_record,
)

pytestmark = pytest.mark.django_db

ANSWERS = {
    "ease_of_contact": "very_satisfied",
    "actions_taken": "fairly_satisfied",
    "kept_informed": "fairly_dissatisfied",
    "treatment": "completely_satisfied",
    "whole_experience": "very_satisfied",
    "felt_safer": "yes",
}


def da_victim(force=None, *, route: str = SafeRoute.EMAIL, confirmed: bool = True, **details):
    """A domestic abuse victim with a needs assessment recording ``route`` as safe."""
    case = victim_case_make(force, crime="domestic", **details)
    victim = case.victims.get()
    if route:
        needs_assessment_record(
            case=case,
            victim=victim,
            by=None,
            needs=[],
            referral_consent=ReferralConsent.NO,
            safe_route=route,
            safe_route_confirmed=confirmed,
        )
    return victim


def proposed(victim) -> DaSurveyContact:
    result = da_contacts_propose(force=victim.case.force, month=MONTH)
    return next(c for c in result.proposed if c.victim_id == victim.pk)


# --- only by the confirmed safe route -----------------------------------------------------


@pytest.mark.parametrize(
    ("route", "confirmed", "details", "expected"),
    [
        (SafeRoute.EMAIL, True, {}, "email"),
        (SafeRoute.PHONE, True, {"phone": "07700 900123", "phone_is_safe": True}, "phone"),
        (SafeRoute.EMAIL, False, {}, DA_NO_SAFE_ROUTE),
        ("", False, {}, DA_NO_SAFE_ROUTE),
        (SafeRoute.LETTER, True, {}, DA_LETTER),
        (
            SafeRoute.PHONE,
            True,
            {"phone": "07700 900124", "phone_is_safe": False},
            "not recorded as safe",
        ),
    ],
)
def test_da_survey_only_by_confirmed_safe_route(route, confirmed, details, expected):
    victim = da_victim(route=route, confirmed=confirmed, **details)
    if expected in ("email", "phone"):
        assert da_contact_check(victim) == expected
        assert proposed(victim).route == expected
    else:
        with pytest.raises(DaContactRefused, match=expected.split(" (")[0]):
            da_contact_check(victim)
        result = da_contacts_propose(force=victim.case.force, month=MONTH)
        assert result.proposed == []
        assert not DaSurveyContact.objects.exists()


def test_da_survey_only_by_confirmed_safe_route_never_a_shared_number():
    force = force_make()
    victim = da_victim(force, route=SafeRoute.PHONE, phone="07700 900125", phone_is_safe=True)
    # Someone else on record holds the same number (written another way).
    victim_case_make(force, given_name="Alex", phone="+447700900125")
    with pytest.raises(DaContactRefused, match="shared"):
        da_contact_check(victim)


# --- an officer's approval before any contact ----------------------------------------------


def test_da_survey_needs_officer_approval():
    victim = da_victim()
    contact = proposed(victim)
    assert contact.status == DaContactStatus.PROPOSED
    with pytest.raises(DaContactRefused, match=DA_NEEDS_APPROVAL):
        da_invitation_send(contact=contact)
    with pytest.raises(DaContactRefused, match=DA_NEEDS_APPROVAL):
        da_response_record(contact=contact, answers=ANSWERS, mode=Mode.WEB)
    officer = staff_make(Role.OFFICER, force=victim.case.force)
    da_contact_decide(contact=contact, by=officer, approve=True)
    record = AuditRecord.objects.get(victim=victim)
    assert record.user == officer
    assert "approved" in record.page
    assert da_invitation_send(contact=contact).status == DaContactStatus.INVITED
    response = da_response_record(contact=contact, answers=ANSWERS, mode=Mode.WEB)
    assert response.answers["whole_experience"] == "very_satisfied"
    assert response.questionnaire.code == "da"


def test_da_survey_needs_officer_approval_a_refusal_is_final_and_audited():
    victim = da_victim()
    contact = proposed(victim)
    officer = staff_make(Role.OFFICER, force=victim.case.force)
    da_contact_decide(contact=contact, by=officer, approve=False, note="Not safe now")
    assert AuditRecord.objects.filter(victim=victim, page__contains="did not approve").exists()
    with pytest.raises(DaContactRefused, match=DA_NEEDS_APPROVAL):
        da_invitation_send(contact=contact)


def test_da_survey_needs_officer_approval_on_the_staff_page(client):
    victim = da_victim()
    contact = proposed(victim)
    officer = staff_make(Role.OFFICER, force=victim.case.force)
    client.force_login(officer)
    page = client.get(reverse("surveys:da-approvals"))
    assert victim.case.reference in page.content.decode()
    assert victim.personal_details.email not in page.content.decode()
    url = reverse("surveys:da-approval-decide", kwargs={"pk": contact.pk})
    assert client.post(url, {"decision": "approve"}).status_code == 302
    contact.refresh_from_db()
    assert (contact.status, contact.decided_by) == (DaContactStatus.APPROVED, officer)


# --- no survey while the risk is high --------------------------------------------------------


def test_da_survey_not_while_risk_high():
    victim = da_victim()
    survey_flag_set(victim=victim, kind=FlagKind.RISK_HIGH)
    with pytest.raises(DaContactRefused, match="risk"):
        da_contact_check(victim)
    assert da_contacts_propose(force=victim.case.force, month=MONTH).excluded == {DA_RISK_HIGH: 1}


def test_da_survey_not_while_risk_high_raised_after_approval_withdraws_the_contact():
    victim = da_victim()
    contact = proposed(victim)
    da_contact_decide(
        contact=contact, by=staff_make(Role.OFFICER, force=victim.case.force), approve=True
    )
    survey_flag_set(victim=victim, kind=FlagKind.RISK_HIGH)
    with pytest.raises(DaContactRefused, match="risk"):
        da_invitation_send(contact=contact)
    contact.refresh_from_db()
    assert contact.status == DaContactStatus.WITHDRAWN
    assert contact.invited_at is None


# --- never in the User Satisfaction Survey's headline ----------------------------------------


def test_da_survey_never_in_uss_headline_the_sampling_frame_excludes_them():
    force = force_make()
    da_victim(force)  # a domestic abuse crime type
    flagged = victim_case_make(force, crime="violence").victims.get()
    survey_flag_set(victim=flagged, kind=FlagKind.DOMESTIC_ABUSE)
    victim_case_make(force, crime="burglary")
    frame = sampling_frame_build(force=force, month=MONTH)
    assert frame.exclusions[Exclusion.DOMESTIC_ABUSE] == 2
    drawn = {v for s in frame.strata.values() for v, _r, _p in s.eligible}
    assert flagged.pk not in drawn
    assert len(drawn) == 1


def test_da_survey_never_in_uss_headline_its_responses_do_not_count():
    (force,) = responses_make([force_make()], per_month=40, months=24)
    before = figure_services.dashboard_compute(force=force, quarter=QUARTER, use_cache=False)
    area = force.areas.first()
    for k in range(50):
        DaResponse.objects.create(
            questionnaire=Response.objects.first().questionnaire,
            respondent=f"00000000-0000-0000-0000-{k:012d}",
            force=force,
            area=area,
            month=date(2026, 8, 1),
            mode=Mode.WEB,
            completed_at=datetime(2026, 10, 1, 12, tzinfo=LONDON),
            answers={"whole_experience": "completely_dissatisfied"},
        )
    after = figure_services.dashboard_compute(force=force, quarter=QUARTER, use_cache=False)
    assert after["headline"] == before["headline"]
    assert after["responses"] == before["responses"]
    cols = selectors.responses_frame(
        forces=[force], period_from=QUARTER.first_month, period_to=QUARTER.last_month
    )
    assert len(cols["w"]) == Response.objects.filter(month__gte=QUARTER.first_month).count()


# --- its own figures, under the publication rule ---------------------------------------------


def _da_frame(n: int, satisfied: int) -> Frame:
    return Frame(
        {
            "w": np.full(n, 2.0),
            "stratum": np.zeros(n, dtype=np.int64),
            "N": np.full(n, 2.0 * n),
            "month": np.array(["2026-08"] * n),
            "area": np.array(["Hackney"] * n),
            "scope": np.ones(n, dtype=np.int64),
            **{
                f"sat_{stage}": np.array([1.0] * satisfied + [0.0] * (n - satisfied))
                for stage in (
                    "ease_of_contact",
                    "actions_taken",
                    "kept_informed",
                    "treatment",
                    "whole_experience",
                )
            },
        }
    )


def _figures(frame: Frame) -> dict:
    return da_survey_figures(
        frame,
        quarter_months=QUARTER.months,
        year_months=[f"2025-{m:02d}" for m in range(10, 13)] + list(QUARTER.months),
        quarter_label=QUARTER.label,
        year_label="12 months to Sep 2026",
        threshold=30,
        on=date(2027, 1, 15),
    )


def test_da_figures_suppressed_below_threshold():
    out = _figures(_da_frame(12, 9))
    for period in out["periods"]:
        for row in period["stages"]:
            assert row["estimate"]["published"] is False
            assert row["estimate"]["estimate"] is None
            assert row["rate"].startswith("too few responses (12")


def test_da_figures_shown_with_interval_and_n_at_the_threshold():
    whole = _figures(_da_frame(40, 30))["periods"][0]["stages"][-1]
    assert whole["estimate"]["published"] is True
    assert whole["estimate"]["n"] == 40
    assert whole["rate"] == "75.0%"
    assert " to " in whole["interval"]


def test_da_figures_on_the_dashboard_are_a_separate_section(client):
    victim = da_victim()
    client.force_login(staff_make(Role.OVERSIGHT, force=victim.case.force))
    html = client.get(
        reverse("oversight:dashboard", kwargs={"code": victim.case.force.code}),
        {"quarter": QUARTER.code},
    ).content.decode()
    assert "Domestic abuse victims&#x27; survey" in html or "Domestic abuse victims' survey" in html
    assert "never part of the User Satisfaction Survey" in html


def test_da_survey_commands_propose_then_invite_only_the_approved(capsys):
    victim = da_victim()
    da_victim(victim.case.force, route=SafeRoute.LETTER)
    assert main(["survey", "da-propose", "--force", "MPS", "--month", "2026-09"]) == 0
    out = capsys.readouterr().out
    assert "Proposed 1 domestic abuse victims" in out
    assert "letter" in out
    assert main(["survey", "da-invite", "--force", "MPS"]) == 0
    assert "Invited 0" in capsys.readouterr().out  # nobody approved yet
    contact = DaSurveyContact.objects.get()
    da_contact_decide(
        contact=contact, by=staff_make(Role.OFFICER, force=victim.case.force), approve=True
    )
    assert main(["survey", "da-invite", "--force", "MPS"]) == 0
    assert "Invited 1" in capsys.readouterr().out
