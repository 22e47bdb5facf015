import hashlib

from django.conf import settings
from django.db import models

from victimcare.portal.constants import MessageDirection


class AccessCode(models.Model):
    """A one-time Track my case sign-in code. Only a keyed hash of the code is kept."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self) -> str:
        return f"Access code {self.pk} for case {self.case_id}"


class SignInAttempt(models.Model):
    """One counted attempt (a code requested or a wrong code) for rate limiting.

    ``scope`` is a hash of the reference or of the client address, never the value itself.
    """

    scope = models.CharField(max_length=80)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["scope", "at"])]

    def __str__(self) -> str:
        return f"{self.scope} at {self.at:%H:%M:%S}"


class VictimMessage(models.Model):
    """A message between a victim and the officer on their case."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="victim_messages")
    victim = models.ForeignKey(
        "cases.Victim", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    direction = models.CharField(max_length=12, choices=MessageDirection.choices)
    body = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} on case {self.case_id}"


class TrackLink(models.Model):
    """A link in a message to a victim that opens the Track my case sign-in step.

    Only a hash of the link's random token is kept. A link is spent the first time it is
    used to ask for a code and dies 24 hours after it was made; it never signs anyone in by
    itself (see ``portal.services.track_link_make``).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Track my case link {self.pk} for case {self.case_id}"

    @staticmethod
    def hash_of(token: str) -> str:
        """What is kept of a token (a random 256-bit token needs no key)."""
        return hashlib.sha256(token.encode()).hexdigest()


class ContactChange(models.Model):
    """A victim's change of email address or phone number, waiting for the code sent to
    the new address. Nothing in ``changes`` takes effect until every code is entered.

    ``changes`` holds the new contact details (personal data) only while the change waits:
    it is emptied once the change is confirmed, replaced, void or expired.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="+")
    changes = models.JSONField(default=dict, blank=True)
    email_code_hash = models.CharField(max_length=100, blank=True)
    phone_code_hash = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="Confirmed, replaced by a later change, or void"
    )

    class Meta:
        indexes = [models.Index(fields=["victim", "-created_at"])]

    def __str__(self) -> str:
        return f"Contact change {self.pk} for victim {self.victim_id}"
