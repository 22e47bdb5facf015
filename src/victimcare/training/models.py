"""Training modules written with support organisations, their versions, sign-offs,
assignments, completions and rollout plans.

Sign-offs, changes and rollout plans are append-only records (the history of who did
what, when): their ``save`` refuses an update and their querysets refuse bulk changes.
"""

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from victimcare.training.constants import (
    ChangeKind,
    CompletionSource,
    Measure,
    RolloutDesign,
    VersionStatus,
)

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:  # noqa: ARG002 (refuses whatever QuerySet.update is given)
        raise PermissionError("This history cannot be altered")

    def delete(self) -> NoReturn:
        raise PermissionError("This history cannot be deleted")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("This history cannot be altered")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # noqa: ARG002 (refuses whatever Model.delete is given)
        raise PermissionError("This history cannot be deleted")


class TrainingModule(models.Model):
    """A piece of frontline training of one force, aimed at a survey measure."""

    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=60, help_text=_("Short code, unique within the force"))
    title = models.CharField(max_length=200)
    measure = models.CharField(
        max_length=24,
        choices=Measure.choices,
        help_text=_("The survey measure the module aims to improve"),
    )
    organisations = models.ManyToManyField(
        "accounts.SupportOrganisation",
        through="Invitation",
        related_name="training_modules",
        blank=True,
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["force__code", "title"]
        constraints = [
            models.UniqueConstraint(fields=["force", "code"], name="training_module_code_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """A support organisation invited to write and sign off a module with the force."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        "accounts.SupportOrganisation", on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "organisation"], name="training_invitation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.module}"


class ModuleVersion(models.Model):
    """One version of a module's text. A draft is edited (each edit a new ``revision``)
    until the force's training lead and every invited organisation have signed off its
    current revision; then it is published and never changes again."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    revision = models.PositiveIntegerField(default=1)
    sections = models.JSONField(
        default=list, blank=True, help_text=_("[{heading, body}] in Markdown")
    )
    quotes = models.JSONField(
        default=list, blank=True, help_text=_("[{text, source}]: victims' words")
    )
    learning_points = models.JSONField(default=list, blank=True)
    knowledge_check = models.JSONField(
        default=list, blank=True, help_text=_("[{question, options, answer}]")
    )
    pass_mark = models.PositiveSmallIntegerField(default=80, help_text=_("Per cent"))
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["module", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["module", "number"], name="training_version_unique"),
            models.UniqueConstraint(
                fields=["module"],
                condition=Q(status="draft"),
                name="training_one_draft_per_module",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def content(self) -> dict[str, Any]:
        return {
            "sections": self.sections,
            "quotes": self.quotes,
            "learning_points": self.learning_points,
            "knowledge_check": self.knowledge_check,
            "pass_mark": self.pass_mark,
        }


class VersionChange(AppendOnly):
    """Every change to a module and its versions: who, when, what (with the content as
    it stood after an edit). Append-only."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="changes")
    version = models.ForeignKey(
        ModuleVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    revision = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "accounts.SupportOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The organisation the person acted for, if any"),
    )
    summary = models.CharField(max_length=300)
    content = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.module_id} at {self.at:%Y-%m-%d %H:%M}"


class SignOff(AppendOnly):
    """A sign-off of one revision of a draft: by the force's training lead
    (``organisation`` empty) or for an invited organisation. Append-only; an edit makes a
    new revision, which needs its own sign-offs."""

    version = models.ForeignKey(ModuleVersion, on_delete=models.CASCADE, related_name="sign_offs")
    revision = models.PositiveIntegerField()
    organisation = models.ForeignKey(
        "accounts.SupportOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        who = self.organisation or "training lead"
        return f"{self.version} r{self.revision} signed off by {who}"


class Assignment(models.Model):
    """A published version assigned to a role, a team or a named officer of its force,
    from a date (a rollout wave's start), to be completed by ``due_on``."""

    version = models.ForeignKey(ModuleVersion, on_delete=models.PROTECT, related_name="assignments")
    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, blank=True)
    team = models.ForeignKey(
        "forces.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_assignments",
    )
    rollout = models.ForeignKey(
        "RolloutPlan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
        help_text=_("The rollout wave this assignment belongs to, if any"),
    )
    available_from = models.DateField()
    due_on = models.DateField()
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (~Q(role="") & Q(team__isnull=True) & Q(officer__isnull=True))
                    | (Q(role="") & Q(team__isnull=False) & Q(officer__isnull=True))
                    | (Q(role="") & Q(team__isnull=True) & Q(officer__isnull=False))
                ),
                name="training_assignment_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} to {self.role or self.team or self.officer}"


class Completion(models.Model):
    """An officer's completion of a version, with the knowledge check's score."""

    version = models.ForeignKey(ModuleVersion, on_delete=models.PROTECT, related_name="completions")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_completions"
    )
    completed_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(help_text=_("Per cent"))
    source = models.CharField(max_length=8, choices=CompletionSource.choices)

    class Meta:
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "officer"], name="training_completion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer_id} completed {self.version} ({self.score}%)"


class RolloutPlan(models.Model):
    """How a module is rolled out: every team at once, or team by team in an order drawn
    from ``seed`` (a stepped wedge), one wave each ``period_days`` from ``starts_on``.
    Stored before the first wave and never rewritten: ``save`` refuses an update, and
    ``services.rollout_plan_set`` replaces a plan only before its first wave."""

    module = models.OneToOneField(TrainingModule, on_delete=models.CASCADE, related_name="rollout")
    version = models.ForeignKey(ModuleVersion, on_delete=models.PROTECT, related_name="+")
    design = models.CharField(max_length=16, choices=RolloutDesign.choices)
    seed = models.BigIntegerField()
    waves = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    period_days = models.PositiveSmallIntegerField()
    team_order = models.JSONField(help_text=_("[[team codes of wave 1], [wave 2], ...]"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["module"]

    def __str__(self) -> str:
        return f"{self.module} rollout ({self.design}, seed {self.seed})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("A rollout plan is never rewritten")
        super().save(*args, **kwargs)


# The care practice trials' models live in their own package (training/trials/models.py);
# imported here so that Django finds them in the training app.
from victimcare.training.trials.models import Trial, TrialAllocation, TrialPlan  # noqa: E402

__all__ = [
    "AppendOnly",
    "Assignment",
    "Completion",
    "Invitation",
    "ModuleVersion",
    "RolloutPlan",
    "SignOff",
    "TrainingModule",
    "Trial",
    "TrialAllocation",
    "TrialPlan",
    "VersionChange",
]
