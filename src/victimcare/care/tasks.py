"""Background work of the care app (django-tasks; `victimcare worker` runs the queue)."""

from django_tasks import task

from victimcare.care.services import obligations_mark_breached


@task()
def obligations_mark_breached_task() -> int:
    """Mark overdue obligations breached and raise their alerts. Idempotent and cheap;
    the worker's schedule (victimcare/schedule.py) does it every 5 minutes."""

    return obligations_mark_breached()
