"""Every write of the reporting channels: drafts, reports from any channel, API idempotency,
external references and the Victim Care Card."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.cases.constants import Channel, EventKind
from victimcare.cases.models import Case
from victimcare.cases.services import (
    VictimDetails,
    case_create,
    case_event_record,
    reference_allocate,
)
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake.constants import DRAFT_TOKEN_BYTES
from victimcare.intake.forms import answers_validate
from victimcare.intake.models import ExternalReference, IdempotencyRecord, ReportDraft

logger = logging.getLogger(__name__)
LONDON_TZ = "Europe/London"


class ReportInvalid(ValueError):
    """A report's answers break the rules; ``errors`` maps each answer to what to fix."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class IdempotencyConflict(ValueError):
    """The same Idempotency-Key was sent before with a different request."""


# --- drafts --------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def draft_start(*, force: Force | None = None) -> tuple[ReportDraft, str]:
    """Start an online report; returns the draft and its resume token (shown only to the victim)."""
    now = timezone.now()
    ReportDraft.objects.filter(expires_at__lt=now).delete()  # drafts expire after 7 days
    token = secrets.token_urlsafe(DRAFT_TOKEN_BYTES)
    draft = ReportDraft(
        token_hash=_token_hash(token),
        force=force,
        answers={"force": force.code} if force else {},
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=settings.REPORT_DRAFT_DAYS),
    )
    draft.full_clean()
    draft.save()
    return draft, token


def draft_get(*, token: str) -> ReportDraft | None:
    """The live (unexpired) draft for a resume token, or None."""
    if not token or len(token) > 100:
        return None
    return (
        ReportDraft.objects.select_related("force", "submitted_case")
        .filter(token_hash=_token_hash(token), expires_at__gte=timezone.now())
        .first()
    )


@transaction.atomic
def draft_save(*, draft: ReportDraft, step: str, answers: dict) -> ReportDraft:
    """Save one step's answers at once, so closing the browser loses nothing."""
    merged = {**draft.answers, **answers}
    if "force" in answers:
        force = Force.objects.get(code=answers["force"])
        if draft.force_id != force.pk:
            merged.pop("area", None)  # areas belong to a force
        draft.force = force
    draft.answers = merged
    draft.last_step = step
    draft.updated_at = timezone.now()
    draft.save(update_fields=["answers", "force", "last_step", "updated_at"])
    return draft


@transaction.atomic
def draft_submit(*, draft_id: int) -> Case:
    """Turn a complete draft into a case. Submitting twice gives the same case."""
    draft = (
        ReportDraft.objects.select_for_update(of=("self",)).select_related("force").get(pk=draft_id)
    )
    if draft.submitted_case_id:
        return draft.submitted_case
    if draft.force is None:
        raise ReportInvalid({"force": [_("Select the police force area")]})
    case = report_record(force=draft.force, answers=draft.answers, channel=Channel.ONLINE)
    draft.submitted_case = case
    draft.answers = {}  # the case holds them now; the draft keeps no personal data
    draft.updated_at = timezone.now()
    draft.save(update_fields=["submitted_case", "answers", "updated_at"])
    return case


# --- reports from any channel --------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    force: Force
    area: Area
    crime_type: CrimeType
    summary: str
    occurred_at: datetime | None
    victim: VictimDetails
    wants_visit: bool | None


def _local(day: str, at: str) -> datetime:
    from zoneinfo import ZoneInfo

    clock = time.fromisoformat(at) if at else time(12, 0)
    return datetime.combine(date.fromisoformat(day), clock, tzinfo=ZoneInfo(LONDON_TZ))


