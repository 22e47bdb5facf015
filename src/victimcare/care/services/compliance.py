"""The compliance page's figures kept as snapshots: computed at most every few minutes for
a set of filters (a force's year is millions of obligations), and refreshed for each
force's default view by the worker's schedule."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.care import selectors
from victimcare.care.models import ComplianceSnapshot
from victimcare.core.timezones import LONDON

# How long the page shows figures already computed for the same filters.
SNAPSHOT_FRESH = timedelta(minutes=5)


def _key(filters: selectors.ComplianceFilter) -> str:
    return (
        f"{filters.force_id}|{filters.start}|{filters.end}|{filters.area_id or '-'}"
        f"|{filters.officer_id or '-'}|{filters.team_id or '-'}"
    )


def _payload(result: selectors.Compliance) -> dict[str, Any]:
    return {
        "rows": [asdict(row) for row in result.rows],
        "groups": {g: [asdict(row) for row in rows] for g, rows in result.groups.items()},
        "trend": result.trend,
        "visits": result.visits,
        "visits_by_group": result.visits_by_group,
        "contacts": {g: asdict(c) for g, c in result.contacts.items()},
        "breach_count": result.breach_count,
    }


def _result(payload: dict[str, Any]) -> selectors.Compliance:
    return selectors.Compliance(
        rows=[selectors.ComplianceRow(**row) for row in payload["rows"]],
        groups={
            g: [selectors.ComplianceRow(**row) for row in rows]
            for g, rows in payload["groups"].items()
        },
        trend=payload["trend"],
        visits=payload["visits"],
        visits_by_group=payload["visits_by_group"],
        contacts={g: selectors.ContactsCovering(**c) for g, c in payload["contacts"].items()},
        breach_count=payload["breach_count"],
    )


def compliance_figures(
    *, user: User, filters: selectors.ComplianceFilter, fresh: timedelta = SNAPSHOT_FRESH
) -> selectors.Compliance:
    """The compliance figures (no breaches list: page them with
    ``selectors.compliance_breaches``) for ``filters``, from a snapshot younger than
    ``fresh`` when there is one, else computed now and kept; ``computed_at`` says when."""
    if not selectors.compliance_allowed(user=user, filters=filters):
        return selectors.Compliance()
    key = _key(filters)
    now = timezone.now()
    if fresh:
        found = (
            ComplianceSnapshot.objects.filter(key=key, computed_at__gt=now - fresh)
            .values_list("payload", "computed_at")
            .first()
        )
        if found is not None:
            result = _result(found[0])
            result.computed_at = found[1]
            return result
    return compliance_snapshot_take(user=user, filters=filters)


def compliance_snapshot_take(
    *, user: User, filters: selectors.ComplianceFilter
) -> selectors.Compliance:
    """Compute the figures for ``filters`` now and keep them."""
    started = time.perf_counter()
    result = selectors.compliance(user=user, filters=filters, breach_limit=0)
    result.computed_at = timezone.now()
    values = {
        "payload": _payload(result),
        "computed_at": result.computed_at,
        "seconds": time.perf_counter() - started,
    }
    try:
        with transaction.atomic():
            ComplianceSnapshot.objects.update_or_create(key=_key(filters), defaults=values)
    except IntegrityError:  # another request kept the same figures at the same moment
        ComplianceSnapshot.objects.filter(key=_key(filters)).update(**values)
    return result


def compliance_snapshots_refresh(*, today: date | None = None) -> int:
    """Refresh each force's default compliance view (the last year, no filter), as a
    supervisor of that force would see it; returns how many were taken."""
    today = today or timezone.localdate(timezone=LONDON)
    taken = 0
    readers = User.objects.filter(
        role=Role.SUPERVISOR, is_active=True, force__isnull=False
    ).order_by("force_id", "id")
    for reader in readers.distinct("force_id") if _distinct_on() else _first_each(readers):
        if reader.force_id is None:  # not so: force__isnull=False above
            continue
        compliance_snapshot_take(
            user=reader,
            filters=selectors.compliance_default_filter(force_id=reader.force_id, today=today),
        )
        taken += 1
    return taken


def _distinct_on() -> bool:
    return connection.features.can_distinct_on_fields


def _first_each(readers: QuerySet[User]) -> list[User]:
    """The first supervisor of each force (DISTINCT ON where the database has no such
    thing)."""
    seen: dict[int | None, User] = {}
    for reader in readers:
        seen.setdefault(reader.force_id, reader)
    return list(seen.values())
