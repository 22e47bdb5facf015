"""The care app's compliance reads (the Victims' Code compliance page, its breaches
and CSV), already scoped to the user; re-exported by ``care.selectors``."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.care.constants import (
    ObligationStatus,
    VisitStatus,
)
from victimcare.care.models import (
    Obligation,
    Rule,
    Visit,
)

# Supervisors' reads (team workload, breach alerts) live in selectors_supervisors.py and
# are re-exported here for the pages that read them as care.selectors.*.
from victimcare.care.selectors_supervisors import (
    BREACH_ALERT_DAYS as BREACH_ALERT_DAYS,
)
from victimcare.care.selectors_supervisors import TEAM_DUE_DAYS as TEAM_DUE_DAYS
from victimcare.care.selectors_supervisors import OfficerLoad as OfficerLoad
from victimcare.care.selectors_supervisors import (
    breach_alerts_recent as breach_alerts_recent,
)
from victimcare.care.selectors_supervisors import team_workload as team_workload
from victimcare.care.visit_state import ACCEPTED_STATUSES
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Team


@dataclass
class ComplianceFilter:
    force_id: int
    start: date
    end: date  # inclusive
    area_id: int | None = None
    officer_id: int | None = None
    team_id: int | None = None  # the officers now in this team

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=LONDON)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LONDON)


@dataclass
class ComplianceRow:
    code: str
    title: str
    due: int = 0
    met_on_time: int = 0
    met_late: int = 0
    breached: int = 0
    open: int = 0

    @property
    def share_on_time(self) -> float | None:
        decided = self.due - self.open
        return None if decided <= 0 else self.met_on_time / decided


@dataclass
class ContactsCovering:
    """Contacts (events that met an obligation of a victim) and how many met more than
    one: one contact should state each entitlement it meets, not tick several silently."""

    contacts: int = 0
    several: int = 0


# The groups every compliance figure is split into: victims with enhanced rights or not
# (as the victim is recorded now).
GROUPS = ("enhanced", "standard")
ENHANCED_VICTIM = (
    Q(victim__most_serious_crime=True)
    | Q(victim__persistently_targeted=True)
    | Q(victim__vulnerable=True)
    | Q(victim__intimidated=True)
)


@dataclass
class Compliance:
    rows: list[ComplianceRow] = field(default_factory=list)
    breaches: list[Obligation] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)
    visits: dict = field(default_factory=dict)
    # Each figure again for enhanced victims and the others (``GROUPS``).
    groups: dict[str, list[ComplianceRow]] = field(default_factory=dict)
    visits_by_group: dict[str, dict] = field(default_factory=dict)
    contacts: dict[str, ContactsCovering] = field(default_factory=dict)
    breach_count: int = 0
    computed_at: datetime | None = None  # when kept as a snapshot (care.services.compliance)


def _scoped(filters: ComplianceFilter) -> QuerySet[Obligation]:
    rows = Obligation.objects.filter(case__force_id=filters.force_id)
    if filters.area_id:
        rows = rows.filter(case__area_id=filters.area_id)
    if filters.officer_id:
        rows = rows.filter(officer_id=filters.officer_id)
    if filters.team_id:
        rows = rows.filter(officer__team_id=filters.team_id)
    return rows


def compliance_teams(*, user) -> QuerySet[Team]:
    """The teams a compliance reader may choose from: those of their own force."""
    if not has_capability(user, Capability.VIEW_COMPLIANCE) or user.force_id is None:
        return Team.objects.none()
    return Team.objects.filter(force_id=user.force_id).order_by("name", "code")


def compliance_default_filter(*, force_id: int, today: date) -> ComplianceFilter:
    """The compliance page with no filter: the force's twelve months to today."""
    return ComplianceFilter(
        force_id=force_id, start=today.replace(year=today.year - 1, day=1), end=today
    )


def compliance_allowed(*, user, filters: ComplianceFilter) -> bool:
    """Whether ``user`` may read compliance with these filters (own force, own teams)."""
    if not has_capability(user, Capability.VIEW_COMPLIANCE) or filters.force_id != user.force_id:
        return False
    return not (
        filters.team_id
        and not Team.objects.filter(pk=filters.team_id, force_id=filters.force_id).exists()
    )


