"""Obligations and case events for records systems and staff: /api/v1/cases/{reference}/...

An event's fields are typed per event type: anything the schema does not know is refused
(422), never stored. ``detail`` carries, for every type, ``victim_id`` (a victim of this
case) and ``covers`` (the obligation codes the event meets); a ``decision`` also its
``outcome`` (required) and a ``status_changed`` its ``status``. The same three of them may
be given at the top level instead (``{"type": "decision", "outcome": "charge"}``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator, AwareDatetime, ConfigDict, StringConstraints

from victimcare.accounts.api_auth import API_AUTH, api_caller
from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability
from victimcare.care.constants import VICTIM_TEXT_MAX_LENGTH, DecisionOutcome
from victimcare.care.models import EventReceipt, Rule
from victimcare.care.selectors import case_obligations, case_team, visit_slots_free
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import API_EVENT_KINDS, care_event_record
from victimcare.care.services.officers import OFFICER_ROLES, case_officer_assign
from victimcare.cases.constants import CaseStatus, EventKind
from victimcare.cases.models import Case, Victim
from victimcare.core.api_errors import MessageOut, error_responses, field_errors
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area

router = Router(tags=["care"])

REFERENCE_PATTERN = r"^[A-Za-z0-9-]{1,32}$"
IDEMPOTENCY_KEY_MAX_LENGTH = 200
COVERS_MAX_ITEMS = 20
# Keys of ``detail`` that only some event types carry; the rest carry neither.
DETAIL_ONLY_FOR = {"outcome": EventKind.DECISION, "status": EventKind.STATUS_CHANGED}


def _printable(value: str) -> str:
    """Text stored as it is sent: no NUL or other control characters but line breaks."""
    if any(not (c.isprintable() or c in "\n\r\t") for c in value):
        raise ValueError("must not contain control characters")
    return value


EventType = Literal[tuple(sorted(API_EVENT_KINDS))]  # type: ignore[valid-type]
Outcome = Literal[tuple(DecisionOutcome.values)]  # type: ignore[valid-type]
Status_ = Literal[tuple(CaseStatus.values)]  # type: ignore[valid-type]
ObligationCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,40}$")]
VictimId = Annotated[int, Field(ge=1, le=2**63 - 1, description="A victim of this case")]
Covers = Annotated[
    list[ObligationCode],
    Field(max_length=COVERS_MAX_ITEMS, description="Codes of the obligations the event meets"),
]


class ObligationOut(Schema):
    code: str
    title: str
    due_at: datetime
    status: str
    met_at: datetime | None
    rule_set: str = Field(
        ...,
        description="The rule set the obligation is clocked under: the Victims' Code in "
        "force when the victim reported (vc2015, vc2020) or the force's local one (tvc)",
        examples=["vc2020"],
    )
    enhanced: bool = Field(
        ..., description="Whether the victim is entitled to enhanced rights (shorter deadlines)"
    )


class EventDetailIn(Schema):
    """The details of an event; a key the schema does not list is refused."""

    model_config = ConfigDict(extra="forbid")

    victim_id: VictimId | None = None
    covers: Covers | None = None
    outcome: Outcome | None = Field(None, description="Only for a decision (and required)")
    status: Status_ | None = Field(None, description="Only for status_changed")


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: EventType
    at: AwareDatetime = Field(..., examples=["2027-03-25T15:00:00+00:00"])
    id: Annotated[str, AfterValidator(_printable)] | None = Field(
        None,
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        description="The records system's own id of the event: a retry is recorded once",
    )
    outcome: Outcome | None = None
    victim_text: Annotated[str, AfterValidator(_printable)] = Field(
        "",
        max_length=VICTIM_TEXT_MAX_LENGTH,
        description="What the victim sees about the event in Track my case",
    )
    covers: Covers | None = None
    victim_id: VictimId | None = None
    detail: EventDetailIn | None = None
    officer: Annotated[str, StringConstraints(pattern=r"^[\w.@+-]{1,150}$")] | None = Field(
        None, description="Only for officer_assigned (and required): the officer's username"
    )
    note: Annotated[str, AfterValidator(_printable)] = Field(
        "", max_length=2000, description="Only for officer_assigned: the hand-over note"
    )


class EventOut(Schema):
    id: int
    type: str
    at: datetime
    created: bool


def _case_for(request: HttpRequest, reference: str, capability: Capability) -> Case:
    caller = api_caller(request)
    if not caller.may(capability):
        raise HttpError(403, "Your role may not do this")
    case = Case.objects.filter(force_id=caller.force_id, reference=reference.upper()).first()
    if caller.force_id is None or case is None:
        raise HttpError(404, "No case with that reference in your force")
    return case


def _officer_for(payload: EventIn, case: Case):
    if not payload.officer:
        return None
    return User.objects.filter(
        username=payload.officer,
        force_id=case.force_id,
        role__in=OFFICER_ROLES,
        is_active=True,
    ).first()


def _london(value: datetime | None) -> datetime | None:
    return value.astimezone(LONDON) if value is not None else None


def _event_detail(payload: EventIn, case: Case) -> tuple[dict, list]:
    """The event's ``detail`` for the service, and the problems (``loc``, message) the
    schema alone cannot see: a key given twice differently, a key for another event type,
    a victim of another case, an obligation code no rule set has."""
    given = payload.detail.model_dump(exclude_none=True) if payload.detail else {}
    detail, problems = dict(given), []
    for name in ("outcome", "covers", "victim_id"):
        value = getattr(payload, name)
        if value is None:
            continue
        if name in given and given[name] != value:
            problems.append(
                (["body", "payload", name], f"'{name}' differs from 'detail.{name}'; give one")
            )
        detail[name] = value
    for name, only_for in DETAIL_ONLY_FOR.items():
        if name in detail and payload.type != only_for:
            problems.append(
                (["body", "payload", "detail", name], f"'{name}' is only for {only_for} events")
            )
    if payload.type == EventKind.DECISION and "outcome" not in detail:
        problems.append(
            (
                ["body", "payload", "outcome"],
                f"A decision needs its outcome, one of: {', '.join(DecisionOutcome.values)}",
            )
        )
    victim_id = detail.get("victim_id")
    if victim_id is not None and not Victim.objects.filter(pk=victim_id, case=case).exists():
        problems.append((["body", "payload", "victim_id"], "No victim with that id on this case"))
    if payload.type == EventKind.OFFICER_ASSIGNED:
        if _officer_for(payload, case) is None:
            problems.append(
                (
                    ["body", "payload", "officer"],
                    "Give the username of an active officer of this force",
                )
            )
    else:
        for name in ("officer", "note"):
            if getattr(payload, name):
                problems.append(
                    (["body", "payload", name], f"'{name}' is only for officer_assigned events")
                )
    covers = detail.get("covers") or []
    known = set(Rule.objects.filter(code__in=covers).values_list("code", flat=True))
    unknown = sorted(set(covers) - known)
    if unknown:
        problems.append(
            (["body", "payload", "covers"], f"No obligation has the code: {', '.join(unknown)}")
        )
    return detail, problems


@router.get(
    "/cases/{reference}/obligations",
    response={200: list[ObligationOut], **error_responses(path=True)},
    auth=API_AUTH,
    url_name="case-obligations",
)
def obligations(request: HttpRequest, reference: str = Path(..., pattern=REFERENCE_PATTERN)):
    """The case's Victims' Code obligations, soonest deadline first; times in London."""
    case = _case_for(request, reference, Capability.VIEW_CASES)
    return [
        ObligationOut(
            code=o.code,
            title=o.rule.title,
            due_at=_london(o.due_at),
            status=o.status,
            met_at=_london(o.met_at),
            rule_set=o.rule.version.rule_set.code,
            enhanced=o.victim.is_enhanced,
        )
        for o in case_obligations(case=case)
    ]


@router.post(
    "/cases/{reference}/events",
    response={
        200: EventOut,
        201: EventOut,
        **error_responses(path=True, body=True),
        409: MessageOut,
    },
    auth=API_AUTH,
    url_name="case-events",
)
def event_create(
    request: HttpRequest,
    payload: EventIn,
    reference: str = Path(..., pattern=REFERENCE_PATTERN),
    idempotency_key: Annotated[str, AfterValidator(_printable)] | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        description="A retry with the same key answers 200 with the first event.",
    ),
):
    """Record an event (``type``, ``at`` and its details, e.g. ``{"type": "decision",
    "outcome": "charge", "at": ...}``). Send an ``Idempotency-Key`` header or an event
    ``id`` so a retried request is recorded once: the retry answers 200 with the first
    event. A field that breaks the rules is a 422 naming it (``loc``); a key already used
    for another case is a 409."""
    case = _case_for(request, reference, Capability.WORK_CASES)
    caller = api_caller(request)
    detail, problems = _event_detail(payload, case)
    if problems:
        return Status(422, field_errors(*problems))
    key = idempotency_key or payload.id or ""
    try:
        if payload.type == EventKind.OFFICER_ASSIGNED:
            event, created = _officer_assign(request, payload, case, key)
        else:
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
        if not error.field:  # the idempotency key was used for another case
            return Status(409, {"detail": str(error)})
        return Status(422, field_errors((["body", "payload", error.field], str(error))))
    out = EventOut(id=event.pk, type=event.kind, at=_london(event.at), created=created)
    return Status(201 if created else 200, out)


def _officer_assign(request: HttpRequest, payload: EventIn, case: Case, key: str):
    """An ``officer_assigned`` event: the officer is put in charge (a retry with the same
    key answers the first event)."""
    if key:
        found = (
            EventReceipt.objects.select_related("event")
            .filter(force_id=case.force_id, key=key)
            .first()
        )
        if found is not None:
            if found.event.case_id != case.pk:
                raise CareError("That idempotency key was already used for another case")
            return found.event, False
    caller = api_caller(request)
    event = case_officer_assign(
        case=case,
        officer=_officer_for(payload, case),
        by=caller.user if caller.token is None else None,
        note=payload.note,
        at=payload.at,
        idempotency_key=key,
    )
    return event, True


class CaseSummaryOut(Schema):
    reference: str
    status: str
    crime_type: str
    area: str
    reported_at: datetime
    enhanced: bool = Field(..., description="Any victim of the case has the enhanced service")
    officer_in_charge: str | None = Field(..., description="The officer's username")
    team: str | None = Field(..., description="The code of the case's team")


@router.get(
    "/cases/{reference}",
    response={200: CaseSummaryOut, **error_responses(path=True)},
    auth=API_AUTH,
    url_name="case-summary",
)
def case_summary(request: HttpRequest, reference: str = Path(..., pattern=REFERENCE_PATTERN)):
    """The case: status, crime type and area codes, when it was reported (London time),
    whether any victim has the enhanced service, the officer in charge and the team."""
    case = _case_for(request, reference, Capability.VIEW_CASES)
    officer = case.officer_in_charge
    team = case_team(case=case)
    return CaseSummaryOut(
        reference=case.reference,
        status=case.status,
        crime_type=case.crime_type.code,
        area=case.area.code,
        reported_at=_london(case.reported_at),
        enhanced=any(v.is_enhanced for v in Victim.objects.filter(case=case)),
        officer_in_charge=officer.username if officer else None,
        team=team.code if team else None,
    )


class VisitSlotOut(Schema):
    id: int
    area: str
    starts_at: datetime
    ends_at: datetime
    free: int = Field(..., description="How many more visits can be booked at this time")


@router.get(
    "/visit-slots",
    response={200: list[VisitSlotOut], **error_responses(params=True)},
    auth=API_AUTH,
    url_name="visit-slots",
)
def visit_slots(
    request: HttpRequest,
    area: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,60}$")] = Query(
        ..., description="The area's code"
    ),
):
    """The free visit times to come in an area of the caller's force, soonest first (at
    most 200); times in London. An area the force does not have is a 422."""
    caller = api_caller(request)
    if not caller.may(Capability.VIEW_CASES):
        raise HttpError(403, "Your role may not do this")
    found = Area.objects.filter(force_id=caller.force_id, code=area).first()
    if caller.force_id is None or found is None:
        return Status(
            422, field_errors((["query", "area"], "No area with that code in your force"))
        )
    return [
        VisitSlotOut(
            id=s.pk,
            area=found.code,
            starts_at=_london(s.starts_at),
            ends_at=_london(s.ends_at),
            free=s.capacity - s.taken,
        )
        for s in visit_slots_free(area=found)[:200]
    ]
