"""Every write to survey data: questionnaires, flags, samples, fieldwork, responses,
agency imports and service recovery."""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from victimcare.accounts.constants import AuditAction
from victimcare.accounts.models import User
from victimcare.audit.services import audit_record_create
from victimcare.cases.models import Victim
from victimcare.core.csv_export import csv_dict_writer
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    ANSWER_CODES,
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_REMINDER_DAYS,
    DISSATISFIED,
    MAX_CALL_ATTEMPTS,
    RECOVERY_OUTCOMES,
    RECOVERY_WORKING_DAYS,
    Allocation,
    Answer,
    CallOutcome,
    ContactRoute,
    FlagKind,
    InvitationKind,
    Mode,
    Outcome,
    RecoveryStatus,
)
from victimcare.surveys.models import (
    CallAttempt,
    Invitation,
    Questionnaire,
    RecoveryTask,
    Response,
    Sample,
    SampleMember,
    SampleStratum,
    SurveyFlag,
    TokenFailure,
)
from victimcare.surveys.questionnaire import (
    YES_NO,
    answer_clean,
    core_definition,
    questions_of,
    questions_validate,
)
from victimcare.surveys.sampling import (
    Frame,
    FrameSettings,
    SamplingError,
    allocate,
    sampling_frame_build,
    stratum_draw,
)
from victimcare.surveys.selectors import (
    INVITATION_EXPORT_COLUMNS,
    agency_export_rows,
    care_markers,
    contact_export_allowed,
    invitation_export_rows,
)
from victimcare.surveys.tokens import serial_new, token_for, token_hash, token_salt_new


class FieldworkError(ValueError):
    """A fieldwork step cannot be done as asked; the message says why."""


# --- questionnaires ----------------------------------------------------------------------


@transaction.atomic
def questionnaire_core_get() -> Questionnaire:
    """The core questionnaire version in data/questionnaire.json, created on first use."""
    definition = core_definition()
    questionnaire, _ = Questionnaire.objects.get_or_create(
        code=definition["code"],
        version=definition["version"],
        defaults={
            "title": definition["title"],
            "questions": definition["questions"],
            "created_at": timezone.now(),
        },
    )
    return questionnaire


@transaction.atomic
def questionnaire_extend(*, force: Force, extra_questions: list[dict]) -> Questionnaire:
    """A new version for a force: the core questions with the force's extras before the
    closing comments and contact questions."""
    core = questionnaire_core_get()
    closing = [q for q in core.questions if q["code"] in ("comments", "agrees_to_contact")]
    opening = [q for q in core.questions if q not in closing]
    questions = [*opening, *extra_questions, *closing]
    questions_validate(questions)
    latest = Questionnaire.objects.filter(code=f"{core.code}-{force.code.lower()}").first()
    questionnaire = Questionnaire(
        code=f"{core.code}-{force.code.lower()}",
        version=(latest.version + 1) if latest else 1,
        force=force,
        title=core.title,
        questions=questions,
        created_at=timezone.now(),
    )
    questionnaire.full_clean()
    questionnaire.save()
    return questionnaire


def questionnaire_for_force(force: Force) -> Questionnaire:
    """The latest version carrying the force's extras, or the core questionnaire."""
    extended = Questionnaire.objects.filter(force=force).order_by("-version").first()
    return extended or questionnaire_core_get()


# --- flags -------------------------------------------------------------------------------


@transaction.atomic
def survey_flag_set(
    *, victim: Victim, kind: str, by=None, at: datetime | None = None
) -> SurveyFlag:
    """Keep a victim out of survey samples for a reason (idempotent)."""
    if kind not in FlagKind.values:
        raise FieldworkError(f"unknown survey flag {kind!r}")
    flag, _created = SurveyFlag.objects.get_or_create(
        victim=victim, kind=kind, defaults={"set_at": at or timezone.now(), "set_by": by}
    )
    return flag


@transaction.atomic
def survey_opt_out(*, member: SampleMember, at: datetime | None = None) -> None:
    """A sampled victim declines: a refusal now, and out of every future sample."""
    at = at or timezone.now()
    survey_flag_set(victim=member.victim, kind=FlagKind.OPTED_OUT, at=at)
    SampleMember.objects.filter(pk=member.pk, outcome=Outcome.ISSUED).update(
        outcome=Outcome.REFUSED, outcome_at=at, draft={}
    )


