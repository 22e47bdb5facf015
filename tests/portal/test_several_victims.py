"""Track my case on a case with several victims: each victim gets their own code, signs in as
themselves, sees the case's updates but only their own messages, and the officer's reply
goes to the victim the officer chose."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import case_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Victim, VictimPersonalDetails
from victimcare.cases.services import case_event_record
from victimcare.portal import constants
from victimcare.portal.message_services import officer_reply_send, victim_message_send
from victimcare.portal.models import AccessCode, VictimMessage
from victimcare.portal.selectors import messages_awaiting_reply
from victimcare.portal.services import PortalError, access_code_check, access_code_request

pytestmark = pytest.mark.django_db

ADA = "ada@example.com"  # the first victim, made by case_make
BO = "bo@example.com"


def victim_add(case, given_name, **details) -> Victim:
    victim = Victim.objects.create(case=case)
    VictimPersonalDetails.objects.create(
        victim=victim, given_name=given_name, family_name="Testperson", **details
    )
    return victim


@pytest.fixture
def case():
    return case_make(force=force_make("MPS", "Metropolitan Police Service"))


@pytest.fixture
def two(case):
    """The case's two victims, (Ada, Bo), both reachable by email."""
    return case.victims.get(), victim_add(case, "Bo", email=BO)


def code_for(mailoutbox, address, subject="Track my case code") -> str:
    sent = [m for m in mailoutbox if m.to == [address] and subject in m.subject]
    return re.search(r"is (\d{6})\.", sent[-1].body).group(1)


def ask_code(client, reference):
    return client.post(reverse("portal:start"), {"reference": reference})


def sign_in_as(client, case, mailoutbox, address):
    ask_code(client, case.reference)
    return client.post(reverse("portal:code"), {"code": code_for(mailoutbox, address)})


def officer_client(client, case):
    officer = staff_make(Role.OFFICER, force=case.force, first_name="Sam", last_name="Jones")
    staff = client.__class__()
    staff.force_login(officer)
    return staff, officer


def test_each_victim_with_an_electronic_contact_gets_their_own_code(case, two, mailoutbox):
    ada, bo = two
    victim_add(case, "Cy", address="1 High Street", postcode="E8 1AA", preferred_contact="letter")
    access_code_request(reference=case.reference, address="192.0.2.1")
    assert sorted(m.to[0] for m in mailoutbox) == [ADA, BO]  # no code by letter
    assert code_for(mailoutbox, ADA) != code_for(mailoutbox, BO)
    live = AccessCode.objects.filter(used_at__isnull=True)
    assert sorted(live.values_list("victim_id", flat=True)) == [ada.pk, bo.pk]


def test_each_code_signs_in_the_victim_it_was_sent_to(client, case, two, mailoutbox):
    ada, bo = two
    access_code_request(reference=case.reference, address="192.0.2.1")
    address = "192.0.2.2"
    bo_code = code_for(mailoutbox, BO)
    assert access_code_check(reference=case.reference, code=bo_code, address=address) == bo
    assert (
        access_code_check(reference=case.reference, code=code_for(mailoutbox, ADA), address=address)
        == ada
    )
    # Each code works once.
    assert access_code_check(reference=case.reference, code=bo_code, address=address) is None
    # Through the pages: the session belongs to the victim whose code it was.
    client.post(reverse("portal:sign-out"))
    sign_in_as(client, case, mailoutbox, BO)
    assert client.session["portal_victim_id"] == bo.pk


def test_asking_again_replaces_each_victims_live_code(case, two, mailoutbox):
    ada, _bo = two
    access_code_request(reference=case.reference, address="192.0.2.1")
    old = code_for(mailoutbox, ADA)
    access_code_request(reference=case.reference, address="192.0.2.1")
    new = code_for(mailoutbox, ADA)
    assert AccessCode.objects.filter(used_at__isnull=True).count() == 2  # one per victim
    if old != new:
        assert access_code_check(reference=case.reference, code=old, address="x") is None
    assert access_code_check(reference=case.reference, code=new, address="x") == ada


def test_wrong_codes_count_against_every_live_code_of_the_case(case, two, mailoutbox, monkeypatch):
    monkeypatch.setattr(constants, "CODE_MAX_TRIES", 2)
    access_code_request(reference=case.reference, address="192.0.2.1")
    codes = {code_for(mailoutbox, ADA), code_for(mailoutbox, BO)}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in codes)
    for _ in range(2):
        assert access_code_check(reference=case.reference, code=wrong, address="x") is None
    assert not AccessCode.objects.filter(used_at__isnull=True).exists()  # both dead
    for code in codes:
        assert access_code_check(reference=case.reference, code=code, address="x") is None


def test_the_answer_is_the_same_for_a_case_with_several_victims(client, case, two, mailoutbox):
    known = ask_code(client, case.reference)
    unknown = ask_code(client, "MPS-26-999999")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("portal:code")


