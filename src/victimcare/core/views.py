from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from victimcare.core.registry import HOME_CONTEXTS, HOME_PANELS, panels_render


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:staff-home")
    return render(request, "core/landing.html")


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """What a staff member sees first: cases for case workers, aggregates for analysts."""
    context: dict = {
        "role": request.user.get_role_display()  # type: ignore[union-attr]  # (login_required)
    }
    for (
        home_context
    ) in HOME_CONTEXTS:  # cases: the case list and counts; accounts: the organisation
        context.update(home_context(request))
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


# Paths of the pages victims use (no staff sign-in): their 404 is in the public layout,
# with where to go next.
VICTIM_PATHS = ("/track/", "/report/", "/survey/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A 404 that fits the page asked for: JSON under the API, the victims' page (where
    to go next) under their pages, the staff page elsewhere."""
    path = request.path
    if path.startswith("/api/"):
        return JsonResponse({"detail": "Not Found"}, status=404)
    message = (
        str(exception.args[0]) if exception.args and isinstance(exception.args[0], str) else ""
    )
    context = {"request_path": path, "exception": message}
    if path.startswith(VICTIM_PATHS):
        return render(request, "404_public.html", context, status=404)
    return render(request, "404.html", context, status=404)
