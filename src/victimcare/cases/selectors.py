"""Every read of cases that other code uses, already scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.models import Case, CaseEvent, Victim


def case_list(*, user: User, search: str = "") -> QuerySet[Case]:
    """Cases of the user's own force (none for roles that may not see cases)."""
    if not has_capability(user, Capability.VIEW_CASES) or user.force_id is None:
        return Case.objects.none()
    cases = Case.objects.filter(force_id=user.force_id).select_related(
        "area", "crime_type", "officer_in_charge", "force"
    )
    search = search.strip().upper()
    if search:
        cases = cases.filter(reference__icontains=search)
    return cases.order_by("-reported_at", "-id")


def case_get(*, user: User, reference: str) -> Case:
    """One case in the user's scope; a 404 whether it is missing or belongs elsewhere."""
    try:
        return case_list(user=user).get(reference=reference.upper())
    except Case.DoesNotExist:
        raise Http404("No case with that reference in your force") from None


def case_victims(*, case: Case) -> QuerySet[Victim]:
    return Victim.objects.filter(case=case).select_related("personal_details").order_by("id")


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("by").order_by("at", "id")


def case_counts(*, user: User) -> list[dict]:
    """Case counts by force and crime group for the forces in scope: aggregates only."""
    if not has_capability(user, Capability.VIEW_AGGREGATES):
        return []
    rows = (
        Case.objects.filter(force__in=forces_in_scope(user))
        .values("force__code", "force__name", "crime_type__survey_group")
        .annotate(cases=Count("id"))
        .order_by("force__name", "crime_type__survey_group")
    )
    return [dict(row) for row in rows]
