from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, capability_required
from victimcare.audit.selectors import audit_record_list


@capability_required(Capability.VIEW_AUDIT_LOG)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 (capability_required lets only staff in)
    records = audit_record_list(user=user)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "audit/audit_log.html", {"page": page})
