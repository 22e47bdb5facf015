from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from victimcare.accounts.constants import Role


class SupportOrganisation(models.Model):
    """A victim support organisation that receives referrals (e.g. Victim Support)."""

    name = models.CharField(max_length=160, unique=True)
    forces = models.ManyToManyField(
        "forces.Force", blank=True, related_name="support_organisations"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OversightBody(models.Model):
    """An organisation that oversees forces (a police and crime commissioner's office,
    HMICFRS): its staff see aggregates of the forces they oversee, under its own name."""

    name = models.CharField(max_length=160, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Every staff member belongs to one force; oversight may span several."""

    role = models.CharField(max_length=32, choices=Role.choices)
    force = models.ForeignKey(
        "forces.Force", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    oversees = models.ManyToManyField(
        "forces.Force",
        blank=True,
        related_name="overseen_by",
        help_text=_("Forces an oversight user may see aggregates for"),
    )
    team = models.ForeignKey(
        "forces.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        help_text=_("The officer's team in their force, for compliance by team"),
    )
    support_organisation = models.ForeignKey(
        SupportOrganisation, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    oversight_body = models.ForeignKey(
        OversightBody,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("The oversight body an oversight user works for, shown as their organisation"),
    )
    collar_number = models.CharField(max_length=16, blank=True)
    contact_route = models.CharField(
        max_length=200, blank=True, help_text=_("How victims reach this officer, e.g. 101 ext.")
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["force", "role"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.team is not None and self.team.force_id != self.force_id:
            raise ValidationError({"team": _("Choose a team of the staff member's own force")})


class ServiceToken(models.Model):
    """A records system's key to the API for one force. Only a hash of the secret is kept."""

    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=80, help_text=_("What uses it, e.g. rms"))
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["force__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="service_token_name_unique_while_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.force_id}/{self.name} ({self.prefix})"
