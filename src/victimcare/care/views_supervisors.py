"""Supervisors' pages of the care app: the team view, the compliance page and its CSV, the
rule sets, the officer in charge (assign, hand over, team queues) and visit times. The
officer's own pages are in care/views.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import cast
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, capability_required, has_capability
from victimcare.care import selectors
from victimcare.care.constants import ObligationStatus
from victimcare.care.forms import (
    ComplianceFilterForm,
    OfficerAssignForm,
    VisitTimesForm,
)
from victimcare.care.services import officers as officer_services
from victimcare.care.services.compliance import compliance_figures
from victimcare.care.services.errors import CareError
from victimcare.care.services.visits import (
    visit_slots_create_on,
    visit_slots_weekly_create,
)
from victimcare.care.views import _form_error
from victimcare.cases.selectors import case_get
from victimcare.core.csv_export import csv_writer
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area


class StaffRequest(HttpRequest):
    """A request from signed-in staff: every view here is behind ``capability_required``,
    which lets no anonymous user through."""

    user: User


# --- supervisors -------------------------------------------------------------------------


@capability_required(Capability.VIEW_COMPLIANCE)
@never_cache
@require_GET
def team(request: StaffRequest) -> HttpResponse:
    """Each officer of a team with their open, due and overdue obligations: the
    supervisor's own team, or the team chosen (of their force)."""
    user = request.user
    teams = list(selectors.compliance_teams(user=user))
    chosen = request.GET.get("team", "")
    team_id = int(chosen) if chosen.isdigit() else user.team_id
    current = next((t for t in teams if t.pk == team_id), None)
    loads = selectors.team_workload(user=user, team_id=current.pk) if current else []
    return render(
        request,
        "care/team.html",
        {
            "teams": teams,
            "current": current,
            "loads": loads,
            "due_days": selectors.TEAM_DUE_DAYS,
            "worklist_url": reverse("care:worklist"),
        },
        status=404 if chosen and current is None else 200,
    )


def _compliance_filters(request: StaffRequest):
    user = request.user
    # A staff member of a force (a platform superuser without one sees an empty page).
    force_id = cast(int, user.force_id)
    areas = Area.objects.filter(force_id=force_id).order_by("name")
    officers = selectors.compliance_officer_choices(force_id=force_id)
    teams = selectors.compliance_teams(user=user)
    form = ComplianceFilterForm(request.GET or None, areas=areas, officers=officers, teams=teams)
    today = timezone.localdate(timezone=LONDON)
    if form.is_bound and form.is_valid():
        start, end = form.period(today)
        area = form.cleaned_data.get("area") or None
        team = form.cleaned_data.get("team") or None
        officer = form.cleaned_data.get("officer") or None
    else:
        return form, selectors.compliance_default_filter(force_id=force_id, today=today)
    filters = selectors.ComplianceFilter(
        force_id=force_id,
        start=start,
        end=end,
        area_id=int(area) if area else None,
        officer_id=int(officer) if officer else None,
        team_id=int(team) if team else None,
    )
    return form, filters


@capability_required(Capability.VIEW_COMPLIANCE)
@never_cache
@require_GET
def compliance(request: StaffRequest) -> HttpResponse:
    form, filters = _compliance_filters(request)
    return _compliance_page(request, form, filters)


BREACHES_PAGE_SIZE = 50


