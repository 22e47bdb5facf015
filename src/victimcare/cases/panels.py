"""What cases adds to core's staff home page (registered in CasesConfig.ready): the case
list with its search for case workers, counts and forces for analysts."""

from __future__ import annotations

from django.core.paginator import Paginator

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.constants import CaseStatus
from victimcare.cases.selectors import CaseListFilter, case_counts, case_list
from victimcare.core.registry import home_context_register
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import Team


def _home_context(request) -> dict:
    user = request.user
    context: dict = {}
    if has_capability(user, Capability.VIEW_CASES):
        search = request.GET.get("q", "")[:40]
        filters = _filters(request)
        cases = case_list(user=user, search=search, filters=filters)
        page = Paginator(cases, 25).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            search=search,
            page=page,
            case_filters=filters,
            case_querystring=query.urlencode(),
            case_filter_choices={
                "statuses": CaseStatus.choices,
                "crime_groups": SurveyGroup.choices,
                "teams": Team.objects.filter(force_id=user.force_id).order_by("name"),
                "officers": User.objects.filter(
                    force_id=user.force_id, role__in=[Role.OFFICER, Role.SUPERVISOR]
                ).order_by("last_name", "first_name"),
            },
        )
    if has_capability(user, Capability.VIEW_AGGREGATES):
        context["counts"] = case_counts(user=user)
        context["forces"] = forces_in_scope(user)
    return context


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _filters(request) -> CaseListFilter:
    """The case list's filters from the address; values that are not choices are left out."""
    get = request.GET
    status = get.get("status", "")
    group = get.get("crime_group", "")
    return CaseListFilter(
        status=status if status in CaseStatus.values else "",
        team_id=_number(get.get("team", "")),
        officer_id=_number(get.get("officer", "")),
        crime_group=group if group in SurveyGroup.values else "",
        enhanced=get.get("enhanced") == "on",
    )


def register() -> None:
    home_context_register(_home_context)
