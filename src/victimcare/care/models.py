from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from victimcare.care.constants import (
    PROPERTY_DESCRIPTION_MAX_LENGTH,
    PROPERTY_REASON_MAX_LENGTH,
    Need,
    ObligationStatus,
    PropertyStatus,
    ReferralConsent,
    ReferralStatus,
    SafeRoute,
    VisitStatus,
)


class RuleSet(models.Model):
    """A named set of Victims' Code rules: vc2015, vc2020, tvc (Total Victim Care)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=160)
    in_force_from = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "For a national Victims' Code: the day it came into force. Cases reported from "
            "then (until the next Code) are clocked under it. Blank for a local rule set."
        ),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RuleSetVersion(models.Model):
    """One version of a rule set. Never changed: a changed rule set is a new version."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    checksum = models.CharField(max_length=64, help_text=_("SHA-256 of the rule set's JSON"))
    definition = models.JSONField()
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["rule_set__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "version"], name="rule_set_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.code} v{self.version}"


class Rule(models.Model):
    """One obligation rule of a rule-set version: what starts the clock, the deadline,
    who it applies to, what meets it and what cancels it (all in ``definition``)."""

    version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="rules")
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    definition = models.JSONField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="rule_code_unique_in_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.version})"


class ForceCarePolicy(models.Model):
    """The local rule set a force chose (e.g. ``tvc``, stricter than the Code), from a day.

    A case takes the newest version of this rule set when its clock starts if it was
    reported on or after ``effective_from``; otherwise the national Code in force on its
    report date."""

    force = models.OneToOneField("forces.Force", on_delete=models.CASCADE, related_name="+")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "Cases reported from this day (London time) are clocked under the force's rule "
            "set; earlier ones under the national Code in force when they were reported. "
            "Blank: every case, whenever reported."
        ),
    )
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "force care policies"

    def __str__(self) -> str:
        return f"{self.force_id}: {self.rule_set_id}"