def report_build(*, force: Force, answers: dict) -> Report:
    """A checked report from answers; raises ReportInvalid saying what to fix."""
    found: dict = {}
    cleaned, errors = answers_validate(force=force, answers=answers, found=found)
    if errors:
        raise ReportInvalid(errors)
    area = found.get("area") or Area.objects.get(force=force, code=cleaned["area"])
    crime_type = found.get("crime_type") or CrimeType.objects.get(code=cleaned["crime_type"])
    occurred_at = None
    if cleaned.get("occurred_on"):
        occurred_at = _local(cleaned["occurred_on"], cleaned.get("occurred_time", ""))
    victim = VictimDetails(
        given_name=cleaned["given_name"],
        family_name=cleaned["family_name"],
        date_of_birth=date.fromisoformat(cleaned["date_of_birth"])
        if cleaned.get("date_of_birth")
        else None,
        email=cleaned.get("email", ""),
        phone=cleaned.get("phone", ""),
        address=cleaned.get("address", ""),
        postcode=cleaned.get("postcode", ""),
        preferred_contact=cleaned["preferred_contact"],
        times_to_avoid=cleaned.get("times_to_avoid", ""),
        # Blank (None) when no number was given: the question did not arise.
        phone_is_safe={"yes": True, "no": False}.get(cleaned.get("phone_is_safe", "")),
        equality={
            k: cleaned[k] for k in ("age_band", "sex", "ethnicity", "disability") if cleaned.get(k)
        },
    )
    wants_visit = {"yes": True, "no": False}.get(cleaned.get("wants_visit", ""))
    return Report(
        force=force,
        area=area,
        crime_type=crime_type,
        summary=cleaned["summary"],
        occurred_at=occurred_at,
        victim=victim,
        wants_visit=wants_visit,
    )


@transaction.atomic
def report_record(
    *,
    force: Force,
    answers: dict,
    channel: str,
    recorded_by=None,
    reported_at: datetime | None = None,
    send_care_card: bool = True,
    report: Report | None = None,
    reference: str | None = None,
) -> Case:
    """Record a report from any channel: the case now; the visit answer and the Victim Care
    Card by a background task queued in the same transaction.

    ``report`` is the answers already checked by ``report_build``; ``reference`` one already
    allocated (see ``api_report_record``)."""
    report = report or report_build(force=force, answers=answers)
    reported_at = reported_at or timezone.now()
    case = case_create(
        force=force,
        area=report.area,
        crime_type=report.crime_type,
        channel=channel,
        reported_at=reported_at,
        occurred_at=report.occurred_at,
        summary=report.summary,
        victim=report.victim,
        recorded_by=recorded_by,
        reference=reference,
    )
    logger.info("report recorded: case %s via %s", case.reference, channel)
    from victimcare.intake.tasks import report_follow_up_task

    # The visit answer and the Victim Care Card follow in the background: queued in this
    # transaction (so they happen exactly when the case exists) but done outside it, which
    # keeps the force's reference sequence locked for as short a time as possible.
    report_follow_up_task.enqueue(
        case.pk,
        {True: "yes", False: "no", None: ""}[report.wants_visit],
        getattr(recorded_by, "pk", None),
        send_care_card,
    )
    return case


# --- records-system API --------------------------------------------------------------------


def request_fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def api_report_record(
    *,
    force: Force,
    answers: dict,
    channel: str,
    idempotency_key: str | None,
    payload: dict,
    external: tuple[str, str] | None = None,
    recorded_by=None,
) -> tuple[Case, bool]:
    """Record a report sent by a records system; returns (case, created).

    A retry with the same Idempotency-Key returns the case the first request made and
    creates nothing; the same key with a different body raises IdempotencyConflict. Two
    concurrent requests with one key: the unique constraint lets one win, and the other's
    transaction (its case included) rolls back.

    The answers are checked and the crime reference allocated before the transaction opens,
    so the force's reference sequence is locked for one statement, not for the whole
    report: concurrent reports do not queue behind each other. A report that fails after
    that leaves a gap in the force's numbers.
    """
    fingerprint = request_fingerprint(payload)
    if idempotency_key:
        replay = _idempotent_replay(force=force, key=idempotency_key, fingerprint=fingerprint)
        if replay is not None:
            return replay, False
    report = report_build(force=force, answers=answers)
    reported_at = timezone.now()
    reference = reference_allocate(force=force, at=reported_at)
    try:
        with transaction.atomic():
            if external is not None:
                present = (
                    ExternalReference.objects.filter(
                        force=force, system=external[0], external_id=external[1]
                    )
                    .select_related("case")
                    .first()
                )
                if present is not None:
                    raise ReportInvalid(
                        {
                            "external_reference": [
                                _("A case with this external reference already exists: %(ref)s")
                                % {"ref": present.case.reference}
                            ]
                        }
                    )
            case = report_record(
                force=force,
                answers=answers,
                channel=channel,
                recorded_by=recorded_by,
                reported_at=reported_at,
                report=report,
                reference=reference,
            )
            if external is not None:
                external_reference_add(case=case, system=external[0], external_id=external[1])
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    force=force,
                    key=idempotency_key,
                    request_hash=fingerprint,
                    case=case,
                    created_at=timezone.now(),
                )
    except IntegrityError:
        if idempotency_key:
            replay = _idempotent_replay(force=force, key=idempotency_key, fingerprint=fingerprint)
            if replay is not None:
                return replay, False
        raise
    return case, True


