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
from ninja import Field, Header, Path, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator, AwareDatetime, ConfigDict, StringConstraints

from victimcare.accounts.api_auth import API_AUTH, api_caller
from victimcare.accounts.permissions import Capability
from victimcare.care.constants import VICTIM_TEXT_MAX_LENGTH, DecisionOutcome
from victimcare.care.models import Rule
from victimcare.care.selectors import case_obligations
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import API_EVENT_KINDS, care_event_record
from victimcare.cases.constants import CaseStatus, EventKind
from victimcare.cases.models import Case, Victim
from victimcare.core.api_errors import MessageOut, error_responses, field_errors
from victimcare.core.timezones import LONDON

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
