"""Answers and responses: the web survey, telephone interviews, and failed tokens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.audit.services import audit_record_create
from victimcare.cases.models import VictimPersonalDetails
from victimcare.surveys.constants import (
    DISSATISFIED,
    MAX_CALL_ATTEMPTS,
    CallOutcome,
    Mode,
    Outcome,
)
from victimcare.surveys.models import (
    CallAttempt,
    Questionnaire,
    Response,
    SampleMember,
    TokenFailure,
)
from victimcare.surveys.questionnaire import (
    answer_clean,
    questions_of,
)
from victimcare.surveys.selectors.fieldwork import care_markers
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.services.recovery import recovery_task_open


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
) -> tuple[dict[str, str], dict[str, str], str, bool]:
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
    by: User | None = None,
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
    closing: dict[str, str] = {
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


@transaction.atomic
def interview_details_disclose(
    *, user: User, member: SampleMember, page: str
) -> VictimPersonalDetails:
    """The personal details an interviewer needs to call a sampled victim, read for
    ``user`` on ``page``: the reading is written to the audit log in the same
    transaction, so no caller can show them without it."""
    victim = member.victim
    audit_record_create(user=user, victim=victim, page=page)
    return victim.personal_details
