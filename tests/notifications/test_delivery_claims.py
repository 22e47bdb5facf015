"""Mark before send: a message is claimed ("sending") and committed before the provider is
called, so a crash or a cut connection neither loses it nor sends it twice, except in the
moment between the provider taking it and the mark (at least once, never silently lost)."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from tests.core.test_worker import another_worker
from victimcare.notifications import services
from victimcare.notifications.constants import NotificationStatus
from victimcare.notifications.models import Notification
from victimcare.notifications.services import (
    CLAIM_SECONDS,
    notification_deliver,
    notification_queue,
    notifications_retry_due,
)


def claimed_message(outbox, *, by: str, ago: timedelta = timedelta(0)) -> Notification:
    """A text message whose delivery attempt by worker ``by`` was cut off ``ago``."""
    note = notification_queue(
        channel="sms", recipient="07700900123", body="Hi", idempotency_key="k"
    )
    Notification.objects.filter(pk=note.pk).update(
        status=NotificationStatus.SENDING,
        claimed_by=by,
        claimed_at=timezone.now() - ago,
        sent_at=None,
        provider_reference="",
    )
    outbox.clear()
    return note


@pytest.mark.django_db
def test_a_message_is_claimed_before_the_provider_is_called(notifications_in_memory, monkeypatch):
    seen = []

    def send(notification):
        seen.append(Notification.objects.get(pk=notification.pk).status)
        return "provider-id"

    monkeypatch.setattr(services, "_provider_send", send)
    note = notification_queue(
        channel="sms", recipient="07700900123", body="Hi", idempotency_key="k"
    )
    note.refresh_from_db()
    assert seen == [NotificationStatus.SENDING]
    assert note.status == NotificationStatus.SENT
    assert note.claimed_by == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows_put_back")
def test_a_message_whose_worker_died_while_sending_it_is_sent_again_once(notifications_in_memory):
    note = claimed_message(notifications_in_memory, by="worker-killed")
    assert notification_deliver(notification_id=note.pk) == NotificationStatus.SENT
    assert notification_deliver(notification_id=note.pk) == NotificationStatus.SENT
    assert [m["reference"] for m in notifications_in_memory] == ["k"]  # the same reference
    note.refresh_from_db()
    assert note.attempts == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows_put_back")
def test_a_message_a_live_worker_is_sending_is_not_sent_again(notifications_in_memory):
    note = claimed_message(notifications_in_memory, by="worker-busy")
    with another_worker("worker-busy"):
        assert notification_deliver(notification_id=note.pk) == NotificationStatus.SENDING
    assert notifications_in_memory == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ago", "sent_again"),
    [(timedelta(seconds=CLAIM_SECONDS + 1), True), (timedelta(seconds=5), False)],
)
def test_an_attempt_by_no_worker_counts_as_cut_off_after_the_claim_limit(
    notifications_in_memory, ago, sent_again
):
    note = claimed_message(notifications_in_memory, by="", ago=ago)
    assert notifications_retry_due() == (1 if sent_again else 0)
    assert len(notifications_in_memory) == (1 if sent_again else 0)
    note.refresh_from_db()
    assert note.status == (NotificationStatus.SENT if sent_again else NotificationStatus.SENDING)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows_put_back")
def test_a_connection_cut_after_the_provider_took_the_message_does_not_send_it_twice(
    notifications_in_memory, monkeypatch
):
    """The mark is retried on a fresh connection; before, the whole attempt rolled back
    and the message went again (or, its task failed, never was marked at all)."""
    real = services._delivery_sent
    cuts = []

    def cut_once(notification, reference):
        if not cuts:
            cuts.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real(notification, reference)

    monkeypatch.setattr(services, "_delivery_sent", cut_once)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    note = notification_queue(
        channel="sms", recipient="07700900123", body="Hi", idempotency_key="k"
    )
    note.refresh_from_db()
    assert cuts
    assert note.status == NotificationStatus.SENT
    assert len(notifications_in_memory) == 1
    assert notification_deliver(notification_id=note.pk) == NotificationStatus.SENT
    assert len(notifications_in_memory) == 1
