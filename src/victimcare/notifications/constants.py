from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("Letter")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed: gave up after retries")
    NOT_SENT = "not_sent", _("Not sent: no safe way to reach the victim")


class Purpose(models.TextChoices):
    """Why a message is sent; kept on the row so staff can see what went out without the text."""

    CARE_CARD = "care_card", _("Victim Care Card")
    ACCESS_CODE = "access_code", _("Track my case sign-in code")
    REPLY = "reply", _("Reply from the officer")
    DRAFT_LINK = "draft_link", _("Link to an unfinished report")
    UPDATE = "update", _("Case update")
    CONTACT_CODE = "contact_code", _("Code to confirm a new email address or phone number")
    CONTACT_CHANGED = "contact_changed", _("Notice that contact details were changed")
    BREACH_DIGEST = "breach_digest", _("Daily breach digest to a supervisor")
