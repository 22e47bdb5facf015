"""A victim's change of email address or phone number in Track my case takes effect only once
the code sent to the new address is entered; the old address is then told, with the new one
only masked. Other changes take effect at once."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import case_make, force_make
from tests.portal.steps import (
    ADA,
    clock_forward,
    code_emailed,
    code_texted,
    emails_to,
    sign_in,
)
from victimcare.cases.constants import EventKind
from victimcare.notifications.constants import Purpose
from victimcare.notifications.models import Notification
from victimcare.portal.constants import CODE_MAX_TRIES, LIMIT_CONTACT_CHANGES
from victimcare.portal.contact_services import (
    address_mask,
    contact_change_confirm,
    contact_preferences_change,
)
from victimcare.portal.models import ContactChange
from victimcare.portal.services import PortalError

pytestmark = pytest.mark.django_db

NEW = "new.address@elsewhere.org"
NEW_PHONE = "07700 900999"
OLD_PHONE = "07700 900123"
CONFIRM_SUBJECT = "Confirm your new"
CHANGED_SUBJECT = "Your contact details were changed"


@pytest.fixture
def case():
    return case_make(force=force_make("MPS", "Metropolitan Police Service"))


@pytest.fixture
def victim_client(client, case, mailoutbox):
    """A client signed in to Track my case as the case's victim (Ada, by email)."""
    sign_in(client, case, mailoutbox)
    mailoutbox.clear()
    return client


def details_of(case):
    details = case.victims.get().personal_details
    details.refresh_from_db()
    return details


def change(client, **fields):
    form = {"preferred_contact": "email", "email": ADA, "phone": OLD_PHONE, "phone_is_safe": "yes"}
    form.update(fields)
    return client.post(reverse("portal:contact"), form)


def confirm(client, **codes):
    return client.post(reverse("portal:contact-confirm"), codes)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def changed_events(case):
    return case.events.filter(kind=EventKind.CONTACT_PREFERENCES_CHANGED)


def test_a_new_email_changes_nothing_until_its_code_is_entered(victim_client, case, mailoutbox):
    response = change(victim_client, email=NEW)
    assert response["Location"] == reverse("portal:contact-confirm")
    assert details_of(case).email == ADA
    assert not changed_events(case).exists()
    assert [m.to for m in mailoutbox] == [[NEW]]  # the code goes to the new address only
    assert code_emailed(mailoutbox, NEW, CONFIRM_SUBJECT)
    assert NEW not in mailoutbox[0].body
    page = victim_client.get(reverse("portal:contact-confirm")).content.decode()
    assert "Code we emailed to n***@e***.org" in page
    # Codes to sign in still go to the old address.
    mailoutbox.clear()
    victim_client.__class__().post(reverse("portal:start"), {"reference": case.reference})
    assert [m.to for m in mailoutbox] == [[ADA]]


def test_a_wrong_code_changes_nothing(victim_client, case, mailoutbox):
    change(victim_client, email=NEW)
    code = code_emailed(mailoutbox, NEW, CONFIRM_SUBJECT)
    response = confirm(victim_client, email_code=wrong(code))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "The code is wrong" in page
    assert details_of(case).email == ADA
    assert not changed_events(case).exists()
    assert not emails_to(mailoutbox, ADA, CHANGED_SUBJECT)


def test_a_code_that_is_not_6_numbers_is_refused_by_the_form(victim_client, case, mailoutbox):
    change(victim_client, email=NEW)
    page = confirm(victim_client, email_code="12ab").content.decode()
    assert "The code is 6 numbers" in page
    assert details_of(case).email == ADA