def _idempotent_replay(*, force: Force, key: str, fingerprint: str) -> Case | None:
    # Plain SQL: every records-system report asks this first.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT request_hash, case_id FROM {IdempotencyRecord._meta.db_table} "  # noqa: S608
            'WHERE force_id = %s AND "key" = %s',
            [force.pk, key],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    if found[0] != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was used before with a different request body"
        )
    return Case.objects.select_related("force").get(pk=found[1])


@transaction.atomic
def external_reference_add(*, case: Case, system: str, external_id: str) -> ExternalReference:
    reference = ExternalReference(
        case=case, force_id=case.force_id, system=system.strip(), external_id=external_id.strip()
    )
    reference.full_clean()
    reference.save()
    return reference


# --- Victim Care Card ----------------------------------------------------------------------


@transaction.atomic
def report_follow_up(
    *, case: Case, wants_visit: str, recorded_by=None, send_care_card: bool = True
) -> None:
    """After a report: record the answer to the visit offer, then send the Victim Care Card."""
    if (
        wants_visit in ("yes", "no")
        and not case.events.filter(kind=EventKind.VISIT_OFFERED).exists()
    ):
        # Total Victim Care: every victim is offered a visit; the report records the answer.
        at = case.reported_at
        case_event_record(
            case=case,
            kind=EventKind.VISIT_OFFERED,
            at=at,
            by=recorded_by,
            detail={"channel": case.channel},
        )
        if wants_visit == "yes":
            case_event_record(
                case=case,
                kind=EventKind.VISIT_ACCEPTED,
                at=at,
                by=recorded_by,
                victim_text=_(
                    "You asked for a visit from an officer. We will contact you to arrange it."
                ),
            )
        else:
            case_event_record(
                case=case,
                kind=EventKind.VISIT_DECLINED,
                at=at,
                by=recorded_by,
                victim_text=_(
                    "You told us you do not want a visit. You can ask for one at any time."
                ),
            )
    if send_care_card:
        care_card_send(case=case)


@transaction.atomic
def care_card_send(*, case: Case) -> int:
    """Send each victim their Victim Care Card by their preferred channel (once per victim)."""
    from victimcare.intake.care_card import care_card_text
    from victimcare.notifications.constants import Purpose
    from victimcare.notifications.services import victim_notify

    sent = 0
    for victim in case.victims.select_related("personal_details"):
        notification = victim_notify(
            victim=victim,
            subject=_("Your Victim Care Card: crime reference %(ref)s") % {"ref": case.reference},
            body=care_card_text(case=case, victim=victim),
            idempotency_key=f"care-card:{case.pk}:{victim.pk}",
            purpose=Purpose.CARE_CARD,
        )
        if notification is None:
            continue
        sent += 1
        if not case.events.filter(kind=EventKind.CARE_CARD_SENT, detail__victim=victim.pk).exists():
            case_event_record(
                case=case,
                kind=EventKind.CARE_CARD_SENT,
                at=timezone.now(),
                detail={
                    "victim": victim.pk,
                    "channel": notification.channel,
                    "notification": notification.pk,
                },
                victim_text=_(
                    "We sent you your Victim Care Card with your crime reference and what happens next."
                ),
            )
    return sent
