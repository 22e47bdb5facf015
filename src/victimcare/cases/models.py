import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from victimcare.cases.constants import (
    AgeBand,
    CaseStatus,
    Channel,
    ContactMethod,
    Disability,
    Ethnicity,
    EventKind,
    Sex,
)


class ReferenceSequence(models.Model):
    """The last crime-reference number issued by a force in a year."""

    force = models.ForeignKey("forces.Force", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "year"], name="reference_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.force_id} {self.year}: {self.last_number}"


class Case(models.Model):
    """A reported crime. Holds no personal data: that is in VictimPersonalDetails."""

    reference = models.CharField(
        max_length=32, help_text=_("Crime reference, unique in its force, e.g. MPS-26-000123")
    )
    # No single-column indexes on force, area and officer: the composite indexes in Meta
    # start with each of them, and every index costs every insert (the bulk importer).
    force = models.ForeignKey(
        "forces.Force", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    area = models.ForeignKey(
        "forces.Area", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    crime_type = models.ForeignKey(
        "forces.CrimeType", on_delete=models.PROTECT, related_name="cases"
    )
    reported_at = models.DateTimeField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(
        max_length=24, choices=CaseStatus.choices, default=CaseStatus.REPORTED
    )
    officer_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_in_charge",
        db_index=False,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    summary = models.TextField(blank=True, help_text=_("What happened, in brief"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["force", "reference"], name="case_reference_unique")
        ]
        # Indexes on who recorded or runs a case leave out the cases with nobody (all
        # imported cases, until assigned): smaller, and nothing to update for those rows.
        indexes = [
            models.Index(fields=["force", "-reported_at"]),
            models.Index(
                fields=["officer_in_charge", "status"],
                name="case_officer_status",
                condition=Q(officer_in_charge__isnull=False),
            ),
            models.Index(fields=["area", "crime_type"]),
            models.Index(
                fields=["recorded_by"],
                name="case_recorded_by",
                condition=Q(recorded_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", kwargs={"reference": self.reference})


class Victim(models.Model):
    """A victim on a case: entitlements and equality data, no identifying details.

    Names, contacts and date of birth sit apart in VictimPersonalDetails so that
    analysts and survey microdata never need to touch them.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victims")
    pseudonym = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Enhanced entitlements under the Victims' Code.
    most_serious_crime = models.BooleanField(default=False)
    persistently_targeted = models.BooleanField(default=False)
    vulnerable = models.BooleanField(default=False)
    intimidated = models.BooleanField(default=False)
    # Optional equality data; blank means not asked or not answered.
    age_band = models.CharField(max_length=20, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=20, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(max_length=20, choices=Disability.choices, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Victim {self.pk} on {self.case_id}"

    @property
    def is_enhanced(self) -> bool:
        """Entitled to the enhanced service: any of the four Victims' Code grounds."""
        return (
            self.most_serious_crime
            or self.persistently_targeted
            or self.vulnerable
            or self.intimidated
        )


class VictimPersonalDetails(models.Model):
    """A victim's personal data. Every staff view of it is audited."""

    victim = models.OneToOneField(
        Victim, on_delete=models.CASCADE, related_name="personal_details", primary_key=True
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.EMAIL
    )
    times_to_avoid = models.CharField(max_length=200, blank=True)
    phone_is_safe = models.BooleanField(
        null=True,
        blank=True,
        help_text=_("Victim says it is safe to contact them on this number"),
    )

    class Meta:
        verbose_name_plural = "victim personal details"

    def __str__(self) -> str:
        return f"Personal details of victim {self.victim_id}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002 (refuses whatever QuerySet.update is given)
        raise PermissionError("Case events are append-only")

    def delete(self):
        raise PermissionError("Case events are append-only")


class CaseEvent(models.Model):
    """What happened on a case, when, and by whom. Append-only: never updated or deleted."""

    # Indexed by (case, at) in Meta, which serves lookups by case alone too.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    at = models.DateTimeField(help_text=_("When it happened"))
    recorded_at = models.DateTimeField(help_text=_("When it was written down"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    detail = models.JSONField(default=dict, blank=True)
    victim_text = models.TextField(
        blank=True, help_text=_("What the victim sees about this event in Track my case")
    )

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"]),
            models.Index(fields=["kind", "at"]),
            # Only the events a person recorded (not the system's, nor imported ones).
            models.Index(fields=["by"], name="caseevent_by", condition=Q(by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ARG002 (refuses whatever Model.delete is given)
        raise PermissionError("Case events are append-only")
