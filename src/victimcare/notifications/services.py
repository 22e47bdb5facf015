"""Every write to notifications: queue a message once, deliver it once, retry on failure."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from victimcare.core.worker import current_worker_id, worker_alive
from victimcare.notifications import backends
from victimcare.notifications.constants import NotificationChannel, NotificationStatus, Purpose
from victimcare.notifications.models import Notification

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
# A delivery attempt still "sending" after this long was cut off (providers answer or
# time out well within it: see EMAIL_TIMEOUT in config/settings.py).
CLAIM_SECONDS = 120
CONNECTION_ATTEMPTS = 5


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
    # Inside the function: notifications.tasks imports this module.
    from victimcare.notifications.tasks import notification_deliver_task

    task = notification_deliver_task
    if delay is not None and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    elif delay is not None:
        return  # no deferred tasks (e.g. the immediate backend): notifications_retry picks it up
    task.enqueue(notification_id)


def notification_deliver(*, notification_id: int) -> str:
    """Send a queued message unless it has gone already; returns the resulting status.

    Mark before send: the message is claimed ("sending", with the time and the worker)
    and committed before the provider is called, then marked sent. So two workers, or a
    retry racing the first attempt, never both send it, and a database connection cut
    after the provider took the message cannot undo the claim and send it again: the
    mark is retried on a fresh connection. A claim left by a worker that died (or older
    than ``CLAIM_SECONDS``) is sent again, with the same idempotency key as the
    provider's reference: at least once, and a duplicate only if the worker died in the
    moment between the provider taking the message and the mark (see ARCHITECTURE.md).
    """
    claimed = _delivery_claim(notification_id)
    if not isinstance(claimed, Notification):
        return claimed
    try:
        reference = _provider_send(claimed)
    except Exception as error:  # noqa: BLE001 (any provider failure is retried, up to the limit)
        return _on_fresh_connection(partial(_delivery_failed, claimed, error))
    return _on_fresh_connection(partial(_delivery_sent, claimed, reference))


def _delivery_claim(notification_id: int) -> Notification | str:
    """The message, claimed for sending now; or the status that says it is not to be sent."""

    now = timezone.now()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return "missing"
        if notification.status == NotificationStatus.SENDING:
            claimant = notification.claimed_by
            cut_off = (
                notification.claimed_at is None
                or notification.claimed_at <= now - timedelta(seconds=CLAIM_SECONDS)
                or (claimant and (claimant == current_worker_id() or not worker_alive(claimant)))
            )
            if not cut_off:  # another attempt is under way: look again when it must be over
                # (not cut off: claimed at a time)
                check = notification.claimed_at + timedelta(seconds=CLAIM_SECONDS) - now  # type: ignore[operator]
                transaction.on_commit(lambda: _deliver_later(notification_id, check))
                return NotificationStatus.SENDING
            logger.warning(
                "notification %s: attempt %s was cut off; sending again with the same reference",
                notification.pk,
                notification.attempts,
            )
        elif notification.status != NotificationStatus.PENDING:
            return notification.status
        notification.status = NotificationStatus.SENDING
        notification.attempts += 1
        notification.claimed_at = now
        notification.claimed_by = current_worker_id()
        notification.save(update_fields=["status", "attempts", "claimed_at", "claimed_by"])
    return notification


def _delivery_sent(notification: Notification, reference: str) -> str:
    changes = {
        "status": NotificationStatus.SENT,
        "sent_at": timezone.now(),
        "provider_reference": reference[:200],
        "last_error": "",
        "next_attempt_at": None,
        "claimed_by": "",
    }
    if notification.sensitive:
        changes["body"] = ""
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
        **changes
    )
    logger.info("notification %s sent by %s", notification.pk, notification.channel)
    return NotificationStatus.SENT


def _delivery_failed(notification: Notification, error: Exception) -> str:
    last_error = type(error).__name__ + (
        f": {error}" if isinstance(error, backends.DeliveryError) else ""
    )
    if notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        status, next_attempt_at = NotificationStatus.FAILED, None
    else:
        delay = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (notification.attempts - 1))
        status, next_attempt_at = NotificationStatus.PENDING, timezone.now() + delay
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
            status=status,
            last_error=last_error[:200],
            next_attempt_at=next_attempt_at,
            claimed_by="",
        )
        if status == NotificationStatus.PENDING:
            transaction.on_commit(  # (pending: a next attempt at a time)
                lambda: _deliver_later(notification.pk, next_attempt_at - timezone.now())  # type: ignore[operator]
            )
    logger.warning(
        "notification %s attempt %s failed: %s",
        notification.pk,
        notification.attempts,
        type(error).__name__,
    )
    return status


def _on_fresh_connection(write):
    """Run a write after the provider call, reconnecting if the connection was cut: the
    message has gone (or failed), and that must be recorded, not the send repeated."""
    for attempt in range(CONNECTION_ATTEMPTS):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or attempt == CONNECTION_ATTEMPTS - 1:
                raise
            connection.close()
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


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
    """Deliver messages whose retry time has come (for backends that cannot defer tasks),
    and those whose delivery attempt was cut off more than ``CLAIM_SECONDS`` ago."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            | Q(
                status=NotificationStatus.SENDING,
                claimed_at__lte=now - timedelta(seconds=CLAIM_SECONDS),
            )
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
