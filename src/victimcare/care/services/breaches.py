"""Overdue obligations marked breached, with an alert each (the worker's schedule)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from victimcare.care.constants import ObligationStatus
from victimcare.care.models import BreachAlert, Obligation
from victimcare.care.services.clock import case_clock_replay


def obligations_mark_breached(*, now: datetime | None = None) -> int:
    """Mark open obligations past their deadline as breached and raise an alert for each.

    Idempotent and cheap: it touches only open obligations already due (an index range).
    Recurring obligations whose deadline passed get their next occurrence by replaying
    those cases.
    """
    now = now or timezone.now()
    due = list(
        Obligation.objects.filter(status=ObligationStatus.OPEN, due_at__lt=now).values(
            "id", "case_id", "officer_id", "due_at", "case__force_id", "rule__definition"
        )
    )
    if not due:
        return 0
    with transaction.atomic():
        ids = [row["id"] for row in due]
        for chunk in range(0, len(ids), 5000):
            Obligation.objects.filter(
                pk__in=ids[chunk : chunk + 5000], status=ObligationStatus.OPEN
            ).update(status=ObligationStatus.BREACHED, breached_at=F("due_at"))
        BreachAlert.objects.bulk_create(
            [
                BreachAlert(
                    obligation_id=row["id"],
                    force_id=row["case__force_id"],
                    officer_id=row["officer_id"],
                    raised_at=now,
                )
                for row in due
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        recurring = {
            (row["case_id"], row["case__force_id"])
            for row in due
            if row["rule__definition"].get("pattern") == "recurring"
        }
        for case_id, force_id in recurring:
            case_clock_replay(case_id=case_id, force_id=force_id, now=now)
    return len(due)
