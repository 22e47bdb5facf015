"""Every write to notifications: queue a message once, deliver it once, retry on failure."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from victimcare.notifications import backends
from victimcare.notifications.constants import NotificationChannel, NotificationStatus, Purpose
from victimcare.notifications.models import Notification

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30


class NotificationError(ValueError):
    """A message cannot be queued as asked; the message says why."""


def notification_queue(
    *,
    channel: str,
    recipient: str,
    body: str,
    idempotency_key: str,
    subject: str = "",
    purpose: str = Purpose.UPDATE,
    case=None,
    sensitive: bool = False,
) -> Notification:
    """Queue a message for background delivery. The same key never queues a second message."""
    if channel not in NotificationChannel.values:
        raise NotificationError(f"Unknown channel {channel!r}")
    if not recipient.strip():
        raise NotificationError("A message needs a recipient")
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    notification = Notification(
        idempotency_key=idempotency_key,
        channel=channel,
        purpose=purpose,
        recipient=recipient.strip(),
        subject=subject[:200],
        body=body,
        sensitive=sensitive,
        case=case,
        created_at=timezone.now(),
    )
    notification.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:  # the same key queued concurrently: that one wins
        return Notification.objects.get(idempotency_key=idempotency_key)
    _deliver_later(notification.pk)
    return notification


def _deliver_later(notification_id: int, delay: timedelta | None = None) -> None:
    """Enqueue delivery. With the database backend the queue row commits with the message."""
    from victimcare.notifications.tasks import notification_deliver_task

    task = notification_deliver_task
    if delay is not None and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    elif delay is not None:
        return  # no deferred tasks (e.g. the immediate backend): notifications_retry picks it up
    task.enqueue(notification_id)


def notification_deliver(*, notification_id: int) -> str:
    """Send a queued message unless it has gone already; returns the resulting status.

    The status is re-checked under a row lock, so two workers (or a retry racing the
    first attempt) never both send it.
    """
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != NotificationStatus.PENDING:
            return notification.status if notification else "missing"
        notification.attempts += 1
        try:
            reference = _provider_send(notification)
        except Exception as error:  # any provider failure is retried, up to the limit
            notification.last_error = type(error).__name__ + (
                f": {error}" if isinstance(error, backends.DeliveryError) else ""
            )
            if notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
                notification.next_attempt_at = None
            else:
                delay = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (notification.attempts - 1))
                notification.next_attempt_at = timezone.now() + delay
            notification.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning(
                "notification %s attempt %s failed: %s",
                notification.pk,
                notification.attempts,
                type(error).__name__,
            )
            if notification.status == NotificationStatus.PENDING:
                transaction.on_commit(
                    lambda: _deliver_later(
                        notification.pk, notification.next_attempt_at - timezone.now()
                    )
                )
            return notification.status
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.provider_reference = reference[:200]
        notification.last_error = ""
        notification.next_attempt_at = None
        if notification.sensitive:
            notification.body = ""
        notification.save(
            update_fields=[
                "attempts",
                "status",
                "sent_at",
                "provider_reference",
                "last_error",
                "next_attempt_at",
                "body",
            ]
        )
        logger.info("notification %s sent by %s", notification.pk, notification.channel)
        return notification.status


def _provider_send(notification: Notification) -> str:
    key = notification.idempotency_key
    if notification.channel == NotificationChannel.EMAIL:
        return backends.email_send(
            to=notification.recipient,
            subject=notification.subject,
            body=notification.body,
            reference=key,
            secret=notification.sensitive,
        )
    if notification.channel == NotificationChannel.SMS:
        return backends.sms_send(
            phone_number=notification.recipient,
            body=notification.body,
            reference=key,
            secret=notification.sensitive,
        )
    return backends.letter_queue(
        address=notification.recipient,
        subject=notification.subject,
        body=notification.body,
        reference=key,
    )


def notifications_retry_due(*, now=None) -> int:
    """Deliver messages whose retry time has come (for backends that cannot defer tasks)."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )
    for notification_id in due:
        notification_deliver(notification_id=notification_id)
    return len(due)


def victim_route(*, details, prefer: str | None = None) -> tuple[str, str] | None:
    """The (channel, recipient) to reach a victim by, honouring their preference and safety.

    A number the victim said is not safe to contact is never texted. A preference for
    phone calls is honoured by officers; automatic messages then go by text (if safe),
    else email, else letter.
    """
    preference = prefer or details.preferred_contact
    phone_ok = bool(details.phone) and details.phone_is_safe is not False
    options = {
        "email": (NotificationChannel.EMAIL, details.email) if details.email else None,
        "sms": (NotificationChannel.SMS, details.phone) if phone_ok else None,
        "letter": (
            (
                NotificationChannel.LETTER,
                f"{details.full_name}\n{details.address}\n{details.postcode}",
            )
            if details.address
            else None
        ),
    }
    order = {
        "email": ["email", "sms", "letter"],
        "sms": ["sms", "email", "letter"],
        "phone": ["sms", "email", "letter"],
        "letter": ["letter", "email", "sms"],
    }.get(preference, ["email", "sms", "letter"])
    for name in order:
        if options[name] is not None:
            return options[name]
    return None


def victim_notify(
    *,
    victim,
    subject: str,
    body: str,
    idempotency_key: str,
    purpose: str = Purpose.UPDATE,
    prefer: str | None = None,
    sensitive: bool = False,
) -> Notification | None:
    """Send a message to a victim by their preferred channel; None when there is no safe way."""
    details = victim.personal_details
    route = victim_route(details=details, prefer=prefer)
    if route is None:
        logger.info("no safe contact route for victim %s; message not sent", victim.pk)
        return None
    channel, recipient = route
    return notification_queue(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        purpose=purpose,
        case=victim.case,
        sensitive=sensitive,
    )
