"""What cases adds to core's staff home page (registered in CasesConfig.ready): the case
list with its search for case workers, counts and forces for analysts."""

from __future__ import annotations

from django.core.paginator import Paginator

from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.selectors import case_counts, case_list
from victimcare.core.registry import home_context_register


def _home_context(request) -> dict:
    user = request.user
    context: dict = {}
    if has_capability(user, Capability.VIEW_CASES):
        search = request.GET.get("q", "")[:40]
        page = Paginator(case_list(user=user, search=search), 25).get_page(request.GET.get("page"))
        context.update(search=search, page=page)
    if has_capability(user, Capability.VIEW_AGGREGATES):
        context["counts"] = case_counts(user=user)
        context["forces"] = forces_in_scope(user)
    return context


def register() -> None:
    home_context_register(_home_context)
