"""The domestic abuse victims' survey: a survey of its own, with safe contact rules.

The rules, each checked when a victim is proposed, when an officer approves, and again
when the invitation goes out (``da_contact_check``):

- **only by the victim's confirmed safe route**: the route recorded at the victim's latest
  needs assessment and confirmed safe with them (the same record the care app's referrals
  use); a phone must also be recorded as safe at intake; never a letter (an address may be
  shared with the person who harmed them), never a number or email address held by
  someone else on record;
- **an officer's approval before any contact** (``da_contact_decide``, audited);
- **no survey while the risk is high** (a ``risk_high`` survey flag, set from the case
  page, cleared when the risk is lowered), nor for a victim flagged not to be surveyed.

Answers go to ``DaResponse``, never ``Response``: the User Satisfaction Survey's sampling
frame excludes domestic abuse victims, and its figures read ``Response`` only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.audit.services import audit_record_create
from victimcare.care.constants import SafeRoute
from victimcare.care.selectors import needs_assessment_latest
from victimcare.cases.constants import AgeBand
from victimcare.cases.models import Victim, VictimPersonalDetails
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force
from victimcare.notifications.constants import NotificationChannel, Purpose
from victimcare.notifications.services import notification_queue
from victimcare.surveys.constants import (
    DA_FLAGGED,
    DA_LETTER,
    DA_LINK_DAYS,
    DA_MINIMUM_AGE,
    DA_NEEDS_APPROVAL,
    DA_NO_SAFE_ROUTE,
    DA_NOT_DOMESTIC_ABUSE,
    DA_OUTSIDE_WINDOW,
    DA_PHONE_NOT_SAFE,
    DA_RISK_HIGH,
    DA_SHARED,
    DEFAULT_WINDOW_WEEKS,
    CallOutcome,
    ContactRoute,
    DaContactStatus,
    FlagKind,
    Mode,
)
from victimcare.surveys.models import DaResponse, DaSurveyContact, Questionnaire, SurveyFlag
from victimcare.surveys.questionnaire import DATA, answer_clean, questions_of, questions_validate
from victimcare.surveys.sampling import default_fieldwork_on, london_midnight, month_add
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.tokens import token_for, token_hash, token_salt_new

DA_FILE: Path = DATA / "questionnaire_da.json"
# Flags that keep a victim out of this survey too (domestic_abuse is what puts them in).
DA_BLOCKING_FLAGS = (
    FlagKind.OFFICER_ON_DUTY,
    FlagKind.OPTED_OUT,
    FlagKind.DO_NOT_CONTACT,
    FlagKind.DECEASED,
)


class DaContactRefused(FieldworkError):
    """A domestic abuse victim may not be contacted for the survey; the message says why."""


@cache
def da_definition() -> dict[str, Any]:
    with DA_FILE.open(encoding="utf-8") as file:
        definition: dict[str, Any] = json.load(file)
    return definition


@transaction.atomic
def da_questionnaire_get() -> Questionnaire:
    """The domestic abuse survey's own questionnaire version, created on first use."""
    definition = da_definition()
    questions_validate(definition["questions"])
    questionnaire, _created = Questionnaire.objects.get_or_create(
        code=definition["code"],
        version=definition["version"],
        defaults={
            "title": definition["title"],
            "questions": definition["questions"],
            "created_at": timezone.now(),
        },
    )
    return questionnaire


def _is_domestic_abuse(victim: Victim) -> bool:
    return (
        bool(victim.case.crime_type.is_domestic_abuse)
        or SurveyFlag.objects.filter(victim=victim, kind=FlagKind.DOMESTIC_ABUSE).exists()
    )


def _phone_key(phone: str) -> str:
    return phone.replace(" ", "").replace("-", "").replace("+44", "0")


