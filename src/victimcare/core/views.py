from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from victimcare.accounts.constants import Role
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.selectors import case_counts, case_list
from victimcare.core.registry import HOME_PANELS, panels_render


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:staff-home")
    return render(request, "core/landing.html")


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """What a staff member sees first: cases for case workers, aggregates for analysts."""
    user = request.user
    context: dict = {"role": user.get_role_display()}
    if has_capability(user, Capability.VIEW_CASES):
        search = request.GET.get("q", "")[:40]
        page = Paginator(case_list(user=user, search=search), 25).get_page(request.GET.get("page"))
        context.update(search=search, page=page)
    if has_capability(user, Capability.VIEW_AGGREGATES):
        context["counts"] = case_counts(user=user)
        context["forces"] = forces_in_scope(user)
    if user.role == Role.SUPPORT_ORGANISATION:
        context["organisation"] = user.support_organisation
    context["panels"] = panels_render(HOME_PANELS, request)
    return render(request, "core/staff_home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:  # noqa: ARG001 (Django passes request to every view)
    """Liveness and database check for load balancers: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return JsonResponse({"status": "error", "database": f"unavailable: {reason}"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
