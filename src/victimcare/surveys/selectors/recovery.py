"""Reads for service recovery: call-backs, what is known of the victim to redact, flags."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.cases.models import Victim, VictimPersonalDetails
from victimcare.surveys.constants import (
    RecoveryStatus,
)
from victimcare.surveys.models import (
    RecoveryTask,
    Response,
    Sample,
    SampleStratum,
    SurveyFlag,
)
from victimcare.surveys.redaction import NOTHING_KNOWN, KnownPersonalData, comment_redact


def recovery_tasks_for_user(*, user: User, status: str = RecoveryStatus.OPEN) -> QuerySet:
    if not has_capability(user, Capability.SERVICE_RECOVERY) or user.force_id is None:
        return RecoveryTask.objects.none()
    tasks = RecoveryTask.objects.filter(force_id=user.force_id).select_related(
        "response", "response__area", "member__victim__case"
    )
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("due_at", "id")


def recovery_task_get(*, user: User, pk: int) -> RecoveryTask:
    task = recovery_tasks_for_user(user=user, status="").filter(pk=pk).first()
    if task is None:
        raise Http404("No such call-back in your force")
    return task


def case_known_personal_data(*, case_ids: Iterable[int]) -> dict[int, KnownPersonalData]:
    """For redaction only: what each case knows of the people a victim's comment may
    name (every victim's names, email, phone and postcode, the officer in charge's name,
    the crime reference). Nothing of it is shown, so reading it writes no audit record."""
    case_ids = set(case_ids)
    if not case_ids:
        return {}
    found: dict[int, dict[str, list[str]]] = {}
    cases = Victim.objects.filter(case_id__in=case_ids).values_list(
        "case_id",
        "case__reference",
        "case__officer_in_charge__first_name",
        "case__officer_in_charge__last_name",
    )
    for case_id, reference, officer_first, officer_last in cases:
        known = found.setdefault(
            case_id, {"names": [], "emails": [], "phones": [], "postcodes": [], "references": []}
        )
        known["references"] = [reference]
        officer = f"{officer_first or ''} {officer_last or ''}".strip()
        known["names"] = [officer] if officer else []
    details = VictimPersonalDetails.objects.filter(victim__case_id__in=case_ids).values_list(
        "victim__case_id", "given_name", "family_name", "email", "phone", "postcode"
    )
    for case_id, given, family, email, phone, postcode in details:
        known = found[case_id]
        known["names"].append(f"{given} {family}")
        known["emails"].append(email)
        known["phones"].append(phone)
        known["postcodes"].append(postcode)
    return {
        case_id: KnownPersonalData(
            **{key: tuple(v for v in values if v) for key, values in known.items()}
        )
        for case_id, known in found.items()
    }


def response_comments_redacted(*, responses: Iterable[Response]) -> list[str]:
    """Each response's comment (in order) as staff who do not hold the case may read it:
    the names, contacts, postcode and crime reference known for the respondent's case
    removed first, then anything else that looks like personal data.

    A response has no link to its victim; the pseudonym finds the case here, and only
    the redacted text leaves this function."""
    responses = list(responses)
    pseudonyms = {r.respondent for r in responses if r.comments}
    case_of = dict(
        Victim.objects.filter(pseudonym__in=pseudonyms).values_list("pseudonym", "case_id")
        if pseudonyms
        else ()
    )
    known = case_known_personal_data(case_ids=case_of.values())
    return [
        comment_redact(r.comments, known=known.get(case_of.get(r.respondent), NOTHING_KNOWN))
        for r in responses
    ]


def recovery_summary(*, user: User, now: datetime | None = None) -> dict | None:
    """Open and overdue call-backs for the staff home panel."""
    if not has_capability(user, Capability.SERVICE_RECOVERY) or user.force_id is None:
        return None
    now = now or timezone.now()
    tasks = RecoveryTask.objects.filter(force_id=user.force_id, status=RecoveryStatus.OPEN)
    return {"open": tasks.count(), "overdue": tasks.filter(due_at__lt=now).count()}


def victim_survey_flags(*, victims: Iterable[Victim]) -> dict[int, list[SurveyFlag]]:
    """The survey flags of each victim (for the case page panel)."""
    victims = list(victims)
    flags: dict[int, list[SurveyFlag]] = {victim.pk: [] for victim in victims}
    for flag in SurveyFlag.objects.filter(victim__in=victims).order_by("kind"):
        flags[flag.victim_id].append(flag)
    return flags


def sample_strata(*, sample: Sample) -> QuerySet[SampleStratum]:
    return sample.strata.select_related("area").order_by("key")
