"""Oversight figures for staff by session: GET /api/v1/compliance (the Victims and
Prisoners Act compliance return of a force in the caller's scope)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.core.api_errors import MessageOut, error_responses
from victimcare.oversight import compliance_return as returns
from victimcare.oversight.periods import PeriodError, Quarter

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
