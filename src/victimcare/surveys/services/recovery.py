"""Service recovery: a call-back for a dissatisfied victim, due in working days."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import holidays
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.core.timezones import LONDON
from victimcare.surveys.constants import (
    RECOVERY_OUTCOMES,
    RECOVERY_WORKING_DAYS,
    RecoveryStatus,
)
from victimcare.surveys.models import (
    RecoveryTask,
    Response,
    SampleMember,
)
from victimcare.surveys.services.errors import FieldworkError


def recovery_task_open(*, response: Response, member: SampleMember, at: datetime) -> RecoveryTask:
    task = RecoveryTask(
        response=response,
        member=member,
        force_id=response.force_id,
        created_at=at,
        due_at=_working_day_deadline(at, RECOVERY_WORKING_DAYS),
    )
    task.full_clean(exclude=["response", "member", "force"])
    task.save()
    return task


@transaction.atomic
def recovery_task_close(
    *, task: RecoveryTask, status: str, note: str, by: User | None = None
) -> RecoveryTask:
    """Record how a call-back went, with a note of what was said and done (required)."""
    if status not in RECOVERY_OUTCOMES:
        raise FieldworkError("choose how the call-back went")
    if not note.strip():
        raise FieldworkError("write what was said and done on the call-back")
    if task.status != RecoveryStatus.OPEN:
        raise FieldworkError("this call-back already has an outcome")
    task.status, task.outcome_note = status, note.strip()
    task.closed_at, task.closed_by = timezone.now(), by
    task.full_clean(exclude=["response", "member", "force"])
    task.save(update_fields=["status", "outcome_note", "closed_at", "closed_by"])
    return task


def _working_day_deadline(start: datetime, days: int) -> datetime:
    """End of the ``days``-th working day (England and Wales) after ``start``, London time."""
    day = timezone.localtime(start, LONDON).date()
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(day.year, day.year + 2))
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank:
            counted += 1
    return datetime.combine(day, time(23, 59, 59), LONDON)