def _compliance_counted(filters: ComplianceFilter) -> QuerySet[Obligation]:
    """The obligations a compliance figure counts: clock started in the period, cancelled
    ones left out unless already breached."""
    counted = _scoped(filters).filter(
        triggered_at__gte=filters.start_at, triggered_at__lt=filters.end_at
    )
    return counted.exclude(status=ObligationStatus.CANCELLED, breached_at__isnull=True)


BREACHED = Q(breached_at__isnull=False)


def compliance_breaches(*, user, filters: ComplianceFilter) -> QuerySet[Obligation]:
    """The breaches counted by ``compliance`` with their cases, newest deadline first (a
    stable order: the id breaks ties), for paging or streaming."""
    if not compliance_allowed(user=user, filters=filters):
        return Obligation.objects.none()
    return (
        _compliance_counted(filters)
        .filter(BREACHED)
        .select_related("case", "rule", "officer", "victim")
        .order_by("-due_at", "-id")
    )


BREACH_ROW_FIELDS = (
    "id",
    "due_at",
    "status",
    "met_at",
    "officer_id",
    "case__reference",
    "rule__title",
    "officer__first_name",
    "officer__last_name",
    "officer__username",
)


def compliance_breach_rows(
    *, user, filters: ComplianceFilter
) -> QuerySet[Obligation, dict[str, Any]]:
    """``compliance_breaches`` as plain rows (dicts) holding what the page and the CSV show,
    ``enhanced`` included: one query joining case, rule, officer and victim, no model
    built per row, in the same order."""
    if not compliance_allowed(user=user, filters=filters):
        return Obligation.objects.none().values(*BREACH_ROW_FIELDS)
    return (
        _compliance_counted(filters)
        .filter(BREACHED)
        .annotate(enhanced=ExpressionWrapper(ENHANCED_VICTIM, BooleanField()))
        .order_by("-due_at", "-id")
        .values(*BREACH_ROW_FIELDS, "enhanced")
    )


def compliance_officer_choices(*, force_id: int) -> list[tuple[int, str]]:
    """The officers and supervisors of a force for the compliance filter, as (id, name),
    by surname: read as plain rows (a force has hundreds)."""
    return [
        (pk, f"{first} {last}".strip() or username)
        for pk, first, last, username in User.objects.filter(
            force_id=force_id, role__in=[Role.OFFICER, Role.SUPERVISOR]
        )
        .order_by("last_name", "first_name")
        .values_list("pk", "first_name", "last_name", "username")
    ]


