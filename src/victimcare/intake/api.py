"""POST /api/v1/reports: records systems (per-force token) and staff send reports in.

Idempotent with an ``Idempotency-Key`` header; 422 with per-field errors, in the same
shape as django-ninja's own validation errors, for anything that breaks the rules.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Header, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth
from pydantic import AfterValidator

from victimcare.accounts.api_auth import API_AUTH, api_caller
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.core.api_errors import MessageOut, error_responses
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force
from victimcare.intake import services

router = Router(tags=["intake"])


class RecordReportsSessionAuth(SessionAuth):
    """A staff session may send reports only with the record-reports capability."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and not has_capability(user, Capability.RECORD_REPORTS):
            raise HttpError(403, "Your role may not record reports")
        return user


REPORT_AUTH = [API_AUTH[0], RecordReportsSessionAuth()]


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value.strip()


Text = Annotated[str, AfterValidator(_clean_text)]
Blank = Literal[""]


class VictimIn(Schema):
    given_name: Text = Field(..., min_length=1, max_length=100, examples=["Ada"])
    family_name: Text = Field(..., min_length=1, max_length=100, examples=["Testperson"])
    date_of_birth: date | None = None
    email: Text = Field("", max_length=254, examples=["ada@example.com"])
    phone: Text = Field("", max_length=32, examples=["07700 900123"])
    phone_is_safe: bool | None = Field(
        None,
        description="Is it safe to contact the victim on this number? Required with a phone.",
        examples=[True],
    )
    address: Text = Field("", max_length=500)
    postcode: Text = Field("", max_length=10)
    preferred_contact: Literal["email", "sms", "phone", "letter"] = "email"
    times_to_avoid: Text = Field("", max_length=200)
    age_band: Literal[
        "under_16", "16_24", "25_34", "35_44", "45_54", "55_64", "65_plus", "prefer_not_to_say", ""
    ] = ""
    sex: Literal["female", "male", "prefer_not_to_say", ""] = ""
    ethnicity: Literal["asian", "black", "mixed", "white", "other", "prefer_not_to_say", ""] = ""
    disability: Literal["yes", "no", "prefer_not_to_say", ""] = ""


class ExternalReferenceIn(Schema):
    system: Text = Field(..., min_length=1, max_length=40, description="e.g. rms")
    id: Text = Field(
        ..., min_length=1, max_length=100, description="The records system's own crime reference"
    )


class ReportIn(Schema):
    crime_type: Text = Field(
        ...,
        min_length=1,
        max_length=60,
        description="Crime type code",
        examples=["domestic-burglary"],
    )
    area: Text = Field(
        ...,
        min_length=1,
        max_length=60,
        description="Area code within the force",
        examples=["hackney"],
    )
    summary: Text = Field(
        ..., min_length=1, max_length=5000, examples=["Back door forced; laptop taken."]
    )
    occurred_at: datetime = Field(
        ...,
        description="When it happened (Europe/London if no offset)",
        examples=["2026-09-01T14:30:00+01:00"],
    )
    channel: Literal["records_system", "phone", "front_counter", "officer"] = "records_system"
    wants_visit: bool = Field(
        ..., description="Whether the victim would like a visit (every victim is offered one)"
    )
    victim: VictimIn
    external_reference: ExternalReferenceIn | None = None


class ReportOut(Schema):
    reference: str
    case_url: str


# Answer key -> where it is in the request body.
ANSWER_PATHS = {
    "crime_type": ["crime_type"],
    "area": ["area"],
    "summary": ["summary"],
    "occurred_on": ["occurred_at"],
    "occurred_time": ["occurred_at"],
    "wants_visit": ["wants_visit"],
    "external_reference": ["external_reference", "id"],
}


def _answers(payload: ReportIn) -> dict:
    victim = payload.victim
    answers = {
        "crime_type": payload.crime_type,
        "area": payload.area,
        "summary": payload.summary,
        "given_name": victim.given_name,
        "family_name": victim.family_name,
        "date_of_birth": victim.date_of_birth.isoformat() if victim.date_of_birth else "",
        "email": victim.email,
        "phone": victim.phone,
        "phone_is_safe": {True: "yes", False: "no", None: ""}[victim.phone_is_safe],
        "address": victim.address,
        "postcode": victim.postcode,
        "preferred_contact": victim.preferred_contact,
        "times_to_avoid": victim.times_to_avoid,
        "age_band": victim.age_band,
        "sex": victim.sex,
        "ethnicity": victim.ethnicity,
        "disability": victim.disability,
        "wants_visit": "yes" if payload.wants_visit else "no",
    }
    if payload.occurred_at is not None:
        when = payload.occurred_at
        if not 1900 <= when.year <= 2200:
            raise services.ReportInvalid(
                {"occurred_on": ["The date must be today or in the past, and from 1900 onwards"]}
            )
        if timezone.is_naive(when):
            when = when.replace(tzinfo=LONDON)
        local = when.astimezone(LONDON)
        answers["occurred_on"] = local.date().isoformat()
        answers["occurred_time"] = local.strftime("%H:%M")
    return answers


def _errors(errors: dict[str, list[str]]) -> dict:
    detail = []
    for key, messages in errors.items():
        path = ANSWER_PATHS.get(key, ["victim", key])
        for message in messages:
            detail.append(
                {"loc": ["body", "payload", *path], "msg": message, "type": "value_error"}
            )
    return {"detail": detail}


@router.post(
    "/reports",
    auth=REPORT_AUTH,
    response={201: ReportOut, **error_responses(body=True), 409: MessageOut},
    url_name="report-create",
    summary="Record a crime report",
)
def report_create(
    request: HttpRequest,
    response: HttpResponse,
    payload: ReportIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description="A retry with the same key returns the same case; a different body is a 409.",
    ),
):
    """Record a report for the caller's force: 201 with the crime reference."""
    caller = api_caller(request)
    if caller.token is not None:
        force = caller.token.force  # read with the token (see accounts/api_auth.py)
    else:
        force = Force.objects.filter(pk=caller.force_id).first()
    if force is None:
        raise HttpError(403, "Your account is not attached to a force")
    key = (idempotency_key or "").strip() or None
    if key is not None and ("\x00" in key or not key.isprintable()):
        return Status(
            422,
            {
                "detail": [
                    {
                        "loc": ["header", "Idempotency-Key"],
                        "msg": "Use printable characters only",
                        "type": "value_error",
                    }
                ]
            },
        )
    external = None
    if payload.external_reference is not None:
        external = (payload.external_reference.system, payload.external_reference.id)
    try:
        answers = _answers(payload)
        case, created = services.api_report_record(
            force=force,
            answers=answers,
            channel=payload.channel,
            idempotency_key=key,
            payload=payload.dict(),
            external=external,
            recorded_by=caller.user,
        )
    except services.ReportInvalid as error:
        return Status(422, _errors(error.errors))
    except services.IdempotencyConflict as error:
        return Status(409, {"detail": str(error)})
    if not created:
        response["Idempotent-Replayed"] = "true"
    return Status(
        201,
        {
            "reference": case.reference,
            "case_url": request.build_absolute_uri(case.get_absolute_url()),
        },
    )