@transaction.atomic
def survey_flag_clear(*, victim: Victim, kind: str) -> None:
    SurveyFlag.objects.filter(victim=victim, kind=kind).delete()


# --- the draw ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """How many to interview and how to spread them over strata."""

    target_interviews: int
    allocation: str = Allocation.PROPORTIONAL
    minimum_per_stratum: int = 0
    expected_response_rate: float = 0.5
    mode: str = Mode.WEB
    reminder_after_days: int = DEFAULT_REMINDER_DAYS
    expires_after_days: int = DEFAULT_EXPIRY_DAYS


def _member_mode(sample_mode: str, phone_ok: bool) -> str:
    """Telephone and agency fieldwork need a phone the victim said may be used; anyone
    else in such a sample is invited to answer on the web."""
    if sample_mode in (Mode.TELEPHONE, Mode.AGENCY) and not phone_ok:
        return Mode.WEB
    return sample_mode


@transaction.atomic
def sample_draw(
    *,
    force: Force,
    month: date,
    design: Design,
    fieldwork_on: date | None = None,
    settings: FrameSettings | None = None,
    seed: int | None = None,
    by=None,
    synthetic: bool = False,
    frame: Frame | None = None,
) -> Sample:
    """Build the frame for a force's month of reports, allocate interviews to strata,
    and draw a simple random sample in each stratum from a recorded seed."""
    month = month.replace(day=1)
    if Sample.objects.filter(force=force, month=month).exists():
        raise SamplingError(
            f"{force.code} already has a sample for reports in {month:%B %Y}; one per month"
        )
    if design.target_interviews < 1:
        raise SamplingError("the target number of interviews must be at least 1")
    frame = frame or sampling_frame_build(
        force=force, month=month, fieldwork_on=fieldwork_on, settings=settings
    )
    if frame.eligible == 0:
        raise SamplingError(
            f"no eligible victims for {force.code} in {month:%B %Y} "
            f"({frame.in_scope} in scope, all excluded or none reported)"
        )
    seed = secrets.randbelow(2**31) if seed is None else seed
    plan = allocate(
        {key: stratum.population for key, stratum in frame.strata.items()},
        target=design.target_interviews,
        rule=design.allocation,
        response_rate=design.expected_response_rate,
        minimum=design.minimum_per_stratum,
    )
    frame_settings = frame.settings
    sample = Sample(
        force=force,
        month=month,
        fieldwork_on=frame.fieldwork_on,
        questionnaire=questionnaire_for_force(force),
        crime_groups=list(frame_settings.crime_groups),
        window_min_weeks=frame_settings.window_weeks[0],
        window_max_weeks=frame_settings.window_weeks[1],
        minimum_age=frame_settings.minimum_age,
        strata_by=",".join(frame_settings.strata_by),
        in_scope=frame.in_scope,
        eligible=frame.eligible,
        exclusions=dict(sorted(frame.exclusions.items())),
        allocation=design.allocation,
        target_interviews=design.target_interviews,
        minimum_per_stratum=design.minimum_per_stratum,
        expected_response_rate=design.expected_response_rate,
        seed=seed,
        mode=design.mode,
        reminder_after_days=design.reminder_after_days,
        expires_after_days=design.expires_after_days,
        drawn_at=timezone.now(),
        drawn_by=by,
        synthetic=synthetic,
    )
    sample.full_clean()
    sample.save()
    strata = SampleStratum.objects.bulk_create(
        [
            SampleStratum(
                sample=sample,
                key=key,
                area_id=stratum.area_id,
                crime_group=stratum.crime_group,
                population=stratum.population,
                target=plan[key][0],
                drawn=plan[key][1],
                exclusions=dict(sorted(stratum.exclusions.items())),
                margins={name: dict(sorted(c.items())) for name, c in stratum.margins.items()},
            )
            for key, stratum in frame.strata.items()
        ]
    )
    members = []
    for row in strata:
        stratum = frame.strata[row.key]
        if not row.drawn:
            continue
        for victim_id, route, phone_ok in stratum_draw(stratum, row.drawn, seed=seed):
            salt = token_salt_new()
            members.append(
                SampleMember(
                    sample=sample,
                    stratum=row,
                    victim_id=victim_id,
                    serial=serial_new(),
                    mode=_member_mode(design.mode, phone_ok),
                    route=route,
                    token_salt=salt,
                    token_hash=token_hash(token_for(salt)),
                )
            )
    SampleMember.objects.bulk_create(members, batch_size=2000)
    return sample