def compliance(*, user, filters: ComplianceFilter, breach_limit: int = 200) -> Compliance:
    """Share of each obligation met on time among those whose clock started in the period
    (still-open ones are counted but left out of the share); breaches with their cases
    (the newest ``breach_limit``; ``breach_count`` in all); a month-by-month trend.
    Cancelled obligations are left out unless already breached. With a team, the
    obligations of the officers in that team now (Obligation.officer -> User.team); a
    team of another force gives nothing. The figures come from one GROUP BY (obligation,
    rule, enhanced or not, month) in the database; only those few rows are added up here."""
    if not compliance_allowed(user=user, filters=filters):
        return Compliance()
    counted = _compliance_counted(filters)
    on_time = Q(status=ObligationStatus.MET, met_at__lte=F("due_at"))
    late = Q(status=ObligationStatus.MET, met_at__gt=F("due_at"))
    aggregates = {
        "due": Count("id"),
        "met_on_time": Count("id", filter=on_time),
        "met_late": Count("id", filter=late),
        "breached": Count("id", filter=BREACHED),
        "open": Count("id", filter=Q(status=ObligationStatus.OPEN)),
    }
    grouped = counted.annotate(enhanced=ExpressionWrapper(ENHANCED_VICTIM, BooleanField()))
    cells: list[dict[str, Any]] = [
        dict(cell)
        for cell in (
            grouped.annotate(month=TruncMonth("triggered_at", tzinfo=LONDON))
            .values("code", "rule_id", "enhanced", "month")
            .annotate(**aggregates)
            .order_by()
        )
    ]
    titles = dict(
        Rule.objects.filter(pk__in={cell["rule_id"] for cell in cells}).values_list("pk", "title")
    )
    result = Compliance()
    rows: dict[str, ComplianceRow] = {}
    by_group: dict[str, dict[str, ComplianceRow]] = {group: {} for group in GROUPS}
    months: dict[str, dict] = {}
    zero = {"due": 0, "met_on_time": 0}
    measures = tuple(aggregates)
    for cell in sorted(cells, key=lambda c: (c["code"], c["rule_id"])):
        code = cell["code"]
        group = GROUPS[0] if cell["enhanced"] else GROUPS[1]
        title = titles.get(cell["rule_id"], code)
        for row in (
            rows.setdefault(code, ComplianceRow(code=code, title=title)),
            by_group[group].setdefault(code, ComplianceRow(code=code, title=title)),
        ):
            for measure in measures:
                setattr(row, measure, getattr(row, measure) + cell[measure])
        month = timezone.localtime(cell["month"], LONDON).strftime("%Y-%m")
        entry = months.setdefault(
            month, {"month": month, **zero, **{g: dict(zero) for g in GROUPS}}
        )
        for counts in (entry, entry[group]):
            counts["due"] += cell["due"] - cell["open"]  # decided: no longer open
            counts["met_on_time"] += cell["met_on_time"]
    result.rows = [rows[code] for code in sorted(rows)]
    result.groups = {g: [by_group[g][code] for code in sorted(by_group[g])] for g in GROUPS}
    result.breach_count = sum(row.breached for row in result.rows)
    result.contacts = {group: ContactsCovering() for group in ("all", *GROUPS)}
    per_contact = (
        grouped.filter(status=ObligationStatus.MET, met_by_event__isnull=False)
        .values("met_by_event_id", "victim_id", "enhanced")
        .annotate(meets=Count("id"))
        .values_list("enhanced", "meets")
        .order_by()
    )
    for is_enhanced, contacts, several in _contacts_add_up(per_contact):
        for group in ("all", GROUPS[0] if is_enhanced else GROUPS[1]):
            result.contacts[group].contacts += contacts
            result.contacts[group].several += several or 0
    if breach_limit:
        result.breaches = list(compliance_breaches(user=user, filters=filters)[:breach_limit])
    for month in sorted(months):
        entry = months[month]
        for counts in (entry, entry[GROUPS[0]], entry[GROUPS[1]]):
            counts["share"] = counts["met_on_time"] / counts["due"] if counts["due"] else None
        entry["label"] = _month_label(month)
        result.trend.append(entry)
    visits = Visit.objects.filter(
        case__force_id=filters.force_id,
        offered_at__gte=filters.start_at,
        offered_at__lt=filters.end_at,
    )
    if filters.area_id:
        visits = visits.filter(case__area_id=filters.area_id)
    if filters.officer_id:
        visits = visits.filter(case__officer_in_charge_id=filters.officer_id)
    if filters.team_id:
        visits = visits.filter(case__officer_in_charge__team_id=filters.team_id)
    visit_counts = {
        "offered": Count("id"),
        "accepted": Count("id", filter=Q(status__in=ACCEPTED_STATUSES)),
        "done": Count("id", filter=Q(status=VisitStatus.DONE)),
    }
    result.visits = visits.aggregate(**visit_counts)
    result.visits_by_group = {
        GROUPS[0]: visits.filter(ENHANCED_VICTIM).aggregate(**visit_counts),
        GROUPS[1]: visits.exclude(ENHANCED_VICTIM).aggregate(**visit_counts),
    }
    return result


def _contacts_add_up(per_contact: QuerySet) -> list[tuple[bool, int, int]]:
    """(enhanced, contacts, contacts that met several) from the per-contact counts, added
    up in the database: an aggregate over an aggregate, which the ORM cannot say."""
    inner, params = per_contact.query.sql_with_params()
    with connections[per_contact.db].cursor() as cursor:
        cursor.execute(
            "SELECT enhanced, COUNT(*), SUM(CASE WHEN meets > 1 THEN 1 ELSE 0 END) "  # noqa: S608 (the inner query is the ORM's own, its values passed as parameters)
            f"FROM ({inner}) AS per_contact GROUP BY enhanced",
            params,
        )
        return [(bool(e), int(c), int(s or 0)) for e, c, s in cursor.fetchall()]


def _month_label(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{calendar.month_name[number]} {year}"
