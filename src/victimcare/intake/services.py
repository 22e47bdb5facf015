"""Every write of the reporting channels: drafts, reports from any channel, API idempotency
and external references. The follow-up (the visit answer and the Victim Care Card) is in
``care_card_services``, re-exported here."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.care.services_rights import referral_answer_record
from victimcare.cases._prepared import prepared_cursor, task_enqueue
from victimcare.cases.constants import Channel
from victimcare.cases.models import Case
from victimcare.cases.services import (
    VictimDetails,
    case_create,
    reference_allocate,
)
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake._quick_check import answers_check_quick
from victimcare.intake.care_card_services import care_card_send as care_card_send
from victimcare.intake.care_card_services import report_follow_up as report_follow_up
from victimcare.intake.constants import DRAFT_TOKEN_BYTES
from victimcare.intake.forms import answers_validate, grounds_from_answers, referral_answer
from victimcare.intake.models import ExternalReference, IdempotencyRecord, ReportDraft
from victimcare.intake.tasks import report_follow_up_task

logger = logging.getLogger(__name__)


class ReportInvalid(ValueError):
    """A report's answers break the rules; ``errors`` maps each answer to what to fix."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class IdempotencyConflict(ValueError):
    """The same Idempotency-Key was sent before with a different request."""


# --- drafts --------------------------------------------------------------------------------


class DraftsThrottled(Exception):
    """Too many reports were started from this address lately; try again later."""


class DraftNotOpened(ValueError):
    """A draft's answers were asked for without opening it with its resume token."""


# The answers of a draft are sealed with AES-GCM under a key derived (HKDF-SHA256, with this
# salt and info) from the resume token. The database keeps only the token's SHA-256 for the
# lookup: a different function of the token, from which the key cannot be derived, so a
# reader of the database (staff included) cannot read an unsent report.
DRAFT_KEY_SALT = b"victimcare.intake.report-draft.salt.v1"
DRAFT_KEY_INFO = b"victimcare.intake.report-draft.answers-key.v1"
_SEAL_VERSION = b"\x01"
_NONCE_BYTES = 12


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _draft_key(token: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=DRAFT_KEY_SALT, info=DRAFT_KEY_INFO
    ).derive(token.encode())


def _draft_seal(*, key: bytes, token_hash: str, answers: dict) -> bytes:
    """Version byte, random nonce, then the answers as JSON encrypted and authenticated
    (bound to the draft's token hash, so a sealed value is no use in another row)."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    plain = json.dumps(answers, sort_keys=True, separators=(",", ":")).encode()
    return _SEAL_VERSION + nonce + AESGCM(key).encrypt(nonce, plain, token_hash.encode())


def _draft_unseal(*, key: bytes, token_hash: str, sealed) -> dict:
    """The answers; raises InvalidTag when the key is wrong or the value was tampered with."""
    sealed = bytes(sealed or b"")  # PostgreSQL gives a memoryview
    if not sealed:
        return {}  # submitted: the case holds the answers now
    if sealed[:1] != _SEAL_VERSION:
        raise InvalidTag
    nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    answers = json.loads(AESGCM(key).decrypt(nonce, body, token_hash.encode()))
    return answers if isinstance(answers, dict) else {}


def _draft_opened(draft: ReportDraft, *, key: bytes, answers: dict) -> ReportDraft:
    # In memory only, for this request: the answers and the key to seal them again.
    draft.answers = answers
    draft._answers_key = key
    return draft


def _draft_key_of(draft: ReportDraft) -> bytes:
    key = getattr(draft, "_answers_key", None)
    if key is None:
        raise DraftNotOpened("Open the draft with draft_get (or draft_start) first")
    return key


def _draft_client_scope(address: str) -> str:
    """A keyed hash of the client's address (never the address itself)."""
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"report-draft:{address}".encode(), hashlib.sha256).hexdigest()
    return f"ip:{digest[:64]}"


