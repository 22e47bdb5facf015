"""Background delivery (django-tasks; `victimcare worker` runs the queue)."""

from django_tasks import task

from victimcare.notifications.services import notification_deliver


@task()
def notification_deliver_task(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)
