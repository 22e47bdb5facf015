"""Background work of the care app (django-tasks; `victimcare worker` runs the queue)."""

from django_tasks import task


@task()
def obligations_mark_breached_task() -> int:
    """Mark overdue obligations breached and raise their alerts. Idempotent and cheap:
    enqueue it as often as you like (every few minutes)."""
    from victimcare.care.services import obligations_mark_breached

    return obligations_mark_breached()
