"""Track my case: reference + one-time code, a timeline for the victim, messages both ways,
contact preferences; rate limits that never reveal whether a reference exists."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import case_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.cases.constants import EventKind
from victimcare.cases.services import case_event_record
from victimcare.portal.models import AccessCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return case_make(force=force_make("MPS", "Metropolitan Police Service"))


def sms_code(outbox) -> str:
    return re.search(r"is (\d{6})\.", outbox[-1]["personalisation"]["body"]).group(1)


def ask_code(client, reference):
    return client.post(reverse("portal:start"), {"reference": reference})


def sign_in(client, case, outbox, mail_outbox=None):
    ask_code(client, case.reference.lower())
    return client.post(reverse("portal:code"), {"code": code_from(outbox, mail_outbox)})


def code_from(outbox, mail_outbox=None):
    if outbox:
        return sms_code(outbox)
    return re.search(r"is (\d{6})\.", mail_outbox[-1].body).group(1)


def test_a_victim_signs_in_with_reference_and_code_and_sees_only_victim_text(
    client, case, mailoutbox
):
    case_event_record(
        case=case, kind=EventKind.NOTE, at=timezone.now(), detail={"note": "internal"}
    )
    case_event_record(
        case=case,
        kind=EventKind.CONTACT_MADE,
        at=timezone.now(),
        victim_text="We called you today.",
    )
    response = sign_in(client, case, [], mailoutbox)
    assert response["Location"] == reverse("portal:case")
    page = client.get(reverse("portal:case")).content.decode()
    assert case.reference in page
    assert "We called you today." in page
    assert "internal" not in page
    assert "Internal note" not in page


def test_unknown_and_known_references_get_the_same_answer(client, case, mailoutbox):
    known = ask_code(client, case.reference)
    unknown = ask_code(client, "MPS-26-999999")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("portal:code")
    assert len(mailoutbox) == 1


def test_a_code_works_once_and_not_after_it_expires(client, case, mailoutbox):
    ask_code(client, case.reference)
    code = code_from([], mailoutbox)
    assert client.post(reverse("portal:code"), {"code": code}).status_code == 302
    client.post(reverse("portal:sign-out"))
    client.post(reverse("portal:start"), {"reference": case.reference})
    AccessCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(reverse("portal:code"), {"code": code_from([], mailoutbox)})
    assert "wrong or has expired" in response.content.decode()


def test_a_code_is_never_texted_to_a_number_that_is_not_safe(
    client, notifications_in_memory, mailoutbox
):
    from victimcare.cases.services import VictimDetails

    case = case_make(
        victim=VictimDetails(
            given_name="A",
            family_name="B",
            phone="07700900123",
            phone_is_safe=False,
            preferred_contact="sms",
            email="a@example.com",
        )
    )
    ask_code(client, case.reference)
    assert notifications_in_memory == []
    assert len(mailoutbox) == 1


def test_requests_are_rate_limited_per_reference_without_revealing_it(client, case):
    for _ in range(5):
        assert ask_code(client, case.reference).status_code == 302
    assert ask_code(client, case.reference).status_code == 429
    for _ in range(5):
        ask_code(client, "MPS-26-999999")
    assert ask_code(client, "MPS-26-999999").status_code == 429


def test_wrong_codes_are_rate_limited(client, case):
    ask_code(client, case.reference)
    statuses = [
        client.post(reverse("portal:code"), {"code": "000000"}).status_code for _ in range(6)
    ]
    assert statuses[-1] == 429


def test_a_session_ends_after_idle_time(client, case, mailoutbox, settings):
    sign_in(client, case, [], mailoutbox)
    session = client.session
    session["portal_last_seen"] -= settings.TRACK_SESSION_MINUTES * 60 + 1
    session.save()
    assert client.get(reverse("portal:case"))["Location"] == reverse("portal:start")


def test_messages_go_both_ways_and_the_reply_reaches_the_victim(client, case, mailoutbox):
    sign_in(client, case, [], mailoutbox)
    client.post(reverse("portal:message-send"), {"body": "Has anyone looked at the CCTV?"})
    officer = staff_make(Role.OFFICER, force=case.force, first_name="Sam", last_name="Jones")
    staff = client.__class__()
    staff.force_login(officer)
    page = staff.get(case.get_absolute_url()).content.decode()
    assert "Has anyone looked at the CCTV?" in page
    response = staff.post(
        reverse("portal:message-reply", kwargs={"reference": case.reference}),
        {"body": "Yes, we have the footage."},
    )
    assert response.status_code == 302
    assert "Yes, we have the footage." in mailoutbox[-1].body
    timeline = client.get(reverse("portal:case")).content.decode()
    assert "Message from Sam Jones: Yes, we have the footage." in timeline
    kinds = set(case.events.values_list("kind", flat=True))
    assert {EventKind.MESSAGE_FROM_VICTIM, EventKind.MESSAGE_TO_VICTIM} <= kinds


def test_an_empty_message_says_what_to_do(client, case, mailoutbox):
    sign_in(client, case, [], mailoutbox)
    page = client.post(reverse("portal:message-send"), {"body": "  "}).content.decode()
    assert "Enter your message" in page
    assert "There is a problem" in page


def test_the_victim_changes_contact_preferences(client, case, mailoutbox, notifications_in_memory):
    """A new number takes effect with the code texted to it (see test_contact_change.py)."""
    sign_in(client, case, [], mailoutbox)
    response = client.post(
        reverse("portal:contact"),
        {"preferred_contact": "sms", "phone": "07700 900999", "phone_is_safe": "yes", "email": ""},
    )
    assert response["Location"] == reverse("portal:contact-confirm")
    response = client.post(
        reverse("portal:contact-confirm"), {"phone_code": sms_code(notifications_in_memory)}
    )
    assert response.status_code == 302
    details = case.victims.get().personal_details
    details.refresh_from_db()
    assert details.preferred_contact == "sms"
    assert details.phone == "07700 900999"
    assert case.events.filter(kind=EventKind.CONTACT_PREFERENCES_CHANGED).exists()


def test_the_staff_home_lists_messages_awaiting_a_reply_without_their_text(
    client, case, mailoutbox
):
    sign_in(client, case, [], mailoutbox)
    client.post(reverse("portal:message-send"), {"body": "Private words"})
    staff = client.__class__()
    officer = staff_make(Role.OFFICER, force=case.force)
    staff.force_login(officer)
    home = staff.get(reverse("core:staff-home")).content.decode()
    assert "Messages from victims awaiting a reply" in home
    assert f"{case.reference}</a>" in home
    assert "Private words" not in home
    staff.post(
        reverse("portal:message-reply", kwargs={"reference": case.reference}), {"body": "Ok"}
    )
    assert "message has a reply" in staff.get(reverse("core:staff-home")).content.decode()