def test_a_victim_never_sees_another_victims_messages(client, case, two, mailoutbox):
    _ada, bo = two
    case_event_record(
        case=case, kind=EventKind.CONTACT_MADE, at=timezone.now(), victim_text="Case-wide news."
    )
    ada_client, bo_client = client, client.__class__()
    sign_in_as(ada_client, case, mailoutbox, ADA)
    sign_in_as(bo_client, case, mailoutbox, BO)
    ada_client.post(reverse("portal:message-send"), {"body": "Words from Ada"})
    bo_client.post(reverse("portal:message-send"), {"body": "Words from Bo"})
    bo_client.post(
        reverse("portal:contact"),
        {"preferred_contact": "email", "email": "bo.new@example.com", "phone": ""},
    )
    bo_client.post(
        reverse("portal:contact-confirm"),
        {"email_code": code_for(mailoutbox, "bo.new@example.com", "Confirm your new")},
    )
    officer_reply_send(case=case, user=staff_make(force=case.force), body="Only for Bo", victim=bo)
    # A message event from before events named their victim: only the message tells whose.
    old = VictimMessage.objects.create(
        case=case, victim=bo, direction="to_victim", body="Older reply to Bo", at=timezone.now()
    )
    case_event_record(
        case=case,
        kind=EventKind.MESSAGE_TO_VICTIM,
        at=timezone.now(),
        detail={"message": old.pk},
        victim_text="Older reply to Bo",
    )

    ada_page = ada_client.get(reverse("portal:case")).content.decode()
    assert "Case-wide news." in ada_page
    assert "Words from Ada" in ada_page
    for private in (
        "Words from Bo",
        "Only for Bo",
        "Older reply to Bo",
        "You changed how we contact",
    ):
        assert private not in ada_page
    assert ada_page.count("You sent a message to ") == 1

    bo_page = bo_client.get(reverse("portal:case")).content.decode()
    assert "Case-wide news." in bo_page
    assert "Words from Bo" in bo_page
    assert "Only for Bo" in bo_page
    assert "Older reply to Bo" in bo_page
    assert "You changed how we contact you." in bo_page
    assert "Words from Ada" not in bo_page


def test_the_officer_chooses_which_victim_a_reply_goes_to(client, case, two, mailoutbox):
    ada, bo = two
    victim_message_send(victim=ada, body="Any news?")
    staff, _officer = officer_client(client, case)
    page = staff.get(case.get_absolute_url()).content.decode()
    assert "Which victim is this reply for?" in page
    assert re.search(rf'value="{ada.pk}"\s+checked', page)  # the victim who wrote, by default
    assert "From victim 1" in page
    mailoutbox.clear()
    response = staff.post(
        reverse("portal:message-reply", kwargs={"reference": case.reference}),
        {"body": "A reply for Bo", "victim": str(bo.pk)},
    )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[BO]]
    assert "A reply for Bo" in mailoutbox[0].body
    assert VictimMessage.objects.get(body="A reply for Bo").victim == bo
    assert "From Sam Jones to victim 2" in staff.get(case.get_absolute_url()).content.decode()


def test_a_reply_with_no_victim_chosen_is_refused_when_there_are_several(
    client, case, two, mailoutbox
):
    staff, _officer = officer_client(client, case)
    staff.post(
        reverse("portal:message-reply", kwargs={"reference": case.reference}), {"body": "Hello"}
    )
    assert not VictimMessage.objects.exists()
    assert mailoutbox == []
    # The service on its own: nobody has written, so it cannot tell whom the reply is for.
    with pytest.raises(PortalError):
        officer_reply_send(case=case, user=staff_make(force=case.force), body="Hello")


def test_a_reply_without_a_victim_answers_the_victim_who_wrote_last(case, two, mailoutbox):
    ada, bo = two
    victim_message_send(victim=ada, body="First")
    victim_message_send(victim=bo, body="Second")
    mailoutbox.clear()
    reply = officer_reply_send(case=case, user=staff_make(force=case.force), body="Answer")
    assert reply.victim == bo
    assert [m.to for m in mailoutbox] == [[BO]]


def test_a_reply_for_a_victim_on_another_case_is_refused(case, two):
    other = case_make(force=case.force)
    with pytest.raises(PortalError):
        officer_reply_send(
            case=case, user=staff_make(force=case.force), body="x", victim=other.victims.get()
        )


def test_a_message_awaits_a_reply_to_its_own_victim(case, two):
    ada, bo = two
    victim_message_send(victim=ada, body="From Ada")
    officer_reply_send(case=case, user=staff_make(force=case.force), body="To Bo", victim=bo)
    waiting = list(messages_awaiting_reply(force_id=case.force_id))
    assert [m.body for m in waiting] == ["From Ada"]
    officer_reply_send(case=case, user=staff_make(force=case.force), body="To Ada", victim=ada)
    assert list(messages_awaiting_reply(force_id=case.force_id)) == []


def test_a_single_victim_case_has_no_victim_choice_and_replies_reach_its_victim(
    client, case, mailoutbox
):
    staff, _officer = officer_client(client, case)
    page = staff.get(case.get_absolute_url()).content.decode()
    assert "Which victim is this reply for?" not in page
    staff.post(
        reverse("portal:message-reply", kwargs={"reference": case.reference}), {"body": "Hi"}
    )
    assert VictimMessage.objects.get().victim == case.victims.get()
    assert [m.to for m in mailoutbox] == [[ADA]]
