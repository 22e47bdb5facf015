"""Reads for supervisors: each officer's workload in a team, and recent breach alerts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.care.constants import (
    OUTSTANDING,
)
from victimcare.care.models import (
    BreachAlert,
    Obligation,
)
from victimcare.forces.models import Team

# --- supervisors: the team view ----------------------------------------------------------

TEAM_DUE_DAYS = 7


@dataclass
class OfficerLoad:
    officer: object
    open: int = 0
    due: int = 0  # due in the next TEAM_DUE_DAYS days, not yet overdue
    overdue: int = 0


def team_workload(*, user, team_id: int, now: datetime | None = None) -> list[OfficerLoad]:
    """Each officer of a team of the user's force with their outstanding obligations:
    all open, due in the next week and overdue (one query). Another force's team gives
    nothing."""
    if not has_capability(user, Capability.VIEW_COMPLIANCE) or user.force_id is None:
        return []
    team = Team.objects.filter(pk=team_id, force_id=user.force_id).first()
    if team is None:
        return []
    now = now or timezone.now()
    officers = list(
        User.objects.filter(
            team=team,
            force_id=user.force_id,
            is_active=True,
            role__in=[Role.OFFICER, Role.SUPERVISOR],
        ).order_by("last_name", "first_name", "id")
    )
    counts = {
        row["officer_id"]: row
        for row in Obligation.objects.filter(
            officer__in=officers, status__in=OUTSTANDING, case__force_id=user.force_id
        )
        .values("officer_id")
        .annotate(
            open=Count("id"),
            due=Count(
                "id", filter=Q(due_at__gte=now, due_at__lte=now + timedelta(days=TEAM_DUE_DAYS))
            ),
            overdue=Count("id", filter=Q(due_at__lt=now)),
        )
    }
    loads = []
    for officer in officers:
        row: Mapping[str, Any] = counts.get(officer.pk, {})
        loads.append(
            OfficerLoad(
                officer=officer,
                open=row.get("open", 0),
                due=row.get("due", 0),
                overdue=row.get("overdue", 0),
            )
        )
    return loads


BREACH_ALERT_DAYS = 7


def breach_alerts_recent(
    *, user, days: int = BREACH_ALERT_DAYS, now: datetime | None = None, limit: int = 20
) -> tuple[int, list[BreachAlert]]:
    """Breach alerts raised in the user's force in the last ``days`` days (the officers of
    the supervisor's team when they have one): how many, and the newest ``limit``. Only
    for roles that read compliance."""
    if not has_capability(user, Capability.VIEW_COMPLIANCE) or user.force_id is None:
        return 0, []
    now = now or timezone.now()
    alerts = BreachAlert.objects.filter(
        force_id=user.force_id, raised_at__gte=now - timedelta(days=days)
    )
    if user.team_id:
        alerts = alerts.filter(officer__team_id=user.team_id)
    return alerts.count(), list(
        alerts.select_related("obligation__case", "obligation__rule", "officer").order_by(
            "-raised_at", "-id"
        )[:limit]
    )
