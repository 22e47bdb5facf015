from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from victimcare.accounts.permissions import Capability, capability_required
from victimcare.audit.services import audit_record_create
from victimcare.cases.selectors import case_events, case_get, case_victims
from victimcare.core.registry import CASE_PANELS, panels_render


@capability_required(Capability.VIEW_CASES)
@never_cache
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """A case with its victims' personal data; every view of that data is audited."""
    case = case_get(user=request.user, reference=reference)
    victims = list(case_victims(case=case))
    for victim in victims:
        audit_record_create(user=request.user, victim=victim, page=request.path)
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
