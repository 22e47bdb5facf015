"""The officer in charge of a case: assigned, reassigned or handed over with a note."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.care.constants import ObligationStatus
from victimcare.care.models import Obligation
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import care_event_record
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent

OFFICER_ROLES = (Role.OFFICER, Role.SUPERVISOR)
NOTE_MAX_LENGTH = 2000


def officers_assignable(*, force_id: int) -> list[User]:
    """The active officers and supervisors of a force's teams, by name."""
    return list(
        User.objects.filter(
            force_id=force_id, role__in=OFFICER_ROLES, is_active=True, team__isnull=False
        )
        .select_related("team")
        .order_by("last_name", "first_name", "username")
    )


@transaction.atomic
def case_officer_assign(
    *,
    case: Case,
    officer: User,
    by: User | None = None,
    note: str = "",
    at: datetime | None = None,
    idempotency_key: str = "",
) -> CaseEvent:
    """Put ``officer`` in charge of ``case`` (assign, reassign or hand over with a note).

    The officer must be an active officer of the case's own force; the case's open
    obligations follow the officer to their worklist. Records an ``officer_assigned``
    event carrying the officer's username and the note."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise CareError(f"The note must be {NOTE_MAX_LENGTH:,} characters or fewer", field="note")
    if (
        officer is None
        or officer.force_id != case.force_id
        or officer.role not in OFFICER_ROLES
        or not officer.is_active
    ):
        raise CareError("Choose an active officer of this force", field="officer")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.officer_in_charge_id == officer.pk:
        raise CareError(f"{officer} is already the officer in charge", field="officer")
    previous = case.officer_in_charge
    at = at or timezone.now()
    detail = {"officer": officer.username, "note": note}
    if previous is not None:
        detail["previous_officer"] = previous.username
    case.officer_in_charge = officer
    case.save(update_fields=["officer_in_charge"])
    event, _ = care_event_record(
        case=case,
        kind=EventKind.OFFICER_ASSIGNED,
        at=at,
        by=by,
        detail=detail,
        victim_text=f"{officer_title(officer)} is now the officer in charge of your case.",
        idempotency_key=idempotency_key,
    )
    Obligation.objects.filter(case=case, status=ObligationStatus.OPEN).update(officer=officer)
    return event


def officer_title(officer: User) -> str:
    """How a victim is told who their officer is: "PC Jones", "Sergeant Khan"."""
    if not officer.last_name:
        return str(officer)
    rank = "Sergeant" if officer.role == Role.SUPERVISOR else "PC"
    return f"{rank} {officer.last_name}"
