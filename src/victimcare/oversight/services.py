"""Oversight's writes to targets (versioned). The figures cache is written in
oversight/figure_services.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.forces.models import Area, Force
from victimcare.oversight.constants import ScopeKind, TargetKind
from victimcare.oversight.models import Target, TargetVersion
from victimcare.oversight.periods import PeriodError, Quarter

TARGET_FIELDS = (
    "measure",
    "kind",
    "scope",
    "area",
    "group",
    "value",
    "deadline",
    "baseline_quarter",
)


class TargetError(ValueError):
    """A target cannot be set as asked; the message says why."""


def _snapshot(target: Target) -> dict[str, Any]:
    return {
        "force": target.force.code,
        "measure": target.measure,
        "kind": target.kind,
        "scope": target.scope,
        "area": target.area.name if target.area is not None else "",
        "group": target.group,
        "value": target.value,
        "deadline": target.deadline.isoformat(),
        "baseline_quarter": target.baseline_quarter,
    }


def _check(user: User, force: Force) -> None:
    if not has_capability(user, Capability.SET_TARGETS):
        raise TargetError("Only oversight users set targets")
    if not forces_in_scope(user).filter(pk=force.pk).exists():
        raise TargetError("You do not oversee this force")


def _clean(target: Target) -> None:
    errors: dict[str, str] = {}
    try:
        Quarter.parse(target.baseline_quarter)
    except PeriodError as problem:
        errors["baseline_quarter"] = str(problem)
    if target.kind == TargetKind.LEVEL and not 0 < target.value <= 100:
        errors["value"] = "A level is a percentage between 0 and 100"
    if target.kind == TargetKind.GAP and not 0 <= target.value <= 50:
        errors["value"] = "A gap is a number of points between 0 and 50"
    if target.scope == ScopeKind.AREA and (
        target.area is None or target.area.force_id != target.force_id
    ):
        errors["area"] = "Choose an area of this force"
    if target.scope == ScopeKind.GROUP and not target.group:
        errors["group"] = "Choose a group of victims"
    if target.scope != ScopeKind.AREA:
        target.area = None
    if target.scope != ScopeKind.GROUP:
        target.group = ""
    if (
        "baseline_quarter" not in errors
        and target.deadline <= Quarter.parse(target.baseline_quarter).end
    ):
        errors["deadline"] = "The deadline must be after the baseline quarter"
    if errors:
        raise ValidationError(errors)
    target.full_clean()


@transaction.atomic
def target_create(
    *,
    user: User,
    force: Force,
    measure: str,
    kind: str,
    value: float,
    deadline: date,
    baseline_quarter: str,
    scope: str = ScopeKind.FORCE,
    area: Area | None = None,
    group: str = "",
    reason: str = "",
) -> Target:
    """Set a target for a force the user oversees; version 1 is recorded."""
    _check(user, force)
    now = timezone.now()
    target = Target(
        force=force,
        measure=measure,
        kind=kind,
        scope=scope,
        area=area,
        group=group,
        value=value,
        deadline=deadline,
        baseline_quarter=Quarter.parse(baseline_quarter).code
        if _parses(baseline_quarter)
        else baseline_quarter,
        version=1,
        created_at=now,
        created_by=user,
        updated_at=now,
    )
    _clean(target)
    target.save()
    TargetVersion.objects.create(
        target=target,
        version=1,
        changed_at=now,
        changed_by=user,
        values=_snapshot(target),
        changes={},
        reason=reason or "Target set",
    )
    return target


def _parses(text: str) -> bool:
    try:
        Quarter.parse(text)
    except PeriodError:
        return False
    return True


@transaction.atomic
def target_update(*, user: User, target: Target, reason: str = "", **values: Any) -> Target:
    """Change a target; the change (field: before, after), who and when are kept as a new
    version. Nothing changes (and no version is added) when the values are the same."""
    target = (
        Target.objects.select_for_update(of=("self",))
        .select_related("force", "area")
        .get(pk=target.pk)
    )
    _check(user, target.force)
    unknown = set(values) - set(TARGET_FIELDS)
    if unknown:
        raise TargetError(f"Cannot change {', '.join(sorted(unknown))}")
    before = _snapshot(target)
    for name, value in values.items():
        if name == "baseline_quarter" and _parses(value):
            value = Quarter.parse(value).code
        setattr(target, name, value)
    _clean(target)
    after = _snapshot(target)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return target
    target.version += 1
    target.updated_at = timezone.now()
    target.save()
    TargetVersion.objects.create(
        target=target,
        version=target.version,
        changed_at=target.updated_at,
        changed_by=user,
        values=after,
        changes=changes,
        reason=reason,
    )
    return target


@transaction.atomic
def target_retire(*, user: User, target: Target, reason: str = "") -> Target:
    """Withdraw a target (kept, with its history, but no longer shown as current)."""
    _check(user, target.force)
    target.retired_at = timezone.now()
    target.version += 1
    target.save(update_fields=["retired_at", "version"])
    TargetVersion.objects.create(
        target=target,
        version=target.version,
        changed_at=target.retired_at,
        changed_by=user,
        values=_snapshot(target),
        changes={"retired": [False, True]},
        reason=reason or "Withdrawn",
    )
    return target