def test_the_right_code_makes_the_change_and_tells_the_old_address(victim_client, case, mailoutbox):
    change(victim_client, email=NEW)
    response = confirm(victim_client, email_code=code_emailed(mailoutbox, NEW, CONFIRM_SUBJECT))
    assert response["Location"] == reverse("portal:case")
    assert details_of(case).email == NEW
    assert changed_events(case).get().detail["fields"] == ["email"]
    # Both messages went through the notification queue, as every message to a victim does.
    code_note = Notification.objects.get(purpose=Purpose.CONTACT_CODE)
    assert code_note.recipient == NEW
    assert code_note.sensitive
    assert code_note.body == ""
    notice = Notification.objects.get(purpose=Purpose.CONTACT_CHANGED)
    assert notice.recipient == ADA
    assert notice.case == case
    told = emails_to(mailoutbox, ADA, CHANGED_SUBJECT)
    assert len(told) == 1
    body = told[0].body
    assert case.reference in body
    assert "If this was not you, call 101" in body
    assert "n***@e***.org" in body
    assert NEW not in body
    assert "new.address" not in body
    assert "elsewhere" not in body
    # From now on, codes go to the new address.
    mailoutbox.clear()
    victim_client.__class__().post(reverse("portal:start"), {"reference": case.reference})
    assert [m.to for m in mailoutbox] == [[NEW]]


def test_a_new_phone_number_is_confirmed_by_a_code_texted_to_it(
    victim_client, case, mailoutbox, notifications_in_memory
):
    change(victim_client, phone=NEW_PHONE)
    assert details_of(case).phone == OLD_PHONE
    assert [m["phone_number"] for m in notifications_in_memory] == [NEW_PHONE]
    page = victim_client.get(reverse("portal:contact-confirm")).content.decode()
    assert "Code we texted to *******999" in page
    confirm(victim_client, phone_code=code_texted(notifications_in_memory, NEW_PHONE))
    assert details_of(case).phone == NEW_PHONE
    told = [m for m in notifications_in_memory if m["phone_number"] == OLD_PHONE]
    assert len(told) == 1
    assert "*******999" in told[0]["personalisation"]["body"]
    assert NEW_PHONE not in told[0]["personalisation"]["body"]


def test_a_new_email_and_phone_together_need_both_codes(
    victim_client, case, mailoutbox, notifications_in_memory
):
    change(victim_client, email=NEW, phone=NEW_PHONE)
    email_code = code_emailed(mailoutbox, NEW, CONFIRM_SUBJECT)
    phone_code = code_texted(notifications_in_memory, NEW_PHONE)
    page = confirm(victim_client, email_code=email_code).content.decode()
    assert "Enter the code we sent to *******999" in page
    victim = case.victims.get()
    with pytest.raises(PortalError):
        contact_change_confirm(victim=victim, email_code=email_code, phone_code=wrong(phone_code))
    assert (details_of(case).email, details_of(case).phone) == (ADA, OLD_PHONE)
    confirm(victim_client, email_code=email_code, phone_code=phone_code)
    assert (details_of(case).email, details_of(case).phone) == (NEW, NEW_PHONE)
    assert len(emails_to(mailoutbox, ADA, CHANGED_SUBJECT)) == 1  # each old address told
    assert [m for m in notifications_in_memory if m["phone_number"] == OLD_PHONE]


def test_too_many_wrong_codes_void_the_change(victim_client, case, mailoutbox):
    change(victim_client, email=NEW)
    code = code_emailed(mailoutbox, NEW, CONFIRM_SUBJECT)
    for _ in range(CODE_MAX_TRIES - 1):
        assert confirm(victim_client, email_code=wrong(code)).status_code == 200
    last = confirm(victim_client, email_code=wrong(code))
    assert last["Location"] == reverse("portal:contact")
    assert "Too many wrong codes" in victim_client.get(last["Location"]).content.decode()
    assert confirm(victim_client, email_code=code)["Location"] == reverse("portal:contact")
    assert details_of(case).email == ADA
    assert ContactChange.objects.get().changes == {}  # the new address is not kept


def test_a_code_expires(victim_client, case, mailoutbox, monkeypatch, settings):
    change(victim_client, email=NEW)
    code = code_emailed(mailoutbox, NEW, CONFIRM_SUBJECT)
    clock_forward(monkeypatch, timedelta(minutes=settings.TRACK_CODE_MINUTES, seconds=1))
    victim = case.victims.get()
    with pytest.raises(PortalError, match="expired"):
        contact_change_confirm(victim=victim, email_code=code)
    assert details_of(case).email == ADA


