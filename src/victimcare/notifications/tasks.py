"""Background delivery (django-tasks; `victimcare worker` runs the queue)."""

from django_tasks import task


@task()
def notification_deliver_task(notification_id: int) -> str:
    from victimcare.notifications.services import notification_deliver

    return notification_deliver(notification_id=notification_id)
