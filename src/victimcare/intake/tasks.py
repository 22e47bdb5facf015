"""Background work of the reporting channels (django-tasks; `victimcare worker` runs it)."""

from django_tasks import task


@task()
def care_card_send_task(case_id: int) -> int:
    """Send a new case's Victim Care Card. Queued in the report's own transaction, so the
    card goes out exactly when the case exists, without holding up the report."""
    from victimcare.cases.models import Case
    from victimcare.intake.services import care_card_send

    case = (
        Case.objects.select_related("force", "crime_type", "officer_in_charge")
        .filter(pk=case_id)
        .first()
    )
    return care_card_send(case=case) if case is not None else 0