def _compliance_page(request: StaffRequest, form, filters) -> HttpResponse:
    """The compliance page with one page of its breaches; 400 with the error summary when
    the filters asked for were wrong (the figures shown are then for the default
    period)."""
    result = compliance_figures(user=request.user, filters=filters)
    paginator = Paginator(
        selectors.compliance_breach_rows(user=request.user, filters=filters), BREACHES_PAGE_SIZE
    )
    paginator.count = result.breach_count  # known from the figures: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    # What each row shows, worked out here once rather than by template lookups per row:
    # the case's address from one reversed URL, the status's label from its choices.
    case_url = reverse("cases:detail", kwargs={"reference": "REFERENCE"})
    labels = dict(ObligationStatus.choices)
    page.object_list = list(page.object_list)
    for row in page.object_list:
        row["url"] = case_url.replace("REFERENCE", quote(row["case__reference"]))
        row["status_label"] = (
            _("Met late") if row["status"] == ObligationStatus.MET else labels[row["status"]]
        )
        row["officer"] = (
            "–"
            if row["officer_id"] is None
            else f"{row['officer__first_name']} {row['officer__last_name']}".strip()
            or row["officer__username"]
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "care/compliance.html",
        {
            "form": form,
            "filters": filters,
            "result": result,
            "breaches": page,
            "query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )


CSV_CHUNK_ROWS = 500


class _Line:
    """A file-like object that hands back what is written to it: each CSV row becomes a
    chunk of the streamed response."""

    def write(self, value: str) -> str:
        return value


def _compliance_csv_rows(result, breaches) -> Iterator[str]:
    writer = csv_writer(_Line())
    yield writer.writerow(
        [
            "section",
            "obligation",
            "title",
            "due",
            "met_on_time",
            "met_late",
            "breached",
            "open",
            "share_met_on_time",
        ]
    )
    sections = [("summary", result.rows)] + [
        (f"summary_{group}", rows) for group, rows in result.groups.items()
    ]
    for section, row in ((section, row) for section, rows in sections for row in rows):
        share = "" if row.share_on_time is None else f"{row.share_on_time:.4f}"
        yield writer.writerow(
            [
                section,
                row.code,
                row.title,
                row.due,
                row.met_on_time,
                row.met_late,
                row.breached,
                row.open,
                share,
            ]
        )
    yield writer.writerow([])
    yield writer.writerow(["section", "month", "due", "met_on_time", "share_met_on_time"])
    for entry in result.trend:
        share = "" if entry["share"] is None else f"{entry['share']:.4f}"
        yield writer.writerow(["trend", entry["month"], entry["due"], entry["met_on_time"], share])
    yield writer.writerow([])
    yield writer.writerow(
        ["section", "case", "obligation", "due_at", "status", "met_at", "officer"]
    )
    # From a server-side cursor (the whole list is never held in memory), a few hundred
    # rows a chunk, each chunk written by one call of the CSV writer.
    buffer = io.StringIO()
    rows_writer = csv_writer(buffer)
    for rows in _breach_rows_batched(breaches):
        rows_writer.writerows(
            (
                "breach",
                reference,
                code,
                due_at.astimezone(LONDON).isoformat(),
                status,
                met_at.astimezone(LONDON).isoformat() if met_at else "",
                officer_id or "",
            )
            for reference, code, due_at, status, met_at, officer_id in rows
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _breach_rows_batched(breaches) -> Iterator[list[tuple]]:
    """The CSV's columns of every breach, CSV_CHUNK_ROWS at a time, by one query read
    through a server-side cursor. On PostgreSQL in a transaction of its own, told that the
    whole result will be read: otherwise the planner picks, for a cursor, a plan quick to
    the first row (an index walk with a case looked up per breach) that is many times
    slower to the last."""
    columns = breaches.values_list(
        "case__reference", "code", "due_at", "status", "met_at", "officer_id"
    )
    with transaction.atomic(using=columns.db):
        connection = connections[columns.db]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        batch: list[tuple] = []
        for row in columns.iterator(chunk_size=5000):
            batch.append(row)
            if len(batch) >= CSV_CHUNK_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch


@capability_required(Capability.VIEW_COMPLIANCE)
@never_cache
@require_GET
def compliance_csv(request: StaffRequest) -> HttpResponse | StreamingHttpResponse:
    """The compliance figures and every breach as CSV, streamed as it is written."""
    form, filters = _compliance_filters(request)
    if form.errors:  # no file for filters that were wrong: the page says what to put right
        return _compliance_page(request, form, filters)
    result = compliance_figures(user=request.user, filters=filters)
    breaches = selectors.compliance_breaches(user=request.user, filters=filters)
    response = StreamingHttpResponse(
        _compliance_csv_rows(result, breaches), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="compliance-{filters.start}-{filters.end}.csv"'
    )
    return response


@capability_required(Capability.VIEW_RULE_SETS)
@require_GET
def rule_sets(request: StaffRequest) -> HttpResponse:
    return render(
        request, "care/rule_sets.html", {"rule_sets": selectors.rule_sets(user=request.user)}
    )


@capability_required(Capability.VIEW_RULE_SETS)
@require_GET
def rule_set_detail(request: StaffRequest, code: str, version: int) -> HttpResponse:
    found = selectors.rule_set_version_get(user=request.user, code=code, version=version)
    rules = []
    for rule in found.rules.all():
        definition = rule.definition
        rules.append({"rule": rule, "d": definition})
    if not rules:
        raise Http404("No such rule set")
    return render(request, "care/rule_set_detail.html", {"version": found, "rules": rules})


# --- the officer in charge ---------------------------------------------------------------


def _may_assign(user, case) -> tuple[bool, bool]:
    """(may assign anyone, may take the case themself)."""
    if has_capability(user, Capability.ASSIGN_CASES):
        return True, True
    team = selectors.case_team(case=case)
    own = (
        case.officer_in_charge_id is None
        and team is not None
        and user.team_id == team.pk
        and user.role in officer_services.OFFICER_ROLES
    )
    return False, own


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def case_officer(request: StaffRequest, reference: str) -> HttpResponse:
    """Assign, reassign or hand over a case (supervisors), or take an unassigned case of
    the officer's own team."""
    case = case_get(user=request.user, reference=reference)
    anyone, take = _may_assign(request.user, case)
    if not (anyone or take):
        messages.error(
            request,
            _("Only a supervisor can reassign this case, or an officer of its team take it."),
        )
        return redirect(case.get_absolute_url())
    officers = officer_services.officers_assignable(force_id=case.force_id)
    if not anyone:
        officers = [o for o in officers if o.pk == request.user.pk]
    form = OfficerAssignForm(request.POST or None, officers=officers)
    if request.method == "POST" and form.is_valid():
        try:
            officer_services.case_officer_assign(
                case=case,
                officer=form.chosen_officer(),
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("%(officer)s is now the officer in charge.") % {"officer": form.chosen_officer()},
            )
            return redirect(case.get_absolute_url())
    return render(
        request,
        "care/case_officer.html",
        {"case": case, "form": form, "anyone": anyone, "team": selectors.case_team(case=case)},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.WORK_CASES)
@never_cache
@require_GET
def team_queues(request: StaffRequest) -> HttpResponse:
    teams = selectors.teams_for(user=request.user).select_related("area")
    return render(request, "care/team_queues.html", {"teams": teams})


@capability_required(Capability.WORK_CASES)
@never_cache
@require_GET
def team_queue(request: StaffRequest, code: str) -> HttpResponse:
    """A team's unassigned cases, oldest first."""
    team = selectors.team_get(user=request.user, code=code)
    page = Paginator(selectors.team_queue(team=team), 50).get_page(request.GET.get("page"))
    return render(request, "care/team_queue.html", {"team": team, "page": page})


# --- visit times -------------------------------------------------------------------------


@capability_required(Capability.MANAGE_VISIT_TIMES)
@never_cache
@require_http_methods(["GET", "POST"])
def visit_times(request: StaffRequest) -> HttpResponse:
    """The force's visit times by area, and a form to add one or a weekly pattern."""
    areas = Area.objects.filter(force_id=cast(int, request.user.force_id)).order_by("name")
    form = VisitTimesForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["repeat"]:
                made = visit_slots_weekly_create(
                    area=form.chosen_area(),
                    weekday=int(data["repeat"]),
                    start=data["start"],
                    minutes=data["minutes"],
                    capacity=data["capacity"],
                    first_day=data["first_day"],
                    last_day=data["last_day"],
                )
            else:
                made = visit_slots_create_on(
                    area=form.chosen_area(),
                    days=[data["first_day"]],
                    start=data["start"],
                    minutes=data["minutes"],
                    capacity=data["capacity"],
                )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(n)s visit times added.") % {"n": len(made)})
            return redirect(f"{reverse('care:visit-times')}?area={form.chosen_area().code}")
    chosen = next((a for a in areas if a.code == request.GET.get("area")), None)
    if chosen is None and areas:
        chosen = areas[0]
    page = None
    if chosen is not None:
        page = Paginator(selectors.visit_slots_for_area(area=chosen), 50).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "care/visit_times.html",
        {"form": form, "areas": areas, "chosen": chosen, "page": page},
        status=400 if form.errors else 200,
    )
