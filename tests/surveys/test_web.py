"""The victim's web survey: one question per page, single-use links, no JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.surveys.factories import web_member_make
from victimcare.surveys.constants import FlagKind, Outcome
from victimcare.surveys.models import Response, SampleMember, SurveyFlag
from victimcare.surveys.selectors import TOKEN_FAILURE_LIMIT
from victimcare.surveys.services import fieldwork_update

pytestmark = pytest.mark.django_db

ANSWERS = [
    ("ease_of_contact", "very_satisfied"),
    ("actions_taken", "fairly_satisfied"),
    ("kept_informed", "dont_know"),
    ("treatment", "completely_satisfied"),
    ("whole_experience", "fairly_dissatisfied"),
    ("comments", "PC Smith never rang me on 07700 900123."),
    ("agrees_to_contact", "yes"),
]


def answer_all(client, token):
    for code, value in ANSWERS:
        url = reverse("surveys:web-question", kwargs={"token": token, "code": code})
        response = client.post(url, {"answer": value})
        assert response.status_code == 302, response.content[:500]
    return client.post(reverse("surveys:web-check", kwargs={"token": token}))


def test_a_victim_answers_every_question_and_the_link_then_stops_working(client):
    member, token = web_member_make()
    start = client.get(reverse("surveys:web-start", kwargs={"token": token}))
    assert b"Tell us how we dealt with your report" in start.content
    done = answer_all(client, token)
    assert done["Location"] == reverse("surveys:web-done")
    response = Response.objects.get()
    assert response.respondent == member.victim.pseudonym
    assert (response.ease_of_contact, response.kept_informed_answer) == (
        "very_satisfied",
        "dont_know",
    )
    assert response.whole_experience == "fairly_dissatisfied"
    assert response.mode == "web"
    assert response.agrees_to_contact
    member.refresh_from_db()
    assert member.outcome == Outcome.COMPLETED
    assert member.draft == {}
    again = client.get(reverse("surveys:web-start", kwargs={"token": token}))
    assert again.status_code == 404


def test_each_question_is_its_own_page_with_an_error_when_nothing_is_chosen(client):
    _member, token = web_member_make()
    url = reverse("surveys:web-question", kwargs={"token": token, "code": "ease_of_contact"})
    page = client.get(url)
    assert page.content.count(b'type="radio"') == 9
    assert b"Question 1 of 10" in page.content
    error = client.post(url, {})
    assert error.status_code == 400
    assert b"There is a problem" in error.content
    assert b"Select an answer" in error.content
    wrong = client.post(url, {"answer": "ecstatic"})
    assert wrong.status_code == 400


def test_the_check_page_sends_the_victim_back_to_unanswered_questions(client):
    _member, token = web_member_make()
    check = client.get(reverse("surveys:web-check", kwargs={"token": token}))
    assert check["Location"].endswith("/ease_of_contact/")


def test_answers_can_be_changed_from_the_check_page(client):
    _member, token = web_member_make()
    for code, value in ANSWERS:
        client.post(
            reverse("surveys:web-question", kwargs={"token": token, "code": code}),
            {"answer": value},
        )
    url = reverse("surveys:web-question", kwargs={"token": token, "code": "treatment"})
    changed = client.post(url, {"answer": "neither", "return": "check"})
    assert changed["Location"] == reverse("surveys:web-check", kwargs={"token": token})
    assert b"Neither satisfied nor dissatisfied" in client.get(changed["Location"]).content


@pytest.mark.parametrize("case", ["guessed", "expired", "used", "truncated"])
def test_an_unusable_link_gets_the_same_plain_page(client, case):
    """Guessed, expired, used or cut short: the same page, saying nothing about the link."""
    member, token = web_member_make()
    if case == "guessed":
        token = "A" * 43
    elif case == "truncated":
        token = token[:20]
    elif case == "expired":
        SampleMember.objects.filter(pk=member.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        answer_all(client, token)
    page = client.get(reverse("surveys:web-start", kwargs={"token": token}))
    assert page.status_code == 404
    assert b"This survey link cannot be used" in page.content
    if case != "used":
        assert b"Tell us how" not in page.content


def test_repeated_bad_links_are_rate_limited_even_for_a_good_link(client):
    _member, token = web_member_make()
    for number in range(TOKEN_FAILURE_LIMIT):
        client.get(reverse("surveys:web-start", kwargs={"token": f"{number:043d}"}))
    blocked = client.get(reverse("surveys:web-start", kwargs={"token": token}))
    assert blocked.status_code == 429
    assert b"Too many links" in blocked.content


def test_a_link_that_was_never_sent_does_not_open(client):
    """A drawn victim whose invitation has not gone out yet: the link is not live."""
    member, token = web_member_make()
    SampleMember.objects.filter(pk=member.pk).update(expires_at=None)
    assert client.get(reverse("surveys:web-start", kwargs={"token": token})).status_code == 404


def test_a_victim_can_opt_out_of_surveys(client):
    member, token = web_member_make()
    page = client.post(reverse("surveys:web-opt-out", kwargs={"token": token}))
    assert b"We will not ask you again" in page.content
    member.refresh_from_db()
    assert member.outcome == Outcome.REFUSED
    assert SurveyFlag.objects.filter(victim=member.victim, kind=FlagKind.OPTED_OUT).exists()


def test_the_invitation_is_recorded_and_expires_and_reminds_on_schedule():
    member, _token = web_member_make()
    invited = member.invitations.get()
    assert invited.kind == "invitation"
    assert invited.route == "email"
    # Handed to the notifications service, with the link in a sensitive body.
    from victimcare.notifications.models import Notification

    notification = Notification.objects.get(idempotency_key=f"survey:{member.serial}:invitation")
    assert invited.sent
    assert notification.channel == "email"
    assert notification.sensitive
    assert "/survey/" in notification.body
    assert (member.expires_at - invited.created_at).days == member.sample.expires_after_days
    later = invited.created_at + timedelta(days=member.sample.reminder_after_days, minutes=1)
    assert fieldwork_update(now=later) == {"reminded": 1, "expired": 0}
    assert fieldwork_update(now=later) == {"reminded": 0, "expired": 0}
    assert fieldwork_update(now=member.expires_at + timedelta(seconds=1))["expired"] == 1
    member.refresh_from_db()
    assert member.outcome == Outcome.NON_CONTACT
