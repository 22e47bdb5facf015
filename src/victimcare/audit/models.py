"""The audit trail: who saw which victim's personal data, and every change to a staff
member's second factor. Append-only.

The app sits between cases and accounts in the layers (pyproject.toml): the case page and
every page above it write here; accounts reports its security events through the
``accounts.signals.security_event`` signal, which this app records.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from victimcare.accounts.constants import AuditAction


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002 (refuses whatever QuerySet.update is given)
        raise PermissionError("Audit records cannot be altered")

    def delete(self):
        raise PermissionError("Audit records cannot be deleted")


class AuditRecord(models.Model):
    """Who viewed which victim's personal data, when, and on which page; and every change
    to a staff member's second factor (set up, wrong code, recovery code used, reset), with
    ``subject`` the staff member concerned and no victim. Append-only."""

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="audit_records"
    )
    force = models.ForeignKey(
        "forces.Force", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    victim = models.ForeignKey(
        "cases.Victim", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The staff member whose sign-in a security record is about"),
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices, default=AuditAction.VIEW)
    page = models.CharField(max_length=200)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        # The table it had in accounts, before it moved here (audit/migrations/0001).
        db_table = "accounts_auditrecord"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["force", "-at"]), models.Index(fields=["victim", "-at"])]

    def __str__(self) -> str:
        victim_id, subject_id = self.__dict__.get("victim_id"), self.__dict__.get("subject_id")
        about = f"victim {victim_id}" if victim_id else f"staff {subject_id}"
        return f"{self.user} {self.action} {about} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit records cannot be altered")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ARG002 (refuses whatever Model.delete is given)
        raise PermissionError("Audit records cannot be deleted")
