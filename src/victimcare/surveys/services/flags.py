"""Survey flags on a victim: do not survey, opted out."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases.models import Victim
from victimcare.surveys.constants import (
    FlagKind,
    Outcome,
)
from victimcare.surveys.models import (
    SampleMember,
    SurveyFlag,
)
from victimcare.surveys.services.errors import FieldworkError


@transaction.atomic
def survey_flag_set(
    *, victim: Victim, kind: str, by: User | None = None, at: datetime | None = None
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
