"""Clocking cases in bulk: the service in front of ``care.rebuild``."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from victimcare.cases.models import Case


def obligations_rebuild(*, cases: QuerySet[Case] | None = None, now: datetime | None = None) -> int:
    """Clock cases in bulk (those without a clock get their force's current rule set) and
    recompute every obligation's state from the event log; ``cases`` is a queryset of
    Case (default: all). Set-based SQL on PostgreSQL; a case-by-case replay elsewhere.
    Returns the number of obligations written. Raises no breach alerts."""
    # (Imported here: care.rebuild uses care.services.rule_sets, and importing any module
    # of care.services first runs this package's __init__, which imports this module.)
    from victimcare.care.rebuild.run import obligations_rebuild_all

    return obligations_rebuild_all(cases=cases, now=now or timezone.now())
