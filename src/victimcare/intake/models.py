from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportDraft(models.Model):
    """An online report in progress, saved at every step so nothing typed is lost.

    Found only by the hash of its resume token: the token itself is in the victim's
    session and resume link, never in the database. The answers are sealed (AES-GCM) with a
    key derived from that token, so nobody reading the database, staff included, can read
    an unsent report; only ``intake.services`` opens them, given the token. Expires after
    7 days.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    force = models.ForeignKey(
        "forces.Force", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Version byte, nonce and ciphertext of the answers as JSON; empty once submitted.
    answers_sealed = models.BinaryField(default=b"", blank=True)
    last_step = models.CharField(max_length=32, blank=True)
    # A keyed hash of the address the draft was started from (never the address itself),
    # for the limit on new drafts per address.
    client_scope = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    submitted_case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["client_scope", "created_at"])]

    def __str__(self) -> str:
        return f"Report draft {self.pk}"


class ExternalReference(models.Model):
    """A case's identifier in another system (a records system's own crime reference)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="external_references"
    )
    # No index of its own: the unique (force, system, external_id) index serves it.
    force = models.ForeignKey(
        "forces.Force", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    system = models.CharField(max_length=40, help_text=_("Which system, e.g. rms"))
    external_id = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["force", "system", "external_id"], name="external_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"


class IdempotencyRecord(models.Model):
    """An API request already handled: a retry with the same key gets the same case."""

    force = models.ForeignKey("forces.Force", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.force_id}:{self.key}"
