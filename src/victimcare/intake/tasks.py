"""Background work of the reporting channels (django-tasks; `victimcare worker` runs it): the
follow-up of a new report, and the purge of expired report drafts."""

from django_tasks import task

from victimcare.accounts.models import User
from victimcare.cases.models import Case
from victimcare.intake.services import draft_purge_expired, report_follow_up


@task()
def report_follow_up_task(
    case_id: int, wants_visit: str, recorded_by_id: int | None, send_care_card: bool
) -> bool:
    """Record the visit answer and send the Victim Care Card of a new case."""

    case = (
        Case.objects.select_related("force", "crime_type", "officer_in_charge")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return False
    recorded_by = User.objects.filter(pk=recorded_by_id).first() if recorded_by_id else None
    report_follow_up(
        case=case, wants_visit=wants_visit, recorded_by=recorded_by, send_care_card=send_care_card
    )
    return True


@task()
def draft_purge_expired_task() -> int:
    """Delete report drafts past their 7 days. Starting a report purges them too, but this
    purges them when nobody starts one; the worker's schedule (victimcare/schedule.py)
    does it daily."""

    return draft_purge_expired()
