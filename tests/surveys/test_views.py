"""Staff pages: drawing a sample, flags from the case page, responses for analysts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import force_make, staff_make
from tests.surveys.factories import answers, sample_make, victim_case_make
from victimcare.accounts.constants import Role
from victimcare.surveys.constants import FlagKind, Mode
from victimcare.surveys.models import Sample, SurveyFlag
from victimcare.surveys.services import response_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def mps():
    return force_make("MPS", "Metropolitan Police Service")


FORM = {
    "month": "2026-09",
    "target_interviews": "2",
    "allocation": "proportional",
    "minimum_per_stratum": "0",
    "expected_response_rate": "50",
    "mode": "web",
    "strata_by": "area,crime_group",
    "seed": "",
}


def test_an_analyst_previews_the_frame_then_draws_the_sample(client, mps):
    for _ in range(5):
        victim_case_make(mps)
    client.force_login(staff_make(Role.ANALYST, force=mps))
    preview = client.post(reverse("surveys:sample-new"), {**FORM, "action": "preview"})
    assert b"5 victims in scope; 5 eligible." in preview.content
    assert not Sample.objects.exists()
    drawn = client.post(reverse("surveys:sample-new"), {**FORM, "action": "draw"})
    sample = Sample.objects.get()
    assert drawn["Location"] == reverse("surveys:sample-detail", kwargs={"pk": sample.pk})
    assert sample.members.count() == 4
    again = client.post(reverse("surveys:sample-new"), {**FORM, "action": "draw"})
    assert b"already has a sample" in again.content


def test_a_bad_month_is_an_error_on_the_form(client, mps):
    client.force_login(staff_make(Role.ANALYST, force=mps))
    page = client.post(reverse("surveys:sample-new"), {**FORM, "month": "Sept", "action": "draw"})
    assert b"There is a problem" in page.content
    assert b"Enter a month like 2026-09" in page.content


def test_an_officer_keeps_a_victim_out_of_surveys_from_the_case_page(client, mps):
    case = victim_case_make(mps)
    victim = case.victims.get()
    client.force_login(staff_make(Role.OFFICER, force=mps))
    page = client.get(case.get_absolute_url())
    assert b"Keep this victim out of surveys" in page.content
    client.post(
        reverse("surveys:victim-flag", kwargs={"reference": case.reference}),
        {"victim": victim.pk, "kind": FlagKind.DO_NOT_CONTACT},
    )
    assert SurveyFlag.objects.filter(victim=victim, kind=FlagKind.DO_NOT_CONTACT).exists()
    assert b"flagged not to be contacted" not in client.get(case.get_absolute_url()).content
    assert b"Not to be surveyed" in client.get(case.get_absolute_url()).content


def test_the_analyst_sees_responses_without_names_and_with_comments_redacted(client, mps):
    victim_case_make(mps, given_name="Zebedee", phone="07700 900555")
    member = sample_make(mps, mode=Mode.TELEPHONE).members.get()
    response_record(
        member=member,
        answers=answers(comments="Email me: zeb@example.com"),
        mode=Mode.TELEPHONE,
    )
    client.force_login(staff_make(Role.ANALYST, force=mps))
    page = client.get(reverse("surveys:responses")).content.decode()
    assert str(member.victim.pseudonym)[:8] in page
    assert "Zebedee" not in page
    assert "zeb@example.com" not in page
    assert "[redacted]" in page


def test_the_supervisor_home_page_counts_call_backs(client, mps):
    victim_case_make(mps, phone="07700 900555")
    member = sample_make(mps, mode=Mode.TELEPHONE).members.get()
    response_record(
        member=member,
        answers=answers(whole_experience="very_dissatisfied", agrees_to_contact="yes"),
        mode=Mode.TELEPHONE,
    )
    client.force_login(staff_make(Role.SUPERVISOR, force=mps))
    home = client.get(reverse("core:staff-home")).content.decode()
    assert "1 call-back to a dissatisfied victim" in home
    assert 'href="/surveys/call-backs/"' in home


OWN_NAME_COMMENT = "{given} {family} said PC Jones was rude, call me on 07700 900123. {given}'s car"


def _own_name_response(force, *, dissatisfied=False):
    """A response whose comment names the victim, as victims do."""
    case = victim_case_make(force, given_name="Jane", family_name="Smith", phone="07700 900123")
    details = case.victims.get().personal_details
    member = sample_make(force, mode=Mode.TELEPHONE).members.get()
    comment = OWN_NAME_COMMENT.format(given=details.given_name, family=details.family_name)
    extra = {"whole_experience": "very_dissatisfied", "agrees_to_contact": "yes"}
    response_record(
        member=member,
        answers=answers(comments=comment, **(extra if dissatisfied else {})),
        mode=Mode.TELEPHONE,
    )
    return details


def _assert_no_own_name(page: str, details) -> None:
    lowered = page.lower()
    assert details.family_name.lower() not in lowered
    assert "jane" not in lowered
    assert "900123" not in page
    assert "jones" not in lowered
    assert "said [redacted] was rude" in page


def test_analysts_never_see_the_victims_own_name_in_a_comment(client, mps):
    details = _own_name_response(mps)
    client.force_login(staff_make(Role.ANALYST, force=mps))
    page = client.get(reverse("surveys:responses")).content.decode()
    _assert_no_own_name(page, details)


def test_call_backs_never_show_the_victims_own_name_from_the_comment(client, mps):
    from victimcare.surveys.models import RecoveryTask

    details = _own_name_response(mps, dissatisfied=True)
    client.force_login(staff_make(Role.SUPERVISOR, force=mps))
    task = RecoveryTask.objects.get()
    listing = client.get(reverse("surveys:recovery")).content.decode()
    page = client.get(reverse("surveys:recovery-task", kwargs={"pk": task.pk})).content.decode()
    _assert_no_own_name(listing, details)
    _assert_no_own_name(page, details)