def _shared(details: VictimPersonalDetails, route: str) -> bool:
    """Whether the route's number or address is held by another person on record (a
    victim record under another name): a shared contact is never used."""
    others = VictimPersonalDetails.objects.exclude(victim=details.victim).exclude(
        Q(given_name__iexact=details.given_name) & Q(family_name__iexact=details.family_name)
    )
    if route == ContactRoute.EMAIL:
        return others.filter(email__iexact=details.email.strip()).exists()
    key = _phone_key(details.phone)
    digits = key[-9:]  # a cheap filter in the database, the exact match here
    return any(
        _phone_key(phone) == key
        for phone in others.filter(phone__contains=digits[-4:]).values_list("phone", flat=True)
    )


def da_safe_route(victim: Victim) -> str:
    """The victim's confirmed safe route as a survey contact route (email or phone), or
    DaContactRefused saying why there is none."""
    assessment = needs_assessment_latest(victim=victim)
    if assessment is None or not assessment.safe_route or not assessment.safe_route_confirmed:
        raise DaContactRefused(DA_NO_SAFE_ROUTE)
    if assessment.safe_route == SafeRoute.LETTER:
        raise DaContactRefused(DA_LETTER)
    details = getattr(victim, "personal_details", None)
    if details is None:
        raise DaContactRefused(DA_NO_SAFE_ROUTE)
    if assessment.safe_route == SafeRoute.PHONE:
        if not details.phone:
            raise DaContactRefused(DA_NO_SAFE_ROUTE)
        if details.phone_is_safe is not True:
            raise DaContactRefused(DA_PHONE_NOT_SAFE)
        route = str(ContactRoute.PHONE)
    else:
        if not details.email:
            raise DaContactRefused(DA_NO_SAFE_ROUTE)
        route = str(ContactRoute.EMAIL)
    if _shared(details, route):
        raise DaContactRefused(
            DA_SHARED.format(route="phone number" if route == ContactRoute.PHONE else "email")
        )
    return route


def da_contact_check(victim: Victim) -> str:
    """The route by which ``victim`` may be contacted for the domestic abuse survey now,
    or DaContactRefused with the rule that forbids it."""
    if not _is_domestic_abuse(victim):
        raise DaContactRefused(DA_NOT_DOMESTIC_ABUSE)
    kinds = set(SurveyFlag.objects.filter(victim=victim).values_list("kind", flat=True))
    if FlagKind.RISK_HIGH in kinds:
        raise DaContactRefused(DA_RISK_HIGH)
    if kinds.intersection(DA_BLOCKING_FLAGS):
        raise DaContactRefused(DA_FLAGGED)
    return da_safe_route(victim)


@dataclass
class DaProposal:
    """What proposing a month's domestic abuse victims did: contacts proposed, and the
    others counted by the rule that kept them out."""

    proposed: list[DaSurveyContact] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)


def _too_young(victim: Victim, on: date) -> bool:
    details = getattr(victim, "personal_details", None)
    born: date | None = details.date_of_birth if details is not None else None
    if born is None:
        return bool(victim.age_band == AgeBand.UNDER_16)
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return age < DA_MINIMUM_AGE


def da_window(fieldwork_on: date) -> tuple[datetime, datetime]:
    """The reports fieldwork on ``fieldwork_on`` may reach: reported 6 to 12 weeks
    before (the User Satisfaction Survey's window, ``DEFAULT_WINDOW_WEEKS``, counted as
    ``sampling_frame_build`` counts it), as [start, end) instants in London."""
    low, high = DEFAULT_WINDOW_WEEKS
    return (
        london_midnight(fieldwork_on - timedelta(weeks=high)),
        london_midnight(fieldwork_on - timedelta(weeks=low) + timedelta(days=1)),
    )


