"""Oversight data: satisfaction targets (versioned) and the cache of computed figures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from victimcare.oversight.constants import Measure, ScopeKind, TargetKind, VictimGroup


class Target(models.Model):
    """A target an oversight body sets for a force: a level to reach or a gap to close,
    in a scope (the force, an area, or a group of victims), by a deadline, judged from
    a baseline quarter. Every change is kept as a TargetVersion."""

    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=24, choices=Measure.choices)
    kind = models.CharField(max_length=8, choices=TargetKind.choices)
    scope = models.CharField(max_length=8, choices=ScopeKind.choices, default=ScopeKind.FORCE)
    area = models.ForeignKey(
        "forces.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(max_length=40, choices=VictimGroup.choices, blank=True)
    value = models.FloatField(
        help_text=_("Percent satisfied to reach, or the gap in points to get under")
    )
    deadline = models.DateField()
    baseline_quarter = models.CharField(max_length=6, help_text=_("e.g. 2026Q1"))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["force__code", "deadline", "id"]
        indexes = [models.Index(fields=["force", "retired_at"])]

    def __str__(self) -> str:
        return f"{self.force_id} {self.measure} {self.kind} {self.value:g} by {self.deadline}"


class TargetVersion(models.Model):
    """A target as it stood after one change: who changed what, when and why."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    values = models.JSONField(help_text=_("The target's fields after the change"))
    changes = models.JSONField(default=dict, blank=True, help_text=_("field: [before, after]"))
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["target", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="target_version_unique")
        ]

    def __str__(self) -> str:
        return f"Target {self.target_id} v{self.version}"


class FiguresCache(models.Model):
    """Computed figures (and their charts) for a scope and period, kept until the
    responses underneath change: ``stamp`` summarises them (count, last id, last
    completion); a different stamp means the figures are computed again."""

    key = models.CharField(max_length=200, unique=True)
    stamp = models.CharField(max_length=120)
    payload = models.JSONField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class ReportPackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportPack(models.Model):
    """A report pack (PDF) asked for on the web and built by the background worker: its
    state, the file when ready, the reason when it failed."""

    force = models.ForeignKey("forces.Force", on_delete=models.CASCADE, related_name="+")
    quarter = models.CharField(max_length=6, help_text=_("e.g. 2026Q3"))
    status = models.CharField(
        max_length=10, choices=ReportPackStatus.choices, default=ReportPackStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    failure = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["force", "quarter", "-requested_at"])]

    def __str__(self) -> str:
        return f"Report pack {self.force_id} {self.quarter}: {self.status}"


class ReportPackDownload(models.Model):
    """Who downloaded a report pack, and when."""

    pack = models.ForeignKey(ReportPack, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} downloaded {self.pack_id} at {self.at:%Y-%m-%d %H:%M}"
