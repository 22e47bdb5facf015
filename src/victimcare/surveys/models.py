"""Survey data: questionnaires, samples and their strata, fieldwork, responses, call-backs.

Responses are kept apart from victims: a Response holds the victim's pseudonym and the
design variables, never a link to the victim or their personal details. Operational
rows (SampleMember, CallAttempt, Invitation, RecoveryTask) do link to the victim,
because fieldwork needs to reach them; only staff who may see victims use them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from victimcare.cases.constants import AgeBand, Disability, Ethnicity, Sex
from victimcare.forces.constants import SurveyGroup
from victimcare.surveys.constants import (
    Allocation,
    Answer,
    CallOutcome,
    ContactRoute,
    DaContactStatus,
    FlagKind,
    InvitationKind,
    Mode,
    Outcome,
    RecoveryStatus,
)


class Questionnaire(models.Model):
    """A version of the questionnaire: the five core questions and a force's extras, as data.

    ``questions`` is a list of {"code", "kind" ("scale", "text", "yes_no"), "text",
    "hint"?, "stage"?}; core questions carry the stage they measure. A version is never
    edited once responses use it: a change is a new version.
    """

    code = models.SlugField(max_length=40)
    version = models.PositiveSmallIntegerField()
    force = models.ForeignKey(
        "forces.Force",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The force whose extra questions this version carries; blank for the core"),
    )
    title = models.CharField(max_length=200)
    questions = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class SurveyFlag(models.Model):
    """A fact about a victim that keeps them out of survey samples (see FlagKind)."""

    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-set_at"]
        constraints = [
            models.UniqueConstraint(fields=["victim", "kind"], name="survey_flag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on victim {self.victim_id}"


class Sample(models.Model):
    """A force's survey sample for a month of reports: the frame's settings and counts,
    the design, and the seed of the draw (so anyone can repeat it)."""

    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text=_("First day of the month of reports"))
    fieldwork_on = models.DateField(
        help_text=_("Fieldwork date the reporting window counts back from")
    )
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    # The frame.
    crime_groups = models.JSONField()
    window_min_weeks = models.PositiveSmallIntegerField()
    window_max_weeks = models.PositiveSmallIntegerField()
    minimum_age = models.PositiveSmallIntegerField()
    strata_by = models.CharField(max_length=40, blank=True)
    in_scope = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)
    exclusions = models.JSONField(default=dict, blank=True)
    # The design and the draw.
    allocation = models.CharField(max_length=16, choices=Allocation.choices)
    target_interviews = models.PositiveIntegerField()
    minimum_per_stratum = models.PositiveSmallIntegerField(default=0)
    expected_response_rate = models.FloatField()
    seed = models.BigIntegerField()
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.WEB)
    reminder_after_days = models.PositiveSmallIntegerField()
    expires_after_days = models.PositiveSmallIntegerField()
    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    synthetic = models.BooleanField(default=False, help_text=_("Simulated demo fieldwork"))

    class Meta:
        ordering = ["-month", "force__code"]
        constraints = [
            models.UniqueConstraint(fields=["force", "month"], name="sample_one_per_force_month")
        ]

    def __str__(self) -> str:
        return f"{self.force_id} sample for reports in {self.month:%B %Y}"


class SampleStratum(models.Model):
    """A stratum of a sample: population N (eligible), exclusions, target and n drawn."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="strata")
    key = models.CharField(max_length=160, help_text=_("e.g. MPS|hackney|burglary"))
    area = models.ForeignKey(
        "forces.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    crime_group = models.CharField(max_length=16, choices=SurveyGroup.choices, blank=True)
    population = models.PositiveIntegerField(help_text=_("N: eligible victims in the frame"))
    target = models.PositiveIntegerField(help_text=_("Interviews wanted"))
    drawn = models.PositiveIntegerField(help_text=_("n: victims drawn"))
    exclusions = models.JSONField(default=dict, blank=True)
    margins = models.JSONField(
        default=dict, blank=True, help_text=_("Eligible victims by age band, sex and ethnicity")
    )

    class Meta:
        ordering = ["sample", "key"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "key"], name="sample_stratum_unique")
        ]

    def __str__(self) -> str:
        return self.key


