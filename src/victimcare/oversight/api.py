"""Oversight figures for staff by session: GET /api/v1/compliance (the Victims and
Prisoners Act compliance return of a force in the caller's scope) and GET
/api/v1/satisfaction (the dashboard's satisfaction figures, under the one publication
rule: the same n, rates and suppression as the dashboard, because they are its figures)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.core.api_errors import MessageOut, error_responses
from victimcare.oversight import compliance_return as returns
from victimcare.oversight import figure_services, selectors
from victimcare.oversight.periods import PeriodError, Quarter

if TYPE_CHECKING:
    from victimcare.accounts.models import User

router = Router(tags=["oversight"])


class ComplianceRowOut(Schema):
    measure: str
    breakdown: str
    group: str
    numerator: int | None
    denominator: int | None
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: str


class ComplianceReturnOut(Schema):
    force: str
    quarter: str
    quarter_start: str
    quarter_end: str
    as_at: datetime
    complete: bool
    threshold: int
    not_clocked: list[str]
    rows: list[ComplianceRowOut]


def _row_out(row: dict) -> ComplianceRowOut:
    """A CSV row as JSON: empty numbers (suppressed, or no victims) become null."""
    numbers = ("numerator", "denominator", "rate", "ci_low", "ci_high")
    return ComplianceRowOut(
        **{k: (None if k in numbers and v == "" else v) for k, v in row.items()}  # type: ignore[arg-type]  # (the schema validates)
    )


@router.get(
    "/compliance",
    response={
        200: ComplianceReturnOut,
        **error_responses(),
        404: MessageOut,  # a force out of the caller's scope
        422: MessageOut,  # a bad quarter, or several forces in scope and none chosen
    },
    auth=django_auth,
    url_name="compliance-return",
)
def compliance(request: HttpRequest, force: str = "", quarter: str = ""):
    """The Victims' Code compliance return of ``force`` (a force code in your scope; may
    be left out when you see one force) for ``quarter`` (``YYYYQn``; default the last
    complete quarter): per-victim measures by breakdown, with Wilson 95% intervals and
    small cells suppressed. 404 for a force out of scope; 422 for a bad quarter."""
    if not has_capability(request.user, Capability.VIEW_COMPLIANCE_RETURN):  # type: ignore[arg-type]  # (django_auth)
        raise HttpError(403, "Your role may not see compliance returns")
    try:
        period = Quarter.parse(quarter) if quarter else returns.latest_complete_quarter()
    except PeriodError as error:
        raise HttpError(422, str(error)) from None
    if force:
        try:
            chosen = returns.compliance_return_force_get(user=request.user, code=force)
        except Http404:
            raise HttpError(404, "No such force in your scope") from None
    else:
        scope = list(returns.compliance_return_forces(user=request.user)[:2])
        if not scope:
            raise HttpError(404, "No force in your scope")
        if len(scope) > 1:
            raise HttpError(422, "You see several forces: say which with ?force=CODE")
        chosen = scope[0]
    result = returns.compliance_return(force=chosen, quarter=period)
    start, _end = returns.quarter_bounds(period)
    return ComplianceReturnOut(
        force=chosen.code,
        quarter=period.code,
        quarter_start=start.date().isoformat(),
        quarter_end=period.end.isoformat(),
        as_at=result.as_at,
        complete=result.complete,
        threshold=result.threshold,
        not_clocked=result.not_clocked,
        rows=[_row_out(row) for row in result.rows()],
    )


# --- satisfaction figures --------------------------------------------------------------------


class FigureOut(Schema):
    """One satisfaction rate as it may be published. Below the threshold ``suppressed``
    is true, ``reason`` says why ("too few responses ...") and the rate and interval are
    null; ``n`` (responses) is always given. A published rate without an interval says why
    in ``interval_note``. Rates are proportions (0 to 1)."""

    n: int
    suppressed: bool
    reason: str | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    interval_note: str | None


class StageOut(Schema):
    stage: str
    label: str
    quarter: FigureOut
    year: FigureOut


class ChangeOut(Schema):
    """A change in whole-experience satisfaction, shown only with its test and rule; when
    ``compared`` is false (fieldwork incomplete, too few responses) ``reason`` says why
    and the difference, interval and verdict are null."""

    label: str
    compared: bool
    reason: str | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool | None
    test: str | None
    rule: str


class SatisfactionOut(Schema):
    force: str
    area: str | None
    quarter: str
    quarter_label: str
    quarter_covers: str
    year_covers: str
    fieldwork_complete: bool
    fieldwork_note: str | None
    threshold: int
    stages: list[StageOut]
    changes: list[ChangeOut]


def _figure_out(e: Mapping[str, Any]) -> FigureOut:
    return FigureOut(
        n=e["n"],
        suppressed=not e["published"],
        reason=e["withheld"],
        estimate=e.get("estimate"),
        ci_low=e.get("ci_low"),
        ci_high=e.get("ci_high"),
        interval_note=e.get("interval_note"),
    )


def _change_out(change: Mapping[str, Any]) -> ChangeOut:
    c = change["comparison"]
    return ChangeOut(
        label=change["label"],
        compared=c["published"],
        reason=c["withheld"],
        difference=c.get("difference"),
        ci_low=c.get("ci_low"),
        ci_high=c.get("ci_high"),
        significant=c.get("significant"),
        test=c.get("test"),
        rule=c["rule"],
    )


@router.get(
    "/satisfaction",
    response={
        200: SatisfactionOut,
        **error_responses(),
        404: MessageOut,  # a force or area out of the caller's scope
        422: MessageOut,  # a bad quarter, or several forces in scope and none chosen
    },
    auth=django_auth,
    url_name="satisfaction",
)
def satisfaction(request: HttpRequest, force: str = "", quarter: str = "", area: int | None = None):
    """Victims' satisfaction in ``force`` (a force code in your scope; may be left out
    when you see one force), or one of its areas (``area``: its id), for ``quarter``
    (``YYYYQn``; default the latest with responses): each stage for the quarter and the
    12 months to its end, and the changes on the previous quarter and the year before.
    The dashboard's figures under the one publication rule: below the threshold a rate is
    suppressed (the count is given, with the reason); a quarter whose fieldwork is
    incomplete says which months of reports it covers and is not compared. 404 for a
    force or area out of scope; 422 for a bad quarter."""
    user = cast("User", request.user)  # django_auth: only signed-in staff get here
    if not has_capability(user, Capability.VIEW_AGGREGATES):
        raise HttpError(403, "Your role may not see satisfaction figures")
    try:
        if force:
            chosen = selectors.oversight_force_get(user=user, code=force)
        else:
            scope = list(selectors.oversight_forces(user=user)[:2])
            if not scope:
                raise HttpError(404, "No force in your scope")
            if len(scope) > 1:
                raise HttpError(422, "You see several forces: say which with ?force=CODE")
            chosen = scope[0]
        chosen_area = selectors.force_area_get(force=chosen, area_id=area)
    except Http404 as missing:
        raise HttpError(404, str(missing)) from None
    try:
        period = (
            Quarter.parse(quarter)
            if quarter
            else selectors.latest_quarter(forces=[chosen]) or returns.latest_complete_quarter()
        )
    except PeriodError as error:
        raise HttpError(422, str(error)) from None
    fig = figure_services.dashboard_compute(force=chosen, quarter=period, area=chosen_area)
    return SatisfactionOut(
        force=chosen.code,
        area=chosen_area.name if chosen_area else None,
        quarter=period.code,
        quarter_label=period.label,
        quarter_covers=fig["quarter_covers"],
        year_covers=fig["year_label"],
        fieldwork_complete=fig["fieldwork"]["complete"],
        fieldwork_note=fig["fieldwork"]["note"],
        threshold=fig["threshold"],
        stages=[
            StageOut(
                stage=s["stage"],
                label=s["label"],
                quarter=_figure_out(s["quarter"]),
                year=_figure_out(s["year"]),
            )
            for s in fig["stages"]
        ],
        changes=[_change_out(c) for c in fig["changes"]],
    )
