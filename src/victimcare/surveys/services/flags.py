"""Survey flags on a victim: do not survey, opted out."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.audit.services import audit_record_create
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Victim
from victimcare.cases.services import case_event_record
from victimcare.surveys.constants import (
    DA_RISK_NOTE_NEEDED,
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
def survey_flag_clear(
    *,
    victim: Victim,
    kind: str,
    by: User | None = None,
    note: str = "",
    at: datetime | None = None,
) -> bool:
    """Take a survey flag off a victim; whether there was one. Clearing ``risk_high``
    (the risk to a domestic abuse victim is lowered, so their survey may go ahead) is a
    judgement about the victim: it needs the staff member and a note of why, kept on the
    case as an internal note and written to the audit log."""
    if kind == FlagKind.RISK_HIGH and (by is None or not note.strip()):
        raise FieldworkError(DA_RISK_NOTE_NEEDED)
    deleted, _rows = SurveyFlag.objects.filter(victim=victim, kind=kind).delete()
    if kind == FlagKind.RISK_HIGH and deleted and by is not None:
        at = at or timezone.now()
        case_event_record(
            case=victim.case,
            kind=EventKind.NOTE,
            at=at,
            by=by,
            detail={
                "victim_id": victim.pk,
                "survey_flag_cleared": str(kind),
                "note": f"Survey: risk lowered, may be surveyed. {note.strip()[:500]}",
            },
        )
        audit_record_create(user=by, victim=victim, page="Survey: risk lowered, flag cleared")
    return bool(deleted)