# --- invitations, reminders, expiry ------------------------------------------------------


def survey_link(member: SampleMember) -> str:
    """The path of a member's single-use survey link (tokens are rebuilt, not stored)."""
    from django.urls import reverse

    return reverse("surveys:web-start", kwargs={"token": token_for(member.token_salt)})


def _invitation_route(member: SampleMember) -> str:
    # A web link cannot be read out on a call: phone-preferring victims get a text.
    return ContactRoute.SMS if member.route == ContactRoute.PHONE else member.route


INVITATION_TEXT = {
    InvitationKind.INVITATION: (
        "How did we do?",
        "You reported a crime to {force} a few weeks ago. Please tell us how well we dealt "
        "with it. It takes about 5 minutes: {link} This link works once, until {until}. "
        "If you would rather not take part, open the link and choose not to be asked again.",
    ),
    InvitationKind.REMINDER: (
        "Reminder: how did we do?",
        "A reminder: {force} would like to know how well we dealt with the crime you "
        "reported. It takes about 5 minutes: {link} This link works until {until}.",
    ),
}


def _invitations_deliver(invitations: list[Invitation]) -> None:
    """Hand invitations to the notifications service (by the victim's preferred, safe
    channel). Those it cannot send stay recorded, unsent, for the invitations export."""
    try:
        from victimcare.notifications import constants as notification_constants
        from victimcare.notifications.services import victim_notify
    except ImportError:  # notifications not installed: invitations are exported instead
        return
    from django.conf import settings

    purpose = getattr(
        notification_constants.Purpose, "SURVEY", notification_constants.Purpose.UPDATE
    )
    base = getattr(settings, "PUBLIC_URL", "").rstrip("/")
    sent = []
    for invitation in invitations:
        member = invitation.member
        subject, body = INVITATION_TEXT[invitation.kind]
        until = timezone.localtime(member.expires_at, LONDON)
        notification = victim_notify(
            victim=member.victim,
            subject=subject,
            body=body.format(
                force=member.sample.force.name,
                link=base + survey_link(member),
                until=f"{until:%d %B %Y}",
            ),
            idempotency_key=f"survey:{member.serial}:{invitation.kind}",
            purpose=purpose,
            prefer=invitation.route,
            sensitive=True,  # the body carries the single-use link
        )
        if notification is not None:
            invitation.sent = True
            sent.append(invitation)
    Invitation.objects.bulk_update(sent, ["sent"], batch_size=2000)


@transaction.atomic
def invitations_send(*, sample: Sample, now: datetime | None = None) -> int:
    """Invite every web-mode victim of the sample not yet invited; the link expires after
    the sample's expiry days. Returns how many were invited.

    Each invitation is recorded and handed to the notifications service; any it cannot
    send stay in the invitations export."""
    now = now or timezone.now()
    members = list(
        SampleMember.objects.filter(
            sample=sample, mode=Mode.WEB, outcome=Outcome.ISSUED, expires_at__isnull=True
        ).select_related("sample__force", "victim__personal_details", "victim__case")
    )
    expires_at = now + timedelta(days=sample.expires_after_days)
    for member in members:
        member.expires_at = expires_at
    SampleMember.objects.bulk_update(members, ["expires_at"], batch_size=2000)
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                member=member,
                kind=InvitationKind.INVITATION,
                route=_invitation_route(member),
                created_at=now,
            )
            for member in members
        ],
        batch_size=2000,
    )
    _invitations_deliver(invitations)
    return len(members)