@transaction.atomic
def da_contacts_propose(
    *,
    force: Force,
    month: date,
    at: datetime | None = None,
    fieldwork_on: date | None = None,
) -> DaProposal:
    """Propose for the domestic abuse survey every domestic abuse victim (the crime type,
    or a domestic_abuse flag) of ``force``'s reports in ``month`` who may be contacted
    (``da_contact_check``), each awaiting an officer's approval. As in the User
    Satisfaction Survey, only reports 6 to 12 weeks old on the fieldwork day
    (``da_window``; by default the month's end plus 6 weeks, ``default_fieldwork_on``):
    the others are counted as outside the window. Victims already proposed are left as
    they are."""
    at = at or timezone.now()
    month = month.replace(day=1)
    start, end = london_midnight(month), london_midnight(month_add(month, 1))
    window_start, window_end = da_window(fieldwork_on or default_fieldwork_on(month))
    victims = (
        Victim.objects.filter(
            case__force=force, case__reported_at__gte=start, case__reported_at__lt=end
        )
        .filter(
            Q(case__crime_type__is_domestic_abuse=True)
            | Q(pk__in=SurveyFlag.objects.filter(kind=FlagKind.DOMESTIC_ABUSE).values("victim"))
        )
        .exclude(pk__in=DaSurveyContact.objects.values("victim"))
        .select_related("case__crime_type", "personal_details")
        .order_by("pk")
    )
    questionnaire = da_questionnaire_get()
    result = DaProposal()
    for victim in victims:
        try:
            if not window_start <= victim.case.reported_at < window_end:
                raise DaContactRefused(DA_OUTSIDE_WINDOW)
            if _too_young(victim, at.date()):
                raise DaContactRefused(f"under {DA_MINIMUM_AGE}")
            route = da_contact_check(victim)
        except DaContactRefused as refused:
            result.excluded[str(refused)] = result.excluded.get(str(refused), 0) + 1
            continue
        contact = DaSurveyContact(
            victim=victim,
            force=force,
            area_id=victim.case.area_id,
            month=month,
            questionnaire=questionnaire,
            route=route,
            proposed_at=at,
        )
        contact.full_clean(exclude=["victim", "force", "area", "questionnaire"])
        contact.save()
        result.proposed.append(contact)
    return result


@transaction.atomic
def da_contact_decide(
    *, contact: DaSurveyContact, by: User, approve: bool, note: str = ""
) -> DaSurveyContact:
    """An officer approves (or does not approve) contacting a proposed victim. Approval
    re-checks the rules (the risk may have risen, the safe route changed); either way the
    decision is written to the audit log, since it is a judgement on the victim's contact
    details. Callers scope ``contact`` to the officer's force first."""
    contact = DaSurveyContact.objects.select_for_update().get(pk=contact.pk)
    if contact.status != DaContactStatus.PROPOSED:
        raise FieldworkError(f"this contact was already decided ({contact.get_status_display()})")
    victim = Victim.objects.select_related("case__crime_type", "personal_details").get(
        pk=contact.victim_id
    )
    if approve:
        contact.route = da_contact_check(victim)
    contact.status = DaContactStatus.APPROVED if approve else DaContactStatus.REFUSED
    contact.decided_at, contact.decided_by = timezone.now(), by
    contact.note = note.strip()[:300]
    contact.full_clean(exclude=["victim", "force", "area", "questionnaire", "decided_by"])
    contact.save(update_fields=["status", "route", "decided_at", "decided_by", "note"])
    verdict = "approved" if approve else "did not approve"
    audit_record_create(
        user=by,
        victim=victim,
        page=f"Domestic abuse survey: {verdict} contact by {contact.get_route_display()}",
    )
    return contact


