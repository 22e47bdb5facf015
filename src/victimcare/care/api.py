"""Obligations and case events for records systems and staff: /api/v1/cases/{reference}/..."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from victimcare.accounts.api_auth import API_AUTH, api_caller
from victimcare.accounts.permissions import Capability
from victimcare.care.deadlines import LONDON
from victimcare.care.selectors import case_obligations
from victimcare.care.services import CareError, care_event_record
from victimcare.cases.models import Case

router = Router(tags=["care"])


class ObligationOut(Schema):
    code: str
    title: str
    due_at: datetime
    status: str
    met_at: datetime | None


class EventIn(Schema):
    type: str
    at: datetime
    id: str | None = None
    outcome: str | None = None
    victim_text: str = ""
    covers: list[str] | None = None
    victim_id: int | None = None
    detail: dict | None = None


class EventOut(Schema):
    id: int
    type: str
    at: datetime
    created: bool


class ErrorOut(Schema):
    detail: str
    field: str = ""


def _case_for(request: HttpRequest, reference: str, capability: Capability) -> Case:
    caller = api_caller(request)
    if not caller.may(capability):
        raise HttpError(403, "Your role may not do this")
    case = Case.objects.filter(force_id=caller.force_id, reference=reference.upper()).first()
    if caller.force_id is None or case is None:
        raise HttpError(404, "No case with that reference in your force")
    return case


def _london(value: datetime | None) -> datetime | None:
    return value.astimezone(LONDON) if value is not None else None


@router.get(
    "/cases/{reference}/obligations",
    response=list[ObligationOut],
    auth=API_AUTH,
    url_name="case-obligations",
)
def obligations(request: HttpRequest, reference: str):
    """The case's Victims' Code obligations, soonest deadline first; times in London."""
    case = _case_for(request, reference, Capability.VIEW_CASES)
    return [
        ObligationOut(
            code=o.code,
            title=o.rule.title,
            due_at=_london(o.due_at),
            status=o.status,
            met_at=_london(o.met_at),
        )
        for o in case_obligations(case=case)
    ]


@router.post(
    "/cases/{reference}/events",
    response={200: EventOut, 201: EventOut, 400: ErrorOut},
    auth=API_AUTH,
    url_name="case-events",
)
def event_create(request: HttpRequest, reference: str, payload: EventIn):
    """Record an event (``type``, ``at`` and its details, e.g. ``{"type": "decision",
    "outcome": "charge", "at": ...}``). Send an ``Idempotency-Key`` header or an event
    ``id`` so a retried request is recorded once: the retry answers 200 with the first
    event."""
    case = _case_for(request, reference, Capability.WORK_CASES)
    caller = api_caller(request)
    detail = dict(payload.detail or {})
    for name in ("outcome", "covers", "victim_id"):
        value = getattr(payload, name)
        if value is not None:
            detail[name] = value
    key = request.headers.get("Idempotency-Key", "") or (payload.id or "")
    if len(key) > 200:
        return Status(400, ErrorOut(detail="The idempotency key is longer than 200 characters"))
    try:
        event, created = care_event_record(
            case=case,
            kind=payload.type,
            at=payload.at,
            by=caller.user if caller.token is None else None,
            detail=detail,
            victim_text=payload.victim_text,
            idempotency_key=key,
        )
    except CareError as error:
        return Status(400, ErrorOut(detail=str(error), field=error.field))
    out = EventOut(id=event.pk, type=event.kind, at=_london(event.at), created=created)
    return Status(201 if created else 200, out)
