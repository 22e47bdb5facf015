"""A care practice trial, its registered plan and each case's allocation.

A ``TrialPlan`` is stored (who, when) before any case is allocated and never rewritten:
its ``save`` refuses an update and its queryset any bulk change. A plan may be replaced
by a new version only while no case has been allocated
(``services.trial_plan_register``); the earlier versions stay. Allocations are
append-only too."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from victimcare.training.constants import Measure
from victimcare.training.models import AppendOnlyQuerySet
from victimcare.training.trials.constants import Arm, Practice


class TrialRecord(models.Model):
    """A record that is written once and never altered or deleted (except with its trial,
    through Django's collector): ``save`` refuses an update, ``delete`` and the queryset's
    bulk changes refuse (``training.models.AppendOnlyQuerySet``)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("This record cannot be altered")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:  # noqa: ARG002 (refuses whatever Model.delete is given)
        raise PermissionError("This record cannot be deleted")


class Trial(models.Model):
    """A force's trial of a care practice (its plan is in ``plans``, the latest counts)."""

    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=60, help_text=_("Short code, unique within the force"))
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["force__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["force", "code"], name="training_trial_code_unique")
        ]

    def __str__(self) -> str:
        return self.title


class TrialPlan(TrialRecord):
    """The registered plan of a trial: the practice, who is eligible, the allocation
    ratio, the measure it targets and the seed. Append-only."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField()
    practice = models.CharField(max_length=40, choices=Practice.choices)
    measure = models.CharField(max_length=24, choices=Measure.choices)
    crime_groups = models.JSONField(help_text=_("The survey crime groups eligible"))
    report_from = models.DateField(help_text=_("First report day eligible (London time)"))
    report_to = models.DateField(help_text=_("Last report day eligible (London time)"))
    treated_parts = models.PositiveSmallIntegerField(default=1)
    control_parts = models.PositiveSmallIntegerField(default=1)
    seed = models.BigIntegerField()
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["trial", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "version"], name="training_trial_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.trial} plan v{self.version} (seed {self.seed})"

    def as_dict(self) -> dict[str, object]:
        return {
            "practice": self.practice,
            "measure": self.measure,
            "crime_groups": list(self.crime_groups),
            "report_from": self.report_from.isoformat(),
            "report_to": self.report_to.isoformat(),
            "ratio": f"{self.treated_parts}:{self.control_parts}",
            "seed": self.seed,
        }


class TrialAllocation(TrialRecord):
    """A case allocated to an arm of a trial, under the plan in force then. Append-only."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="allocations")
    plan = models.ForeignKey(TrialPlan, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    arm = models.CharField(max_length=8, choices=Arm.choices)
    allocated_at = models.DateTimeField()

    class Meta:
        ordering = ["trial", "case"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "case"], name="training_trial_case_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.trial_id}: {self.arm}"
