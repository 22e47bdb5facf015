"""The rebuild's entry point: the case-by-case replay, the set-based rebuild, or that
shared between connections."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from victimcare.care.rebuild import limits
from victimcare.care.rebuild.parallel import _rebuild_parallel
from victimcare.care.rebuild.postgresql import _rebuild_postgresql
from victimcare.care.rebuild.replay import _clocks_start, _rebuild_python
from victimcare.care.services.rule_sets import calendar_fill
from victimcare.cases.models import Case


def obligations_rebuild_all(
    *, cases: QuerySet[Case] | None = None, now: datetime, workers: int | None = None
) -> int:
    """Recompute every obligation of ``cases`` (default: all) from the event log; returns
    the number of obligations written. On PostgreSQL, a large scope outside any transaction
    is shared between ``workers`` connections (default: the ``VICTIMCARE_REBUILD_WORKERS``
    setting); see ``_rebuild_parallel``."""
    calendar_fill()
    if connection.vendor == "postgresql":
        workers = settings.CARE_REBUILD_WORKERS if workers is None else workers
        if (
            workers > 1
            and not connection.in_atomic_block
            and (cases if cases is not None else Case.objects.all()).count()
            >= limits.PARALLEL_SCOPE
        ):
            return _rebuild_parallel(cases=cases, now=now, workers=workers)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _rebuild_postgresql(cases=cases, now=now)
        _clocks_start(cases=cases, now=now)
        return _rebuild_python(cases=cases, now=now)