@transaction.atomic
def fieldwork_update(*, now: datetime | None = None, force: Force | None = None) -> dict:
    """Send reminders that are due and close links that have expired (run daily).

    A reminder goes once, ``reminder_after_days`` after the invitation, to victims who
    have not answered; a link past its expiry closes as a non-contact."""
    now = now or timezone.now()
    members = SampleMember.objects.filter(mode=Mode.WEB, outcome=Outcome.ISSUED)
    if force is not None:
        members = members.filter(sample__force=force)
    expired = members.filter(expires_at__lte=now).update(
        outcome=Outcome.NON_CONTACT, outcome_at=now, draft={}
    )
    reminded = 0
    candidates = (
        members.filter(expires_at__gt=now)
        .exclude(invitations__kind=InvitationKind.REMINDER)
        .select_related("sample__force", "victim__personal_details", "victim__case")
        .prefetch_related("invitations")
    )
    reminders = []
    for member in candidates:
        invited = [
            i.created_at for i in member.invitations.all() if i.kind == InvitationKind.INVITATION
        ]
        if invited and min(invited) + timedelta(days=member.sample.reminder_after_days) <= now:
            reminders.append(
                Invitation(
                    member=member,
                    kind=InvitationKind.REMINDER,
                    route=_invitation_route(member),
                    created_at=now,
                )
            )
    _invitations_deliver(Invitation.objects.bulk_create(reminders, batch_size=2000))
    reminded = len(reminders)
    return {"reminded": reminded, "expired": expired}


# --- answers and responses ---------------------------------------------------------------


@transaction.atomic
def web_answer_save(*, member: SampleMember, code: str, value: str | None) -> str:
    """Keep one web answer until the victim submits; ValueError with a message if invalid."""
    questions = {q.code: q for q in questions_of(member.sample.questionnaire)}
    question = questions.get(code)
    if question is None:
        raise FieldworkError("no such question")
    cleaned = answer_clean(question, value)
    draft = dict(member.draft)
    draft[code] = cleaned
    member.draft = draft
    member.save(update_fields=["draft"])
    return cleaned


def _answers_split(
    questionnaire: Questionnaire, answers: Mapping[str, str]
) -> tuple[dict, dict, str, bool]:
    """Core stage answers, extra answers, comments and agreement from answers by code."""
    core: dict[str, str] = {}
    extra: dict[str, str] = {}
    comments, agrees = "", False
    for question in questions_of(questionnaire):
        value = answer_clean(question, answers.get(question.code))
        if question.is_core:
            core[question.stage] = value
        elif question.code == "comments":
            comments = value
        elif question.code == "agrees_to_contact":
            agrees = value == "yes"
        elif value != "":
            extra[question.code] = value
    return core, extra, comments, agrees


def _working_day_deadline(start: datetime, days: int) -> datetime:
    """End of the ``days``-th working day (England and Wales) after ``start``, London time."""
    day = timezone.localtime(start, LONDON).date()
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(day.year, day.year + 2))
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank:
            counted += 1
    return datetime.combine(day, time(23, 59, 59), LONDON)