def da_invitation_send(*, contact: DaSurveyContact, at: datetime | None = None) -> DaSurveyContact:
    """Invite an approved victim by their confirmed safe route. Refused without an
    officer's approval; withdrawn (never sent, and kept withdrawn) when a rule now
    forbids contact or the safe route is no longer the one approved."""
    with transaction.atomic():
        contact = DaSurveyContact.objects.select_for_update().get(pk=contact.pk)
        if contact.status != DaContactStatus.APPROVED:
            raise DaContactRefused(DA_NEEDS_APPROVAL)
        victim = Victim.objects.select_related("case__crime_type", "personal_details").get(
            pk=contact.victim_id
        )
        try:
            route = da_contact_check(victim)
            if route != contact.route:
                raise DaContactRefused(DA_NEEDS_APPROVAL)
        except DaContactRefused as refused:
            contact.status, contact.note = DaContactStatus.WITHDRAWN, str(refused)[:300]
            contact.save(update_fields=["status", "note"])
            refusal = refused
        else:
            contact.status, contact.invited_at = DaContactStatus.INVITED, at or timezone.now()
            contact.save(update_fields=["status", "invited_at"])
            if contact.route == ContactRoute.EMAIL:
                _invitation_email(contact=contact, victim=victim)
            # A phone route is called by the force's survey staff (the telephone screen):
            # no text message, which could be read by someone else on the handset later.
            return contact
    raise refusal


# Neutral wording: nothing in the subject or the body says what the survey is about, in
# case someone else sees the message.
INVITATION_SUBJECT = "How did we do?"
INVITATION_BODY = (
    "You were in touch with {force} a few weeks ago. We would like to know how well we "
    "dealt with what you told us. It takes about 5 minutes: {link}\n\n"
    "This link works once, until {until}. Taking part is up to you: if you would rather "
    "not, you need do nothing."
)


def da_survey_path(contact: DaSurveyContact) -> str:
    """The path of a contact's single-use link (the token is rebuilt, never stored)."""
    return reverse("surveys:feedback-start", kwargs={"token": token_for(contact.token_salt)})


def _invitation_email(*, contact: DaSurveyContact, victim: Victim) -> None:
    """Give the contact a single-use link and email it to the victim's confirmed safe
    address only (``notification_queue`` directly: ``victim_notify`` could fall back to
    another channel), with a neutral subject and body."""
    salt = token_salt_new()
    contact.token_salt, contact.token_hash = salt, token_hash(token_for(salt))
    contact.expires_at = (contact.invited_at or timezone.now()) + timedelta(days=DA_LINK_DAYS)
    contact.save(update_fields=["token_salt", "token_hash", "expires_at"])
    base = str(getattr(settings, "PUBLIC_URL", "")).rstrip("/")
    until = timezone.localtime(contact.expires_at, LONDON)
    notification_queue(
        channel=NotificationChannel.EMAIL,
        recipient=victim.personal_details.email,
        subject=INVITATION_SUBJECT,
        body=INVITATION_BODY.format(
            force=contact.force.name, link=base + da_survey_path(contact), until=f"{until:%d %B %Y}"
        ),
        idempotency_key=f"feedback:{contact.pk}",
        purpose=Purpose.UPDATE,
        case=victim.case,
        sensitive=True,  # the body carries the single-use link
    )


@transaction.atomic
def da_web_answer_save(*, contact: DaSurveyContact, code: str, value: str | None) -> str:
    """Keep one web answer until the victim sends them all; ValueError if invalid."""
    questions = {q.code: q for q in questions_of(contact.questionnaire)}
    question = questions.get(code)
    if question is None:
        raise FieldworkError("no such question")
    cleaned = answer_clean(question, value)
    contact.draft = {**contact.draft, code: cleaned}
    contact.save(update_fields=["draft"])
    return cleaned


@transaction.atomic
def da_web_submit(*, contact: DaSurveyContact, at: datetime | None = None) -> DaResponse:
    """Send a victim's web answers (their draft): the link is spent with it."""
    response = da_response_record(
        contact=contact, answers=dict(contact.draft), mode=Mode.WEB, completed_at=at
    )
    DaSurveyContact.objects.filter(pk=contact.pk).update(draft={})
    return response


