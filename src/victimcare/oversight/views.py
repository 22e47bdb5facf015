"""Oversight pages: thin views over the selectors (aggregates only, scoped by force)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.permissions import Capability, capability_required, has_capability
from victimcare.core.periods import period_error_response
from victimcare.oversight import compliance_return as returns
from victimcare.oversight import figure_services, report_packs, selectors, services
from victimcare.oversight.compliance_measures import BREAKDOWN_LABELS
from victimcare.oversight.constants import Measure
from victimcare.oversight.forms import TargetForm
from victimcare.oversight.opendata import dictionary_csv, open_data_csv
from victimcare.oversight.periods import PeriodError, Quarter


def _quarter(request, force) -> tuple[Quarter, str]:
    """The quarter asked for in ``?quarter=``, else the latest with responses; with the
    error message when the one asked for cannot be read or is out of range."""
    text = request.GET.get("quarter", "")
    error = ""
    if text:
        try:
            return Quarter.parse(text), ""
        except PeriodError as problem:
            error = _("Choose a quarter from the list: %(problem)s") % {"problem": problem}
    latest = selectors.latest_quarter(forces=[force]) or Quarter.containing(timezone.localdate())
    return latest, error


def _render(request, template: str, context: dict, error: str) -> HttpResponse:
    """The page, answered 400 with the error summary when the quarter asked for was bad."""
    return render(
        request, template, {**context, "quarter_error": error}, status=400 if error else 200
    )


def _quarter_choices(current: Quarter) -> list[Quarter]:
    return [current.shift(k) for k in range(-7, 2)]


def _context(request, force, quarter, **extra) -> dict:
    return {
        "force": force,
        "quarter": quarter,
        "quarters": _quarter_choices(quarter),
        "may_set_targets": has_capability(request.user, Capability.SET_TARGETS),
        **extra,
    }


@capability_required(Capability.VIEW_AGGREGATES)
def index(request):
    forces = list(selectors.oversight_forces_with_peers(user=request.user))
    return render(
        request,
        "oversight/index.html",
        {"forces": forces, "peers_source": selectors.peer_lists_source()},
    )


@capability_required(Capability.VIEW_AGGREGATES)
def dashboard(request, code: str):
    force = selectors.oversight_force_get(user=request.user, code=code)
    quarter, error = _quarter(request, force)
    area_id = request.GET.get("area") or ""
    # Digits only, and few enough to fit the database's integer (a longer one is no area).
    if area_id and not (area_id.isascii() and area_id.isdigit() and len(area_id) <= 18):
        raise Http404("No such area")
    area = selectors.force_area_get(force=force, area_id=int(area_id) if area_id else None)
    figures = figure_services.dashboard_compute(force=force, quarter=quarter, area=area)
    sections = figure_services.dashboard_sections(force=force, quarter=quarter, area=area)
    areas = force.areas.order_by("name")
    return _render(
        request,
        "oversight/dashboard.html",
        _context(
            request,
            force,
            quarter,
            area=area,
            areas=areas,
            fig=figures,
            **sections,
        ),
        error,
    )


@capability_required(Capability.VIEW_AGGREGATES)
def league(request, code: str):
    force = selectors.oversight_force_get(user=request.user, code=code)
    quarter, error = _quarter(request, force)
    measure = request.GET.get("measure", Measure.WHOLE_EXPERIENCE)
    if measure not in Measure.values:
        measure = Measure.WHOLE_EXPERIENCE
    scope = "all" if request.GET.get("scope") == "all" else "peers"
    table = figure_services.league_compute(
        force=force, quarter=quarter, measure=measure, scope=scope
    )
    return _render(
        request,
        "oversight/league.html",
        _context(
            request,
            force,
            quarter,
            table=table,
            measure=measure,
            scope=scope,
            measures=Measure.choices,
        ),
        error,
    )


@capability_required(Capability.VIEW_AGGREGATES)
def drivers(request, code: str):
    force = selectors.oversight_force_get(user=request.user, code=code)
    quarter, error = _quarter(request, force)
    result = selectors.drivers_with_training(
        figure_services.drivers_compute(force=force, quarter=quarter),
        force_id=force.pk,
        user=request.user,
    )
    return _render(
        request,
        "oversight/drivers.html",
        _context(
            request,
            force,
            quarter,
            drivers=result,
        ),
        error,
    )


@capability_required(Capability.VIEW_AGGREGATES)
def targets(request, code: str):
    force = selectors.oversight_force_get(user=request.user, code=code)
    quarter, error = _quarter(request, force)
    rows = [
        {
            "target": t,
            "describe": selectors.target_describe(t),
            "progress": figure_services.target_progress(target=t, quarter=quarter),
        }
        for t in selectors.targets_for_force(force=force)
    ]
    return _render(
        request,
        "oversight/targets.html",
        _context(
            request,
            force,
            quarter,
            rows=rows,
        ),
        error,
    )


@capability_required(Capability.SET_TARGETS)
@require_http_methods(["GET", "POST"])
def target_create(request, code: str):
    force = selectors.oversight_force_get(user=request.user, code=code)
    form = TargetForm(request.POST or None, force=force)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_create(
                user=request.user,
                force=force,
                measure=data["measure"],
                kind=data["kind"],
                value=data["value"],
                deadline=data["deadline"],
                baseline_quarter=data["baseline_quarter"],
                scope=data["scope"],
                area=data["area"],
                group=data["group"],
                reason=data["reason"],
            )
        except services.ValidationError as problem:
            for field, errors in problem.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Target set"))
            return redirect("oversight:targets", code=force.code)
    return render(
        request,
        "oversight/target_form.html",
        {
            "force": force,
            "form": form,
            "target": None,
        },
    )


@capability_required(Capability.SET_TARGETS)
@require_http_methods(["GET", "POST"])
def target_edit(request, pk: int):
    target = selectors.target_get(user=request.user, pk=pk)
    initial = {
        "measure": target.measure,
        "kind": target.kind,
        "value": target.value,
        "scope": target.scope,
        "area": target.area_id,
        "group": target.group,
        "deadline": target.deadline,
        "baseline_quarter": target.baseline_quarter,
    }
    form = TargetForm(request.POST or None, initial=initial, force=target.force)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            services.target_update(user=request.user, target=target, reason=reason, **data)
        except services.ValidationError as problem:
            for field, errors in problem.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Target changed"))
            return redirect("oversight:targets", code=target.force.code)
    return render(
        request,
        "oversight/target_form.html",
        {
            "force": target.force,
            "form": form,
            "target": target,
            "versions": target.versions.select_related("changed_by").order_by("-version"),
        },
    )


@capability_required(Capability.VIEW_AGGREGATES)
@require_http_methods(["GET", "POST"])
def report_pack(request, code: str):
    """Ask for a quarter's report pack: the worker builds it; the page it leads to says
    how it is going."""
    force = selectors.oversight_force_get(user=request.user, code=code)
    quarter, error = _quarter(request, force)
    if error:
        return period_error_response(
            request, errors=[error], back=reverse("oversight:dashboard", kwargs={"code": code})
        )
    if request.method == "POST":
        pack = report_packs.report_pack_request(user=request.user, code=code, quarter=quarter)
        return redirect("oversight:report-pack-status", pk=pack.pk)
    return render(request, "oversight/report_pack_request.html", _context(request, force, quarter))


@capability_required(Capability.VIEW_AGGREGATES)
@never_cache
def report_pack_status(request, pk: int):
    """Where a report pack is: being prepared (the page checks again itself), ready (a
    download link) or failed (with the reason)."""
    pack = report_packs.report_pack_get(user=request.user, pk=pk)
    return render(
        request,
        "oversight/report_pack_status.html",
        {
            "pack": pack,
            "force": pack.force,
            "quarter": Quarter.parse(pack.quarter),
            "in_progress": pack.status in report_packs.IN_PROGRESS,
            "refresh_seconds": 5,
        },
    )


@capability_required(Capability.VIEW_AGGREGATES)
@never_cache
def report_pack_file(request, pk: int):
    pack = report_packs.report_pack_get(user=request.user, pk=pk)
    pdf = report_packs.report_pack_download(user=request.user, pack=pack)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{pack.force.code}-{pack.quarter}-report-pack.pdf"'
    )
    return response


@capability_required(Capability.VIEW_AGGREGATES)
def open_data(request, code: str):
    force = selectors.oversight_force_get(user=request.user, code=code)
    quarter, error = _quarter(request, force)
    if error:
        return period_error_response(
            request, errors=[error], back=reverse("oversight:dashboard", kwargs={"code": code})
        )
    response = HttpResponse(
        open_data_csv(forces=[force], quarter=quarter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{force.code}-{quarter.code}-satisfaction.csv"'
    )
    return response


@capability_required(Capability.VIEW_AGGREGATES)
def open_data_dictionary(request):  # noqa: ARG001 (Django passes request to every view)
    response = HttpResponse(dictionary_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="data-dictionary.csv"'
    return response


# --- the Victims and Prisoners Act compliance return -------------------------------------


def _return_quarter(request) -> tuple[Quarter, str]:
    """The quarter asked for (default: the last complete one) and an error, if unreadable."""

    text = request.GET.get("quarter", "")
    if not text:
        return returns.latest_complete_quarter(), ""
    try:
        return Quarter.parse(text), ""
    except PeriodError as error:
        return returns.latest_complete_quarter(), str(error)


def _return_context(quarter: Quarter, error: str, **extra) -> dict:
    latest = returns.latest_complete_quarter()
    quarters = sorted({quarter, *(latest.shift(k) for k in range(-7, 2))}, reverse=True)
    return {
        "quarter": quarter,
        "quarters": quarters,
        "error": error,
        "measures": returns.MEASURES,
        "breakdown_labels": BREAKDOWN_LABELS,
        **extra,
    }


@capability_required(Capability.VIEW_COMPLIANCE_RETURN)
def compliance_returns(request):
    """Every force in scope side by side: one table per measure, a row per force."""

    forces = list(returns.compliance_return_forces(user=request.user))
    quarter, error = _return_quarter(request)
    comparison = {} if error else returns.compliance_comparison(forces=forces, quarter=quarter)
    return render(
        request,
        "oversight/compliance_returns.html",
        _return_context(quarter, error, forces=forces, comparison=comparison),
        status=400 if error else 200,
    )


@capability_required(Capability.VIEW_COMPLIANCE_RETURN)
def compliance_return(request, code: str):
    """One force's return: a table per measure with every breakdown."""

    force = returns.compliance_return_force_get(user=request.user, code=code)
    quarter, error = _return_quarter(request)
    result = None if error else returns.compliance_return(force=force, quarter=quarter)
    return render(
        request,
        "oversight/compliance_return.html",
        _return_context(quarter, error, force=force, result=result),
        status=400 if error else 200,
    )


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@capability_required(Capability.VIEW_COMPLIANCE_RETURN)
def compliance_return_csv(request, code: str):
    force = returns.compliance_return_force_get(user=request.user, code=code)
    quarter, error = _return_quarter(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    result = returns.compliance_return(force=force, quarter=quarter)
    return _csv_response(
        returns.return_csv(result.rows()), f"{force.code}-{quarter.code}-compliance-return.csv"
    )


@capability_required(Capability.VIEW_COMPLIANCE_RETURN)
def compliance_returns_csv(request):
    """Every force in scope: each force's full return, with a ``force`` column."""

    quarter, error = _return_quarter(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    rows = [
        {"force": force.code, **row}
        for force in returns.compliance_return_forces(user=request.user)
        for row in returns.compliance_return(force=force, quarter=quarter).rows()
    ]
    return _csv_response(
        returns.return_csv(rows, first=("force",)), f"{quarter.code}-compliance-returns.csv"
    )