def draft_purge_expired() -> int:
    """Delete every draft past its 7 days, submitted or not; returns how many went."""
    deleted, _by_model = ReportDraft.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def draft_start(
    *, force: Force | None = None, address: str | None = None
) -> tuple[ReportDraft, str]:
    """Start an online report; returns the draft (opened) and its resume token (shown only to
    the victim).

    ``address`` is the client's address, for web requests: past
    ``settings.REPORT_DRAFTS_PER_HOUR`` new drafts from it in the last hour, raises
    DraftsThrottled and creates nothing. Only a keyed hash of it is stored.
    """
    now = timezone.now()
    scope = ""
    if address is not None:
        scope = _draft_client_scope(address or "unknown")
        started = ReportDraft.objects.filter(
            client_scope=scope, created_at__gte=now - timedelta(hours=1)
        ).count()
        if started >= settings.REPORT_DRAFTS_PER_HOUR:
            logger.info("report drafts throttled for an address")
            raise DraftsThrottled
    draft_purge_expired()  # also purged by intake.tasks.draft_purge_expired_task
    token = secrets.token_urlsafe(DRAFT_TOKEN_BYTES)
    key = _draft_key(token)
    answers = {"force": force.code} if force else {}
    draft = ReportDraft(
        token_hash=_token_hash(token),
        force=force,
        client_scope=scope,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=settings.REPORT_DRAFT_DAYS),
    )
    draft.answers_sealed = _draft_seal(key=key, token_hash=draft.token_hash, answers=answers)
    draft.full_clean()
    draft.save()
    return _draft_opened(draft, key=key, answers=answers), token


def draft_get(*, token: str) -> ReportDraft | None:
    """The live (unexpired) draft for a resume token, opened (its ``answers`` readable), or
    None."""
    if not token or len(token) > 100:
        return None
    draft = (
        ReportDraft.objects.select_related("force", "submitted_case")
        .filter(token_hash=_token_hash(token), expires_at__gte=timezone.now())
        .first()
    )
    if draft is None:
        return None
    key = _draft_key(token)
    try:
        answers = _draft_unseal(key=key, token_hash=draft.token_hash, sealed=draft.answers_sealed)
    except (InvalidTag, ValueError):
        logger.warning("report draft %s could not be opened", draft.pk)
        return None
    return _draft_opened(draft, key=key, answers=answers)


@transaction.atomic
def draft_save(*, draft: ReportDraft, step: str, answers: dict) -> ReportDraft:
    """Save one step's answers at once, so closing the browser loses nothing. The draft must
    be one opened by draft_get or draft_start."""
    key = _draft_key_of(draft)
    merged = {**draft.answers, **answers}
    if "force" in answers:
        force = Force.objects.get(code=answers["force"])
        if draft.force_id != force.pk:
            merged.pop("area", None)  # areas belong to a force
        draft.force = force
    draft.answers_sealed = _draft_seal(key=key, token_hash=draft.token_hash, answers=merged)
    draft.answers = merged
    draft.last_step = step
    draft.updated_at = timezone.now()
    draft.save(update_fields=["answers_sealed", "force", "last_step", "updated_at"])
    return draft


@transaction.atomic
def draft_discard(*, draft: ReportDraft) -> None:
    """Delete a draft and its answers (a report that cannot be made online)."""
    ReportDraft.objects.filter(pk=draft.pk).delete()
    draft.answers = {}


@transaction.atomic
def draft_submit(*, draft: ReportDraft) -> Case:
    """Turn a complete draft (opened by draft_get) into a case. Submitting twice gives the
    same case. The answers are read afresh from the locked row, with the draft's key."""
    key = _draft_key_of(draft)
    locked = (
        ReportDraft.objects.select_for_update(of=("self",)).select_related("force").get(pk=draft.pk)
    )
    if locked.submitted_case_id:
        return locked.submitted_case
    if locked.force is None:
        raise ReportInvalid({"force": [_("Select the police force area")]})
    answers = _draft_unseal(key=key, token_hash=locked.token_hash, sealed=locked.answers_sealed)
    case = report_record(
        force=locked.force,
        answers=answers,
        channel=Channel.ONLINE,
        enhanced_grounds=grounds_from_answers(answers),
        grounds_recorded_by=ONLINE_GROUNDS_BY,
    )
    _online_referral_answer(case=case, answers=answers)
    locked.submitted_case = case
    locked.answers_sealed = b""  # the case holds them now; the draft keeps no personal data
    locked.updated_at = timezone.now()
    locked.save(update_fields=["submitted_case", "answers_sealed", "updated_at"])
    _draft_opened(draft, key=key, answers={})
    draft.submitted_case = case
    return case


ONLINE_GROUNDS_BY = "victim (online report)"