@transaction.atomic
def da_interview_details_disclose(
    *, user: User, contact: DaSurveyContact, page: str
) -> VictimPersonalDetails:
    """The name and safe number an interviewer needs to call an approved victim, read for
    ``user`` on ``page`` and written to the audit log in the same transaction. The safe
    contact rules are checked again first (DaContactRefused: the risk may have risen, the
    safe route changed): nothing is shown then."""
    victim = Victim.objects.select_related("case__crime_type", "personal_details").get(
        pk=contact.victim_id
    )
    if da_contact_check(victim) != ContactRoute.PHONE:
        raise DaContactRefused(DA_NEEDS_APPROVAL)
    audit_record_create(user=user, victim=victim, page=page)
    details: VictimPersonalDetails = victim.personal_details
    return details


# A call that ends the contact: the victim said no, the number was wrong, or it was not
# safe or right to go on (ineligible). Others (no answer, call back) keep it in the queue.
CALL_CLOSES = (CallOutcome.REFUSED, CallOutcome.WRONG_NUMBER, CallOutcome.INELIGIBLE)


@transaction.atomic
def da_call_record(
    *,
    contact: DaSurveyContact,
    outcome: str,
    by: User,
    answers: Mapping[str, str] | None = None,
    at: datetime | None = None,
) -> DaSurveyContact:
    """Record a telephone call to an approved victim whose safe route is a phone: a
    completed interview stores the answers (``da_response_record``); a refusal, wrong
    number or ineligible closes the contact as declined; no answer or a call-back keeps it
    in the interviewers' queue. Every call is written to the audit log."""
    at = at or timezone.now()
    if outcome not in CallOutcome.values:
        raise FieldworkError(f"unknown call outcome {outcome!r}")
    contact = DaSurveyContact.objects.select_for_update().get(pk=contact.pk)
    if contact.status != DaContactStatus.INVITED or contact.route != ContactRoute.PHONE:
        raise FieldworkError("this contact is not waiting for a call")
    contact.attempts += 1
    contact.save(update_fields=["attempts"])
    if outcome == CallOutcome.COMPLETED:
        da_response_record(
            contact=contact, answers=dict(answers or {}), mode=Mode.TELEPHONE, completed_at=at
        )
    elif outcome in CALL_CLOSES:
        contact.status = DaContactStatus.DECLINED
        contact.note = str(CallOutcome(outcome).label)[:300]
        contact.save(update_fields=["status", "note"])
    audit_record_create(
        user=by,
        victim=Victim.objects.select_related("case").get(pk=contact.victim_id),
        page=f"Domestic abuse survey: call recorded ({CallOutcome(outcome).label})",
    )
    contact.refresh_from_db()
    return contact


@transaction.atomic
def da_response_record(
    *,
    contact: DaSurveyContact,
    answers: dict[str, str],
    mode: str,
    completed_at: datetime | None = None,
    synthetic: bool = False,
) -> DaResponse:
    """An invited victim's answers to the domestic abuse questionnaire, under their
    pseudonym, in the domestic abuse survey's own table. Nothing is written when an
    answer is invalid (ValueError) or the victim was never invited (DaContactRefused)."""
    contact = (
        DaSurveyContact.objects.select_for_update()
        .select_related("questionnaire", "victim")
        .get(pk=contact.pk)
    )
    if contact.status != DaContactStatus.INVITED:
        raise DaContactRefused(DA_NEEDS_APPROVAL)
    cleaned = {}
    for question in questions_of(contact.questionnaire):
        value = answer_clean(question, answers.get(question.code))
        if value:
            cleaned[question.code] = value
    response = DaResponse(
        questionnaire=contact.questionnaire,
        respondent=contact.victim.pseudonym,
        force_id=contact.force_id,
        area_id=contact.area_id,
        month=contact.month,
        mode=mode,
        completed_at=completed_at or timezone.now(),
        answers=cleaned,
        synthetic=synthetic,
    )
    response.full_clean(exclude=["questionnaire", "force", "area"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise FieldworkError("this victim has already answered the survey") from None
    contact.status = DaContactStatus.COMPLETED
    contact.save(update_fields=["status"])
    return response
