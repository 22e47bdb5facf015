"""Notifications: one interface, three backends, sent in the background, never twice."""

import pytest
from django.core import mail

from tests.factories import case_make
from victimcare.cases.models import VictimPersonalDetails
from victimcare.notifications.constants import NotificationStatus
from victimcare.notifications.models import Notification
from victimcare.notifications.services import (
    notification_deliver,
    notification_queue,
    notifications_retry_due,
    victim_route,
)

pytestmark = pytest.mark.django_db


def test_an_email_is_sent_by_the_background_task_and_marked_sent():
    note = notification_queue(
        channel="email",
        recipient="ada@example.com",
        subject="Hello",
        body="Body",
        idempotency_key="k1",
    )
    note.refresh_from_db()
    assert note.status == NotificationStatus.SENT
    assert note.attempts == 1
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


def test_the_same_key_never_sends_a_second_message(notifications_in_memory):
    for _ in range(3):
        notification_queue(
            channel="sms", recipient="07700900123", body="Hi", idempotency_key="same"
        )
    assert Notification.objects.count() == 1
    assert len(notifications_in_memory) == 1
    assert notification_deliver(notification_id=Notification.objects.get().pk) == "sent"
    assert len(notifications_in_memory) == 1


def test_a_text_message_goes_through_the_notify_shaped_client_and_a_code_is_erased(
    notifications_in_memory,
):
    note = notification_queue(
        channel="sms",
        recipient="07700900123",
        body="Code 123456",
        idempotency_key="c",
        sensitive=True,
    )
    assert notifications_in_memory[0]["personalisation"] == {"body": "Code 123456"}
    assert notifications_in_memory[0]["reference"] == "c"
    note.refresh_from_db()
    assert note.body == ""


def test_a_letter_is_queued_for_printing(settings):
    notification_queue(
        channel="letter", recipient="Ada\n1 High St", body="Card", idempotency_key="l:1"
    )
    files = list(settings.NOTIFICATIONS_LETTER_DIR.iterdir())
    assert len(files) == 1
    assert "Card" in files[0].read_text()


def test_a_failing_provider_is_retried_then_given_up(settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "victimcare.notifications.backends.FailingSmsClient"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    note = notification_queue(channel="sms", recipient="07700900123", body="x", idempotency_key="f")
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING
    assert note.attempts == 1
    assert note.next_attempt_at is not None
    assert "unavailable" in note.last_error
    assert notifications_retry_due(now=note.next_attempt_at) == 1
    note.refresh_from_db()
    assert note.status == NotificationStatus.FAILED
    assert note.attempts == 2


def test_a_retry_after_the_provider_recovers_sends_once(settings, notifications_in_memory):
    settings.NOTIFICATIONS_SMS_BACKEND = "victimcare.notifications.backends.FailingSmsClient"
    note = notification_queue(channel="sms", recipient="07700900123", body="x", idempotency_key="r")
    settings.NOTIFICATIONS_SMS_BACKEND = "victimcare.notifications.backends.MemorySmsClient"
    note.refresh_from_db()
    notifications_retry_due(now=note.next_attempt_at)
    notifications_retry_due(now=note.next_attempt_at)
    note.refresh_from_db()
    assert note.status == NotificationStatus.SENT
    assert len(notifications_in_memory) == 1


ROUTES = [
    # preference, email, phone, phone safe, address -> channel (None: no safe way)
    ("email", "a@example.com", "07700900123", True, "", "email"),
    ("sms", "a@example.com", "07700900123", True, "", "sms"),
    ("sms", "a@example.com", "07700900123", False, "", "email"),
    ("phone", "", "07700900123", True, "", "sms"),
    ("phone", "", "07700900123", False, "", None),
    ("letter", "a@example.com", "", None, "1 High St", "letter"),
    ("email", "", "", None, "1 High St", "letter"),
    ("email", "", "", None, "", None),
]


@pytest.mark.parametrize(("preference", "email", "phone", "safe", "address", "expected"), ROUTES)
def test_a_victim_is_reached_by_their_preference_and_never_on_an_unsafe_number(
    preference, email, phone, safe, address, expected
):
    details = VictimPersonalDetails(
        given_name="A",
        family_name="B",
        email=email,
        phone=phone,
        phone_is_safe=safe,
        address=address,
        preferred_contact=preference,
    )
    route = victim_route(details=details)
    assert (route[0] if route else None) == expected


def test_messages_about_a_case_are_linked_to_it():
    case = case_make()
    assert Notification.objects.filter(case=case).count() == 0