def _online_referral_answer(*, case: Case, answers: dict) -> None:
    """The online form's answer about a support referral, as the Code has it for the crime
    type: "no" is the victim's objection; "yes" is consent where the crime needs it."""
    answer = referral_answer(answers=answers, needs_consent=case.crime_type.referral_needs_consent)
    victim = case.victims.first()
    if answer and victim is not None:
        referral_answer_record(case=case, victim=victim, answer=answer, source="online_form")


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
    hate_element: bool = False


def _local(day: str, at: str) -> datetime:
    clock = time.fromisoformat(at) if at else time(12, 0)
    return datetime.combine(date.fromisoformat(day), clock, tzinfo=LONDON)


def report_build(*, force: Force, answers: dict) -> Report:
    """A checked report from answers; raises ReportInvalid saying what to fix.

    Valid answers are usually recognised by the quick check (the forms' own rules without
    building the forms: see intake/_quick_check.py); anything else goes through the forms,
    which say what is wrong."""
    found: dict = {}
    cleaned = answers_check_quick(force=force, answers=answers, found=found)
    if cleaned is None:
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
        hate_element=cleaned.get("hate_element") == "yes",
    )


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
    hate_element: bool | None = None,
    enhanced_grounds: Sequence[str] = (),
    grounds_recorded_by: str = "",
) -> Case:
    """Record a report from any channel: the case now; the visit answer and the Victim Care
    Card by a background task queued in the same transaction.

    ``reported_at`` is when the victim reported to the police (default: now): every
    Victims' Code clock starts from it. ``hate_element`` (default: the answers' own) and
    ``enhanced_grounds`` (recorded with the report) feed the victim's enhanced entitlement
    (see cases/grounds.py); ``grounds_recorded_by`` says who recorded them.

    ``report`` is the answers already checked by ``report_build``; ``reference`` one already
    allocated (see ``api_report_record``). The answers are checked before the transaction
    opens, and, as in ``case_create``, it takes no savepoint inside a caller's."""
    report = report or report_build(force=force, answers=answers)
    reported_at = reported_at or timezone.now()
    victim = report.victim
    if enhanced_grounds:
        victim = replace(victim, enhanced_grounds=tuple(enhanced_grounds))
    with transaction.atomic(savepoint=False):
        case = case_create(
            force=force,
            area=report.area,
            crime_type=report.crime_type,
            channel=channel,
            reported_at=reported_at,
            occurred_at=report.occurred_at,
            summary=report.summary,
            victim=victim,
            recorded_by=recorded_by,
            reference=reference,
            hate_element=report.hate_element if hate_element is None else hate_element,
            grounds_recorded_by=grounds_recorded_by,
        )
        # The visit answer and the Victim Care Card follow in the background: queued in
        # this transaction (so they happen exactly when the case exists) but done outside
        # it, which keeps the force's reference sequence locked for as short a time as
        # possible.
        task_enqueue(
            report_follow_up_task,
            case.pk,
            {True: "yes", False: "no", None: ""}[report.wants_visit],
            getattr(recorded_by, "pk", None),
            send_care_card,
        )
    logger.info("report recorded: case %s via %s", case.reference, channel)
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
    reported_at: datetime | None = None,
    hate_element: bool = False,
    enhanced_grounds: Sequence[str] = (),
    grounds_recorded_by: str = "",
) -> tuple[Case, bool]:
    """Record a report sent by a records system; returns (case, created).

    ``reported_at`` is when the victim reported to the police (a report keyed at a front
    counter on Friday and sent on Monday keeps Friday's clocks); default now.

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
    reported_at = reported_at or timezone.now()
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
                hate_element=hate_element,
                enhanced_grounds=enhanced_grounds,
                grounds_recorded_by=grounds_recorded_by,
            )
            if external is not None:
                external_reference_add(case=case, system=external[0], external_id=external[1])
            if idempotency_key:
                # Plain SQL, like _idempotent_replay: one short statement on every report.
                with prepared_cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {IdempotencyRecord._meta.db_table} "  # noqa: S608 (names are our own or quoted; values are bound parameters)
                        '(force_id, "key", request_hash, case_id, created_at) '
                        "VALUES (%s, %s, %s, %s, %s)",
                        [
                            force.pk,
                            idempotency_key,
                            fingerprint,
                            case.pk,
                            connection.ops.adapt_datetimefield_value(timezone.now()),
                        ],
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
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT request_hash, case_id FROM {IdempotencyRecord._meta.db_table} "  # noqa: S608 (names are our own or quoted; values are bound parameters)
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