def test_a_later_change_replaces_a_waiting_one(victim_client, case, mailoutbox):
    change(victim_client, email=NEW)
    first = code_emailed(mailoutbox, NEW, CONFIRM_SUBJECT)
    change(victim_client, email="other@elsewhere.org")
    second = code_emailed(mailoutbox, "other@elsewhere.org", CONFIRM_SUBJECT)
    if first != second:
        confirm(victim_client, email_code=first)
        assert details_of(case).email == ADA
    confirm(victim_client, email_code=second)
    assert details_of(case).email == "other@elsewhere.org"


def test_a_new_number_that_is_not_safe_to_text_is_refused_and_the_form_kept(
    victim_client, case, notifications_in_memory
):
    response = change(victim_client, phone=NEW_PHONE, phone_is_safe="no")
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "We check a new number by texting a code" in page
    assert 'href="#id_phone_is_safe' in page  # the error summary links to the question
    assert 'value="07700 900999"' in page  # nothing typed is lost
    assert details_of(case).phone == OLD_PHONE
    assert notifications_in_memory == []
    assert not ContactChange.objects.exists()


@pytest.mark.parametrize(
    ("fields", "column", "value"),
    [
        ({"times_to_avoid": "Mornings"}, "times_to_avoid", "Mornings"),
        ({"preferred_contact": "sms"}, "preferred_contact", "sms"),
        ({"phone_is_safe": "no"}, "phone_is_safe", False),
        ({"phone": "07700900123"}, "phone", OLD_PHONE),  # the same number, other spacing
        ({"email": "ADA@Example.com"}, "email", ADA),  # the same address, other capitals
    ],
    ids=["times", "preferred-way", "number-unsafe", "same-number", "same-email"],
)
def test_changes_that_add_no_new_address_take_effect_at_once_without_a_code(
    victim_client, case, mailoutbox, notifications_in_memory, fields, column, value
):
    response = change(victim_client, **fields)
    assert response["Location"] == reverse("portal:case")
    assert getattr(details_of(case), column) == value
    assert not ContactChange.objects.exists()
    assert not [m for m in mailoutbox if CONFIRM_SUBJECT in m.subject]
    assert not [m for m in notifications_in_memory if "confirm" in m["personalisation"]["body"]]


def test_removing_an_address_takes_effect_at_once_and_is_told_to_it(
    victim_client, case, mailoutbox
):
    response = change(victim_client, preferred_contact="sms", email="")
    assert response["Location"] == reverse("portal:case")
    assert details_of(case).email == ""
    told = emails_to(mailoutbox, ADA, CHANGED_SUBJECT)
    assert len(told) == 1
    assert "your email address was removed" in told[0].body


def test_starting_changes_is_rate_limited(victim_client, case, mailoutbox):
    for n in range(LIMIT_CONTACT_CHANGES):
        assert change(victim_client, email=f"n{n}@elsewhere.org").status_code == 302
    refused = change(victim_client, email="one.more@elsewhere.org")
    assert refused.status_code == 429
    assert "Too many changes" in refused.content.decode()
    assert not emails_to(mailoutbox, "one.more@elsewhere.org")


def test_the_confirm_page_with_no_change_waiting_goes_back_to_the_form(victim_client):
    response = victim_client.get(reverse("portal:contact-confirm"))
    assert response["Location"] == reverse("portal:contact")


def test_the_contact_page_says_when_a_change_waits_for_its_code(victim_client, case):
    change(victim_client, email=NEW)
    page = victim_client.get(reverse("portal:contact")).content.decode()
    assert "waiting for the code" in page
    assert reverse("portal:contact-confirm") in page


def test_the_service_alone_changes_no_address_without_its_code(case):
    """The rule lives in the service, so no other caller can skip the code."""
    victim = case.victims.get()
    result = contact_preferences_change(
        victim=victim, changes={"email": NEW, "preferred_contact": "email"}
    )
    assert result.changed == []
    assert result.waiting is not None
    assert details_of(case).email == ADA


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("email", "new.address@elsewhere.org", "n***@e***.org"),
        ("email", "a@b.co.uk", "a***@b***.uk"),
        ("email", "odd-address", "***"),
        ("phone", "07700 900999", "*******999"),
        ("phone", "+44 7700 900 123", "*******123"),
    ],
)
def test_an_address_is_shown_to_the_old_one_only_masked(name, value, hint):
    assert address_mask(name, value) == hint
