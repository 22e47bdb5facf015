from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.permissions import Capability, StaffRequest, capability_required
from victimcare.cases.forms import CaseSearchForm
from victimcare.cases.selectors import CaseSearchTerms, case_events, case_get, case_search
from victimcare.cases.services import case_search_disclose, case_victims_disclose
from victimcare.core.registry import CASE_PANELS, panels_render


@capability_required(Capability.VIEW_CASES)
@never_cache
@require_GET
def case_detail(request: StaffRequest, reference: str) -> HttpResponse:
    """A case with its victims' personal data; every view of that data is audited."""
    case = case_get(user=request.user, reference=reference)
    victims = case_victims_disclose(user=request.user, case=case, page=request.path)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "victims": victims,
            "events": case_events(case=case),
            "panels": panels_render(CASE_PANELS, request, case),
        },
    )


@capability_required(Capability.VIEW_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def case_search_page(request: StaffRequest) -> HttpResponse:
    """Find a case by reference or by what is known of the victim. The terms are personal
    data, so they come by POST (never in the address) and are not written down; every
    victim shown is audited."""
    form = CaseSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if request.method == "POST" and form.is_valid():
        data = {name: value or "" for name, value in form.cleaned_data.items()}
        data["date_of_birth"] = form.cleaned_data["date_of_birth"]
        terms = CaseSearchTerms(**data)  # type: ignore[arg-type]  # (the form cleaned them)
        results = case_search_disclose(
            user=request.user, victims=case_search(user=request.user, terms=terms)
        )
    return render(
        request,
        "cases/case_search.html",
        {"form": form, "results": results},
        status=400 if form.errors else 200,
    )
