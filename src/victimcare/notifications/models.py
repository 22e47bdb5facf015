from django.db import models
from django.utils.translation import gettext_lazy as _

from victimcare.notifications.constants import NotificationChannel, NotificationStatus, Purpose


class Notification(models.Model):
    """One message to one recipient. The idempotency key makes it impossible to send twice.

    ``recipient`` is personal data (an address or number); it is never logged and never
    shown outside the audited case page. A sensitive body (a sign-in code) is erased once
    the message has gone.
    """

    idempotency_key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.UPDATE)
    recipient = models.TextField(help_text=_("Email address, phone number or postal address"))
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    sensitive = models.BooleanField(default=False)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A delivery attempt in progress (status "sending"): when it started and which
    # `victimcare worker` made it, so that one cut off by a crash can be told from one
    # still running (notifications/services.py).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["case", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.purpose} #{self.pk} ({self.status})"