class SampleMember(models.Model):
    """A sampled victim and their fieldwork: mode, invitation link, outcome."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="members")
    stratum = models.ForeignKey(SampleStratum, on_delete=models.CASCADE, related_name="members")
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="+")
    serial = models.CharField(
        max_length=12, unique=True, help_text=_("Reference an agency or interviewer quotes")
    )
    mode = models.CharField(max_length=12, choices=Mode.choices)
    route = models.CharField(max_length=8, choices=ContactRoute.choices)
    # The link's token is derived from this salt and the secret key; only its hash is
    # stored, so a copy of the database alone does not open anyone's survey.
    token_salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.ISSUED)
    outcome_at = models.DateTimeField(null=True, blank=True)
    draft = models.JSONField(default=dict, blank=True, help_text=_("Web answers so far"))
    call_back_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sample", "id"]
        indexes = [
            models.Index(fields=["sample", "outcome"]),
            models.Index(fields=["victim"]),
            models.Index(fields=["mode", "outcome", "call_back_at"]),
        ]

    def __str__(self) -> str:
        return self.serial


class Invitation(models.Model):
    """An invitation or reminder sent (or, until notifications can send, recorded to send)."""

    member = models.ForeignKey(SampleMember, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=12, choices=InvitationKind.choices)
    route = models.CharField(max_length=8, choices=ContactRoute.choices)
    created_at = models.DateTimeField()
    sent = models.BooleanField(
        default=False, help_text=_("Handed to the notifications service (else exported)")
    )

    class Meta:
        ordering = ["member", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.member}"


class CallAttempt(models.Model):
    """One telephone call to a sampled victim and how it ended."""

    member = models.ForeignKey(SampleMember, on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices)
    call_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member", "at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"


class Response(models.Model):
    """A completed interview: answers and design variables under the victim's pseudonym.

    No link to the victim or their personal details: analysts read responses freely.
    """

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="responses")
    stratum = models.ForeignKey(SampleStratum, on_delete=models.CASCADE, related_name="responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    respondent = models.UUIDField(unique=True, help_text=_("The victim's pseudonym"))
    mode = models.CharField(max_length=12, choices=Mode.choices)
    completed_at = models.DateTimeField()
    # Design and domain variables, copied when the response is recorded.
    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("forces.Area", on_delete=models.PROTECT, related_name="+")
    crime_group = models.CharField(max_length=16, choices=SurveyGroup.choices)
    month = models.DateField()
    report_channel = models.CharField(max_length=16)
    age_band = models.CharField(max_length=20, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=20, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(max_length=20, choices=Disability.choices, blank=True)
    kept_informed = models.BooleanField(help_text=_("Contacted by an officer before fieldwork"))
    visited = models.BooleanField(help_text=_("Visited by an officer before fieldwork"))
    # The five core questions; answers to a force's extra questions in extra_answers.
    ease_of_contact = models.CharField(max_length=24, choices=Answer.choices, blank=True)
    actions_taken = models.CharField(max_length=24, choices=Answer.choices, blank=True)
    kept_informed_answer = models.CharField(max_length=24, choices=Answer.choices, blank=True)
    treatment = models.CharField(max_length=24, choices=Answer.choices, blank=True)
    whole_experience = models.CharField(max_length=24, choices=Answer.choices, blank=True)
    extra_answers = models.JSONField(default=dict, blank=True)
    comments = models.TextField(blank=True)
    agrees_to_contact = models.BooleanField(default=False)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [
            models.Index(fields=["force", "month"]),
            models.Index(fields=["sample", "stratum"]),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} ({self.force_id}, {self.month:%Y-%m})"

    def stage_answer(self, stage: str) -> str:
        return getattr(self, "kept_informed_answer" if stage == "kept_informed" else stage)


class RecoveryTask(models.Model):
    """A call-back to a victim dissatisfied with their whole experience (service recovery)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="recovery")
    member = models.ForeignKey(SampleMember, on_delete=models.CASCADE, related_name="+")
    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN
    )
    outcome_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["force", "status", "due_at"])]

    def __str__(self) -> str:
        return f"Call-back {self.pk} ({self.get_status_display()})"


class TokenFailure(models.Model):
    """A survey link that did not open (unknown, used or expired), by a hashed client
    address: enough failures in a while and every link is refused to that client."""

    client = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"failed survey link at {self.at:%Y-%m-%d %H:%M}"


class DaSurveyContact(models.Model):
    """A domestic abuse victim proposed for the domestic abuse survey: the safe route it
    may use (the one the victim confirmed at a needs assessment) and the officer's
    decision. Nobody is contacted before an officer approves (services.domestic_abuse)."""

    victim = models.OneToOneField("cases.Victim", on_delete=models.CASCADE, related_name="+")
    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("forces.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text=_("First day of the month of the report"))
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=8, choices=ContactRoute.choices)
    status = models.CharField(
        max_length=12, choices=DaContactStatus.choices, default=DaContactStatus.PROPOSED
    )
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    # An email invitation's single-use link: the token is derived from the salt and the
    # secret key, and only its hash is stored (as for SampleMember).
    token_salt = models.CharField(max_length=32, blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    draft = models.JSONField(default=dict, blank=True, help_text=_("Web answers so far"))
    attempts = models.PositiveSmallIntegerField(default=0, help_text=_("Telephone calls made"))

    class Meta:
        ordering = ["month", "id"]
        indexes = [models.Index(fields=["force", "status"])]

    def __str__(self) -> str:
        return f"Domestic abuse survey contact {self.pk} ({self.get_status_display()})"


class DaResponse(models.Model):
    """A domestic abuse victim's answers, under their pseudonym. A table of its own: the
    User Satisfaction Survey's figures read ``Response`` only, so these can never be
    mixed into its headline."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    respondent = models.UUIDField(unique=True, help_text=_("The victim's pseudonym"))
    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("forces.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    mode = models.CharField(max_length=12, choices=Mode.choices)
    completed_at = models.DateTimeField()
    answers = models.JSONField(default=dict, blank=True, help_text=_("Answers by question code"))
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [models.Index(fields=["force", "month"])]

    def __str__(self) -> str:
        return f"Domestic abuse survey response {self.pk} ({self.force_id}, {self.month:%Y-%m})"