class CaseClock(models.Model):
    """Which rule-set version a case is clocked under, and since when."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    rule_set_version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="+")
    clocked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Case {self.case_id} under {self.rule_set_version_id}"


class CalendarDay(models.Model):
    """The England and Wales working-day calendar, for set-based deadline arithmetic:
    ``working_index`` counts the working days up to and including ``day``."""

    day = models.DateField(primary_key=True)
    is_working = models.BooleanField()
    working_index = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["working_index"],
                condition=models.Q(is_working=True),
                name="calendar_working_index_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} ({'working' if self.is_working else 'not working'})"


class Obligation(models.Model):
    """Something a victim is owed under the case's rule set, with its deadline and state."""

    # Obligations are derived data, recomputable from the event log at any time, and a
    # national table holds millions of rows: so no per-row foreign-key triggers (Django
    # still cascades deletes; the rebuild removes any orphan) and no index of their own on
    # keys that a composite index below starts with or whose targets are never deleted
    # alone (rules; append-only events).
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    victim = models.ForeignKey(
        "cases.Victim",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    code = models.SlugField(max_length=40, db_index=False)
    trigger_event = models.ForeignKey(
        "cases.CaseEvent",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    occurrence = models.PositiveSmallIntegerField(default=1)
    triggered_at = models.DateTimeField(help_text=_("When the clock started"))
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=ObligationStatus.choices, default=ObligationStatus.OPEN
    )
    met_at = models.DateTimeField(null=True, blank=True)
    met_by_event = models.ForeignKey(
        "cases.CaseEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    breached_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when the deadline passed unmet; kept if met late")
    )
    # The case's officer in charge, copied so that a worklist is one index range.
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["victim", "code", "trigger_event", "occurrence"],
                name="obligation_unique_occurrence",
            )
        ]
        indexes = [
            models.Index(fields=["case", "due_at"]),
            # An officer's worklist: their outstanding obligations in deadline order.
            models.Index(
                fields=["officer", "due_at", "id"],
                name="obligation_worklist",
                # (Written as an OR: PostgreSQL prints it back the same, so the rebuild's
                # bulk mode re-creates it exactly; it serves "status IN (...)" alike.)
                condition=Q(status=ObligationStatus.OPEN) | Q(status=ObligationStatus.BREACHED),
            ),
            # Compliance for one officer over a period.
            models.Index(fields=["officer", "triggered_at"], name="obligation_officer_period"),
            # The periodic breach check: open obligations past their deadline.
            models.Index(
                fields=["due_at"],
                name="obligation_open_due",
                condition=Q(status=ObligationStatus.OPEN),
            ),
            models.Index(fields=["triggered_at"]),
            # The compliance page's breaches, latest deadline first, a page at a time.
            models.Index(
                F("due_at").desc(),
                F("id").desc(),
                name="obligation_breaches",
                condition=Q(breached_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.case_id}: {self.status}"

    @property
    def met_on_time(self) -> bool:
        return self.met_at is not None and self.met_at <= self.due_at


class BreachAlert(models.Model):
    """Raised once when an obligation's deadline passes unmet."""

    obligation = models.OneToOneField(Obligation, on_delete=models.CASCADE, related_name="alert")
    force = models.ForeignKey("forces.Force", on_delete=models.CASCADE, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["force", "-raised_at"])]

    def __str__(self) -> str:
        return f"Breach of {self.obligation_id}"


class EventReceipt(models.Model):
    """A caller's idempotency key for a recorded event, so a retried request is not
    recorded twice."""

    force = models.ForeignKey("forces.Force", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    event = models.OneToOneField("cases.CaseEvent", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "key"], name="event_receipt_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.force_id}/{self.key}"


class NeedsAssessment(models.Model):
    """A structured assessment of what a victim needs, with their referral consent."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    victim = models.ForeignKey(
        "cases.Victim", on_delete=models.CASCADE, related_name="needs_assessments"
    )
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    needs = models.JSONField(default=list, blank=True, help_text=_("Codes from Need"))
    language = models.CharField(max_length=80, blank=True)
    notes = models.TextField(blank=True)
    referral_consent = models.CharField(max_length=8, choices=ReferralConsent.choices)
    share_contact_details = models.BooleanField(default=False)
    share_needs = models.BooleanField(default=False)
    share_summary = models.BooleanField(default=False)
    safe_route = models.CharField(max_length=8, choices=SafeRoute.choices, blank=True)
    safe_route_confirmed = models.BooleanField(
        default=False, help_text=_("The victim confirmed this route is safe to use")
    )
    update_every_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("How often the victim wants updates, in days (blank: the rule set's default)"),
    )
    event = models.OneToOneField("cases.CaseEvent", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        return f"Needs assessment of victim {self.victim_id}"

    def need_labels(self) -> list[str]:
        return [str(Need(code).label) for code in self.needs if code in Need.values]


class Referral(models.Model):
    """A referral to a support organisation, carrying only what the victim agreed to share."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="referrals")
    organisation = models.ForeignKey(
        "accounts.SupportOrganisation", on_delete=models.PROTECT, related_name="referrals"
    )
    assessment = models.ForeignKey(
        NeedsAssessment,
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
        help_text=_(
            "The needs assessment the referral rests on (none: an opt-out referral sent "
            "before any assessment)"
        ),
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared = models.JSONField(help_text=_("Exactly what the organisation receives"))
    status = models.CharField(
        max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    status_changed_at = models.DateTimeField()
    event = models.OneToOneField("cases.CaseEvent", on_delete=models.CASCADE, related_name="+")
    decline_reason = models.TextField(
        blank=True, help_text=_("Why the organisation declined the referral (required then)")
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            # The same victim of the same crime is referred once.
            models.UniqueConstraint(fields=["victim"], name="referral_once_per_victim")
        ]
        indexes = [models.Index(fields=["organisation", "status", "-sent_at"])]

    def __str__(self) -> str:
        return f"Referral of victim {self.victim_id} to {self.organisation_id}"


class ReferralNote(models.Model):
    """A support organisation's own note on a referral (what it did, what is planned)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=4000)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk} on referral {self.referral_id}"


class VisitSlot(models.Model):
    """A time an officer can visit victims in an area."""

    force = models.ForeignKey("forces.Force", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("forces.Area", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["area", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.area_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Visit(models.Model):
    """A visit offered to a victim, and what became of it."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    victim = models.OneToOneField("cases.Victim", on_delete=models.CASCADE, related_name="visit")
    status = models.CharField(max_length=12, choices=VisitStatus.choices)
    offered_at = models.DateTimeField()
    slot = models.ForeignKey(
        VisitSlot, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-offered_at"]

    def __str__(self) -> str:
        return f"Visit for victim {self.victim_id}: {self.status}"


class PropertyHeld(models.Model):
    """Property the police hold for a case (Victims' Code right 10): what it is, when it
    was taken, and whether it was given back (on which day) or is kept (and why). The
    victim sees it in Track my case; written only by ``care.services_rights``."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="property_held")
    description = models.CharField(
        max_length=PROPERTY_DESCRIPTION_MAX_LENGTH,
        help_text=_("What is held, so that the victim recognises it (they see this)"),
    )
    taken_on = models.DateField(help_text=_("The day the police took it"))
    status = models.CharField(
        max_length=16, choices=PropertyStatus.choices, default=PropertyStatus.HELD
    )
    returned_on = models.DateField(
        null=True, blank=True, help_text=_("The day it was given back (status returned)")
    )
    kept_reason = models.TextField(
        blank=True,
        max_length=PROPERTY_REASON_MAX_LENGTH,
        help_text=_("Why the police keep it (status kept), in words the victim understands"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["taken_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("taken_on")),
                name="property_returned_after_taken",
            ),
        ]

    def __str__(self) -> str:
        return f"Property {self.pk} on case {self.case_id}"


class ComplianceSnapshot(models.Model):
    """The compliance page's figures for one set of filters, as computed at a time: the
    page shows them while they are fresh (a few minutes) rather than adding up a force's
    year of obligations on every request; the worker keeps each force's default view
    fresh."""

    key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.key} at {self.computed_at:%Y-%m-%d %H:%M}"
