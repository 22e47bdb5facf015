"""The domestic abuse victims' survey end to end: the victim answers by a single-use link
emailed to their confirmed safe address (neutral wording, "Exit this page", no case
details), or by telephone with the force's survey interviewers (audited); an officer
clears the risk flag with a note (audited); proposals keep to the 6-12 week window."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import LONDON, staff_make
from tests.surveys.factories import MONTH
from tests.surveys.test_domestic_abuse import ANSWERS, da_victim, proposed
from victimcare.accounts.constants import Role
from victimcare.audit.models import AuditRecord
from victimcare.care.constants import SafeRoute
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent
from victimcare.notifications.models import Notification
from victimcare.surveys.constants import (
    DA_OUTSIDE_WINDOW,
    DA_RISK_HIGH,
    DA_RISK_NOTE_NEEDED,
    CallOutcome,
    DaContactStatus,
    FlagKind,
    Mode,
)
from victimcare.surveys.models import DaResponse, DaSurveyContact, SurveyFlag
from victimcare.surveys.services import survey_flag_set
from victimcare.surveys.services.domestic_abuse import (
    da_contact_decide,
    da_contacts_propose,
    da_invitation_send,
    da_window,
)
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.services.flags import survey_flag_clear

pytestmark = pytest.mark.django_db

NEUTRAL = re.compile(r"domestic|abuse", re.IGNORECASE)


def invited(victim) -> DaSurveyContact:
    contact = proposed(victim)
    da_contact_decide(
        contact=contact, by=staff_make(Role.OFFICER, force=victim.case.force), approve=True
    )
    return da_invitation_send(contact=contact)


def link_of(notification: Notification) -> str:
    match = re.search(r"https?://\S+?(/feedback/[A-Za-z0-9_-]{43}/)", notification.body)
    assert match, notification.body
    return match.group(1)


def answer_all(client, link: str) -> None:
    token = link.split("/")[2]
    for code, value in {**ANSWERS, "comments": ""}.items():
        url = reverse("surveys:feedback-question", kwargs={"token": token, "code": code})
        assert client.post(url, {"answer": value}).status_code == 302
    assert client.post(link + "check/").status_code == 302


# --- the victim answers by the link ---------------------------------------------------------


def test_da_invitation_by_email_is_neutral_and_carries_a_single_use_link(client):
    victim = da_victim()
    contact = invited(victim)
    notification = Notification.objects.get(case=victim.case)
    assert notification.channel == "email"
    assert notification.recipient == victim.personal_details.email
    assert notification.sensitive
    assert not NEUTRAL.search(notification.subject + notification.body)
    assert victim.case.reference not in notification.body
    link = link_of(notification)
    assert contact.token_hash
    assert link.split("/")[2] not in contact.token_hash
    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert "govuk-exit-this-page" in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert not NEUTRAL.search(title)
    assert not NEUTRAL.search(re.search(r"<main.*</main>", html, re.S).group(0))
    assert victim.case.reference not in html
    answer_all(client, link)
    response = DaResponse.objects.get()
    assert response.mode == Mode.WEB
    assert response.answers["whole_experience"] == ANSWERS["whole_experience"]
    contact.refresh_from_db()
    assert contact.status == DaContactStatus.COMPLETED
    assert contact.draft == {}
    # Single use: the same link now gets the plain page, still with "Exit this page".
    again = client.get(link)
    assert again.status_code == 404
    assert "This link cannot be used" in again.content.decode()
    assert "govuk-exit-this-page" in again.content.decode()
    assert client.post(link + "check/").status_code == 404
    assert DaResponse.objects.count() == 1


def test_da_link_expired_gets_the_plain_page(client):
    victim = da_victim()
    contact = invited(victim)
    link = link_of(Notification.objects.get(case=victim.case))
    DaSurveyContact.objects.filter(pk=contact.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = client.get(link)
    assert page.status_code == 404
    assert "already been used, or it has expired" in page.content.decode()


def test_da_link_not_a_uss_link_and_the_uss_link_not_a_da_link(client):
    victim = da_victim()
    invited(victim)
    token = link_of(Notification.objects.get(case=victim.case)).split("/")[2]
    assert client.get(reverse("surveys:web-start", kwargs={"token": token})).status_code == 404


def test_da_phone_route_is_never_texted_or_emailed():
    victim = da_victim(route=SafeRoute.PHONE, phone="07700 900321", phone_is_safe=True)
    contact = invited(victim)
    assert contact.status == DaContactStatus.INVITED
    assert not Notification.objects.filter(case=victim.case).exists()


# --- telephone interviews ----------------------------------------------------------------


def test_da_interview_screen_for_phone_contacts_is_audited_and_records_answers(client):
    victim = da_victim(route=SafeRoute.PHONE, phone="07700 900322", phone_is_safe=True)
    contact = invited(victim)
    email_victim = da_victim(victim.case.force, given_name="Robin", email="robin@example.org")
    invited(email_victim)
    interviewer = staff_make(Role.CALL_HANDLER, force=victim.case.force)
    client.force_login(interviewer)
    queue = client.get(reverse("surveys:da-interviews")).content.decode()
    url = reverse("surveys:da-interview", kwargs={"pk": contact.pk})
    assert url in queue
    assert "07700" not in queue
    # Only phone contacts: the emailed one has no interview.
    email_contact = DaSurveyContact.objects.get(victim=email_victim)
    assert reverse("surveys:da-interview", kwargs={"pk": email_contact.pk}) not in queue
    assert (
        client.get(reverse("surveys:da-interview", kwargs={"pk": email_contact.pk})).status_code
        == 404
    )
    assert not AuditRecord.objects.filter(user=interviewer).exists()
    page = client.get(url)
    assert page.status_code == 200
    assert "07700 900322" in page.content.decode()
    assert AuditRecord.objects.filter(user=interviewer, victim=victim).count() == 1
    answers = {f"q_{code}": value for code, value in ANSWERS.items()}
    done = client.post(url, {**answers, "outcome": CallOutcome.COMPLETED})
    assert done.status_code == 302
    response = DaResponse.objects.get()
    assert response.mode == Mode.TELEPHONE
    contact.refresh_from_db()
    assert contact.status == DaContactStatus.COMPLETED
    assert contact.attempts == 1


def test_da_interview_screen_refused_once_the_risk_is_high(client):
    victim = da_victim(route=SafeRoute.PHONE, phone="07700 900323", phone_is_safe=True)
    contact = invited(victim)
    survey_flag_set(victim=victim, kind=FlagKind.RISK_HIGH)
    interviewer = staff_make(Role.CALL_HANDLER, force=victim.case.force)
    client.force_login(interviewer)
    assert (
        reverse("surveys:da-interview", kwargs={"pk": contact.pk})
        not in client.get(reverse("surveys:da-interviews")).content.decode()
    )
    page = client.get(reverse("surveys:da-interview", kwargs={"pk": contact.pk}))
    assert page.status_code == 302
    assert not AuditRecord.objects.filter(user=interviewer).exists()


def test_da_interview_refused_closes_the_contact_as_declined(client):
    victim = da_victim(route=SafeRoute.PHONE, phone="07700 900324", phone_is_safe=True)
    contact = invited(victim)
    client.force_login(staff_make(Role.CALL_HANDLER, force=victim.case.force))
    url = reverse("surveys:da-interview", kwargs={"pk": contact.pk})
    assert client.post(url, {"outcome": CallOutcome.REFUSED}).status_code == 302
    contact.refresh_from_db()
    assert contact.status == DaContactStatus.DECLINED
    assert not DaResponse.objects.exists()


# --- the risk lowered --------------------------------------------------------------------


def test_da_risk_cleared_needs_a_note_and_is_audited(client):
    victim = da_victim()
    survey_flag_set(victim=victim, kind=FlagKind.RISK_HIGH)
    assert da_contacts_propose(force=victim.case.force, month=MONTH).excluded == {DA_RISK_HIGH: 1}
    with pytest.raises(FieldworkError, match=DA_RISK_NOTE_NEEDED):
        survey_flag_clear(victim=victim, kind=FlagKind.RISK_HIGH)
    officer = staff_make(Role.OFFICER, force=victim.case.force)
    client.force_login(officer)
    case_url = victim.case.get_absolute_url()
    assert "survey-risk-cleared" in client.get(case_url).content.decode()
    url = reverse("surveys:victim-risk-clear", kwargs={"reference": victim.case.reference})
    client.post(url, {"victim": victim.pk, "note": "  "})
    assert SurveyFlag.objects.filter(victim=victim, kind=FlagKind.RISK_HIGH).exists()
    response = client.post(url, {"victim": victim.pk, "note": "Perpetrator remanded."})
    assert response.status_code == 302
    assert not SurveyFlag.objects.filter(victim=victim, kind=FlagKind.RISK_HIGH).exists()
    record = AuditRecord.objects.get(victim=victim, page__contains="risk lowered")
    assert record.user == officer
    assert "risk lowered" in record.page
    note = CaseEvent.objects.get(case=victim.case, kind=EventKind.NOTE)
    assert "Perpetrator remanded." in note.detail["note"]
    assert note.by == officer
    assert proposed(victim).status == DaContactStatus.PROPOSED


# --- the fieldwork window ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "fieldwork_on", "in_window"),
    [
        (datetime(2026, 9, 30, 12, 0, tzinfo=LONDON), date(2026, 11, 11), True),  # 6 weeks
        (datetime(2026, 9, 2, 12, 0, tzinfo=LONDON), date(2026, 11, 11), True),
        (datetime(2026, 9, 30, 12, 0, tzinfo=LONDON), date(2026, 11, 5), False),  # too recent
        (datetime(2026, 9, 2, 12, 0, tzinfo=LONDON), date(2026, 12, 1), False),  # > 12 weeks
        (datetime(2026, 9, 8, 12, 0, tzinfo=LONDON), date(2026, 12, 1), True),  # 12 weeks
    ],
)
def test_da_proposals_keep_to_the_6_to_12_week_window(reported, fieldwork_on, in_window):
    victim = da_victim(reported_at=reported)
    result = da_contacts_propose(force=victim.case.force, month=MONTH, fieldwork_on=fieldwork_on)
    if in_window:
        assert [c.victim_id for c in result.proposed] == [victim.pk]
    else:
        assert result.proposed == []
        assert result.excluded == {DA_OUTSIDE_WINDOW: 1}


def test_da_window_is_the_uss_window():
    start, end = da_window(date(2026, 11, 11))
    assert start == datetime(2026, 8, 19, tzinfo=LONDON)
    assert end == datetime(2026, 9, 30, tzinfo=LONDON) + timedelta(days=1)


def test_da_propose_command_takes_the_fieldwork_date(capsys):
    from victimcare.cli import main

    victim = da_victim(reported_at=datetime(2026, 9, 2, 12, 0, tzinfo=LONDON))
    code = victim.case.force.code
    args = ["survey", "da-propose", "--force", code, "--month", "2026-09"]
    assert main([*args, "--fieldwork", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "Proposed 0" in out
    assert f"not proposed ({DA_OUTSIDE_WINDOW}): 1" in out
    assert main(args) == 0
    assert "Proposed 1" in capsys.readouterr().out


# --- its figures from responses spread thinly ----------------------------------------------


@pytest.mark.parametrize("months", [[8], [7, 8, 9]])
def test_da_figures_from_one_victim_per_month_and_area_do_not_fail(months):
    """Strata are months (areas are domains): one or two victims per month and area, or a
    single victim a month who answered, still make a design, and the counts agree."""
    from tests.factories import force_make
    from tests.oversight.factories import QUARTER
    from victimcare.oversight import figure_services

    force = force_make()
    for month in months:
        victim = da_victim(
            force, reported_at=datetime(2026, month, 10, 12, 0, tzinfo=LONDON), email=None
        )
        contact = next(
            c
            for c in da_contacts_propose(force=force, month=date(2026, month, 1)).proposed
            if c.victim_id == victim.pk
        )
        da_contact_decide(contact=contact, by=staff_make(Role.OFFICER, force=force), approve=True)
        da_invitation_send(contact=contact)
        from victimcare.surveys.services.domestic_abuse import da_response_record

        da_response_record(contact=contact, answers=ANSWERS, mode=Mode.WEB)
    out = figure_services.da_survey_compute(force=force, quarter=QUARTER)
    assert out["periods"][0]["responses"] == len(months)
    assert out["periods"][0]["stages"][-1]["rate"].startswith("too few responses")