@transaction.atomic
def response_record(
    *,
    member: SampleMember,
    answers: Mapping[str, str],
    mode: str,
    completed_at: datetime | None = None,
) -> Response:
    """A completed interview: store the answers under the victim's pseudonym with the
    design variables, close the member's fieldwork, and open a call-back task when the
    victim was dissatisfied with the whole experience and agreed to be contacted."""
    member = (
        SampleMember.objects.select_for_update()
        .select_related("sample__questionnaire", "stratum", "victim__case")
        .get(pk=member.pk)
    )
    if member.outcome != Outcome.ISSUED:
        raise FieldworkError(
            f"{member.serial} already has an outcome ({member.get_outcome_display()})"
        )
    completed_at = completed_at or timezone.now()
    sample = member.sample
    core, extra, comments, agrees = _answers_split(sample.questionnaire, answers)
    victim, case = member.victim, member.victim.case
    informed, visited = care_markers(case_ids=[case.pk], before=completed_at)[case.pk]
    response = Response(
        sample=sample,
        stratum=member.stratum,
        questionnaire=sample.questionnaire,
        respondent=victim.pseudonym,
        mode=mode,
        completed_at=completed_at,
        force_id=sample.force_id,
        area_id=case.area_id,
        crime_group=case.crime_type.survey_group,
        month=sample.month,
        report_channel=case.channel,
        age_band=victim.age_band,
        sex=victim.sex,
        ethnicity=victim.ethnicity,
        disability=victim.disability,
        kept_informed=informed,
        visited=visited,
        ease_of_contact=core.get("ease_of_contact", ""),
        actions_taken=core.get("actions_taken", ""),
        kept_informed_answer=core.get("kept_informed", ""),
        treatment=core.get("treatment", ""),
        whole_experience=core.get("whole_experience", ""),
        extra_answers=extra,
        comments=comments,
        agrees_to_contact=agrees,
    )
    response.full_clean(exclude=["sample", "stratum", "questionnaire", "force", "area"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise FieldworkError("this victim has already answered the survey") from None
    member.outcome, member.outcome_at, member.draft = Outcome.COMPLETED, completed_at, {}
    member.mode = mode
    member.save(update_fields=["outcome", "outcome_at", "draft", "mode"])
    if response.whole_experience in DISSATISFIED and agrees:
        recovery_task_open(response=response, member=member, at=completed_at)
    return response


@transaction.atomic
def web_response_submit(*, member: SampleMember, now: datetime | None = None) -> Response:
    """Submit a victim's web answers (from their draft)."""
    return response_record(member=member, answers=member.draft, mode=Mode.WEB, completed_at=now)


@transaction.atomic
def call_attempt_record(
    *,
    member: SampleMember,
    outcome: str,
    by=None,
    at: datetime | None = None,
    call_back_at: datetime | None = None,
    answers: Mapping[str, str] | None = None,
) -> CallAttempt:
    """Record a telephone call and what it means for the sampled victim: a completed
    interview stores the response; a refusal, wrong number or ineligible closes the case;
    no answer after the last allowed attempt closes it as a non-contact; a call-back is
    scheduled."""
    at = at or timezone.now()
    if outcome not in CallOutcome.values:
        raise FieldworkError(f"unknown call outcome {outcome!r}")
    member = SampleMember.objects.select_for_update().get(pk=member.pk)
    if member.outcome != Outcome.ISSUED:
        raise FieldworkError(
            f"{member.serial} already has an outcome ({member.get_outcome_display()})"
        )
    if outcome == CallOutcome.CALL_BACK and (call_back_at is None or call_back_at <= at):
        raise FieldworkError("a call-back needs a time in the future")
    attempt = CallAttempt(
        member=member,
        at=at,
        by=by,
        outcome=outcome,
        call_back_at=call_back_at if outcome == CallOutcome.CALL_BACK else None,
    )
    attempt.full_clean()
    attempt.save()
    member.attempts += 1
    member.call_back_at = attempt.call_back_at
    closing = {
        CallOutcome.REFUSED: Outcome.REFUSED,
        CallOutcome.WRONG_NUMBER: Outcome.UNKNOWN_ELIGIBILITY,
        CallOutcome.INELIGIBLE: Outcome.INELIGIBLE,
    }
    if outcome in closing:
        member.outcome, member.outcome_at = closing[outcome], at
    elif outcome == CallOutcome.NO_ANSWER and member.attempts >= MAX_CALL_ATTEMPTS:
        member.outcome, member.outcome_at = Outcome.NON_CONTACT, at
    member.save(update_fields=["attempts", "call_back_at", "outcome", "outcome_at"])
    if outcome == CallOutcome.COMPLETED:
        response_record(member=member, answers=answers or {}, mode=Mode.TELEPHONE, completed_at=at)
    return attempt


@transaction.atomic
def token_failure_record(*, client: str, at: datetime | None = None) -> None:
    at = at or timezone.now()
    TokenFailure.objects.create(client=client, at=at)
    # Keep the table small: failures older than a day no longer matter.
    TokenFailure.objects.filter(at__lt=at - timedelta(days=1)).delete()


# --- agency export and import ------------------------------------------------------------

AGENCY_EXPORT_COLUMNS = (
    "serial",
    "given_name",
    "family_name",
    "phone",
    "times_to_avoid",
    "crime_group",
    "reported_on",
)


class ContactExportRefused(PermissionError):
    """The staff member may not export these victims' contact details; says why."""


class ContactExport:
    """The exports of victims' contact details, by the name their audit records carry."""

    AGENCY = "agency sample"
    INVITATIONS = "survey invitations"


def _contact_export_audit(*, sample: Sample, by: User, export: str, via: str, victims) -> None:
    """One audit record per victim whose details went out, naming the export."""
    page = f"{export} export, {sample.force.code} {sample.month:%Y-%m} sample {sample.pk} ({via})"
    seen: set[int] = set()
    for victim in victims:
        if victim.pk not in seen:
            seen.add(victim.pk)
            audit_record_create(user=by, victim=victim, page=page[:200], action=AuditAction.EXPORT)


def _contact_export_check(*, sample: Sample, by: User) -> None:
    if not contact_export_allowed(user=by, force=sample.force):
        raise ContactExportRefused(
            f"{by.username} may not export victims' contact details of {sample.force.code} "
            "(only its supervisors and administrators may)"
        )


def _contact_export_write(
    *, sample: Sample, by: User, file, rows: list, columns: tuple[str, ...], export: str, via: str
) -> int:
    """Write ``rows`` (pairs of victim and CSV row) to ``file`` through the safe CSV
    writer, then audit each victim exported to ``by``. Returns the number of rows."""
    writer = csv_dict_writer(file, fieldnames=columns)
    writer.writeheader()
    writer.writerows(row for _victim, row in rows)
    _contact_export_audit(
        sample=sample, by=by, export=export, via=via, victims=(victim for victim, _row in rows)
    )
    return len(rows)


@transaction.atomic
def agency_sample_export(*, sample: Sample, by: User, file, via: str) -> int:
    """Write the victims ``sample`` issued to a telephone agency to ``file`` as CSV (only
    what the agency needs), and audit each victim exported to ``by``; ``via`` says where
    from (the page or the command). Returns the number of rows.

    Raises ContactExportRefused unless ``by`` may export the force's contact details."""
    _contact_export_check(sample=sample, by=by)
    return _contact_export_write(
        sample=sample,
        by=by,
        file=file,
        rows=agency_export_rows(sample=sample),
        columns=AGENCY_EXPORT_COLUMNS,
        export=ContactExport.AGENCY,
        via=via,
    )


@transaction.atomic
def invitations_export(*, sample: Sample, by: User, file, base_url: str, via: str) -> int:
    """Write the sample's invitations and reminders still to send (contact details and
    live survey links) to ``file`` as CSV, and audit each victim exported to ``by``.
    Returns the number of rows.

    Raises ContactExportRefused unless ``by`` may export the force's contact details."""
    _contact_export_check(sample=sample, by=by)
    return _contact_export_write(
        sample=sample,
        by=by,
        file=file,
        rows=invitation_export_rows(sample=sample, base_url=base_url, link_for=survey_link),
        columns=INVITATION_EXPORT_COLUMNS,
        export=ContactExport.INVITATIONS,
        via=via,
    )


AGENCY_IMPORT_OUTCOMES = {
    "completed": Outcome.COMPLETED,
    "refused": Outcome.REFUSED,
    "non_contact": Outcome.NON_CONTACT,
    "wrong_number": Outcome.UNKNOWN_ELIGIBILITY,
    "ineligible": Outcome.INELIGIBLE,
}


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[tuple[int, str, list[str]]] = field(default_factory=list)  # line, serial, why
    applied: bool = True

    @property
    def ok(self) -> bool:
        return not self.rejected


def _agency_answer(value: str) -> str:
    value = (value or "").strip().lower()
    if value in ANSWER_CODES:
        return ANSWER_CODES[value]
    if value in Answer.values:
        return value
    raise ValueError(f"{value!r} is not an answer (1 to 9, or a code such as very_satisfied)")


def _parse_when(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or date and time")
        moment = datetime.combine(day, time(12), LONDON)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=LONDON)
    return moment


def agency_import(
    *,
    text: str,
    forces: Iterable[Force] | None = None,
    sample: Sample | None = None,
    strict: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Import an agency's results (CSV). Each row is checked on its own; rejected rows are
    listed with their reasons and change nothing. Valid rows are imported together, or,
    with ``strict``, only if no row is rejected.

    Columns: serial, outcome (completed, refused, non_contact, wrong_number, ineligible),
    interviewed_at (optional), the five core stages (1 completely satisfied .. 7 completely
    dissatisfied, 8 don't know, 9 refused), comments, agrees_to_contact (yes/no), and any
    extra questions of the force's questionnaire by their codes.
    """
    now = now or timezone.now()
    result = ImportResult()
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        result.rejected.append((1, "", [f"not a CSV file: {error}"]))
        result.applied = False
        return result
    missing = [c for c in ("serial", "outcome") if c not in header]
    if missing:
        result.rejected.append((1, "", [f"missing column(s): {', '.join(missing)}"]))
        result.applied = False
        return result
    rows = [
        (line, {(k or "").strip(): (v or "").strip() for k, v in row.items()})
        for line, row in enumerate(reader, 2)
    ]
    serial_count = Counter(row["serial"].upper() for _line, row in rows)
    members = SampleMember.objects.filter(
        serial__in=list(serial_count), mode=Mode.AGENCY
    ).select_related("sample__questionnaire")
    if forces is not None:
        members = members.filter(sample__force__in=list(forces))
    if sample is not None:
        members = members.filter(sample=sample)
    by_serial = {m.serial: m for m in members}
    valid: list[tuple[SampleMember, str, datetime, dict]] = []
    for line, row in rows:
        serial = row["serial"].upper()
        reasons: list[str] = []
        member = by_serial.get(serial)
        if not serial or member is None:
            reasons.append("unknown respondent (no such serial issued to the agency)")
        elif serial_count[serial] > 1:
            reasons.append("serial appears more than once in the file")
        elif member.outcome != Outcome.ISSUED:
            reasons.append(f"already has an outcome ({member.get_outcome_display().lower()})")
        outcome = AGENCY_IMPORT_OUTCOMES.get(row.get("outcome", "").lower())
        if outcome is None:
            reasons.append(
                f"outcome {row.get('outcome', '')!r} is not one of {', '.join(AGENCY_IMPORT_OUTCOMES)}"
            )
        try:
            when = _parse_when(row.get("interviewed_at", "")) or now
            if when > now + timedelta(minutes=5):
                reasons.append("interviewed_at is in the future")
        except ValueError as error:
            reasons.append(f"interviewed_at: {error}")
            when = now
        answers: dict[str, str] = {}
        if outcome == Outcome.COMPLETED and member is not None:
            for question in questions_of(member.sample.questionnaire):
                value = row.get(question.code, "")
                try:
                    if question.kind == "scale":
                        if not value and not question.is_core:
                            continue
                        answers[question.code] = _agency_answer(value) if value else ""
                        if not value:
                            raise ValueError("an answer is required")
                    elif question.kind == "yes_no":
                        value = value.lower()
                        if value and value not in YES_NO:
                            raise ValueError(f"{value!r} is not yes or no")
                        answers[question.code] = value or "no"  # not recorded: no
                    else:
                        answers[question.code] = answer_clean(question, value)
                except ValueError as error:
                    reasons.append(f"{question.code}: {error}")
        if reasons:
            result.rejected.append((line, serial, reasons))
        else:
            valid.append((member, outcome, when, answers))
    if strict and result.rejected:
        result.applied = False
        return result
    with transaction.atomic():
        for member, outcome, when, answers in valid:
            if outcome == Outcome.COMPLETED:
                response_record(member=member, answers=answers, mode=Mode.AGENCY, completed_at=when)
            else:
                SampleMember.objects.filter(pk=member.pk).update(outcome=outcome, outcome_at=when)
            result.imported += 1
    return result


# --- service recovery --------------------------------------------------------------------


def recovery_task_open(*, response: Response, member: SampleMember, at: datetime) -> RecoveryTask:
    task = RecoveryTask(
        response=response,
        member=member,
        force_id=response.force_id,
        created_at=at,
        due_at=_working_day_deadline(at, RECOVERY_WORKING_DAYS),
    )
    task.full_clean(exclude=["response", "member", "force"])
    task.save()
    return task


@transaction.atomic
def recovery_task_close(*, task: RecoveryTask, status: str, note: str, by=None) -> RecoveryTask:
    """Record how a call-back went."""
    if status not in RECOVERY_OUTCOMES:
        raise FieldworkError("choose how the call-back went")
    if task.status != RecoveryStatus.OPEN:
        raise FieldworkError("this call-back already has an outcome")
    task.status, task.outcome_note = status, note.strip()
    task.closed_at, task.closed_by = timezone.now(), by
    task.full_clean(exclude=["response", "member", "force"])
    task.save(update_fields=["status", "outcome_note", "closed_at", "closed_by"])
    return task
