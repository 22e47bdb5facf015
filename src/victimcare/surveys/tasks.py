"""Background fieldwork (django-tasks; `victimcare worker` runs the queue).

Enqueue ``survey_fieldwork_update_task`` daily (or run `victimcare survey invite
--force CODE`): it sends reminders that are due and closes expired survey links.
"""

from django_tasks import task


@task()
def survey_fieldwork_update_task() -> dict:
    from victimcare.surveys.services import fieldwork_update

    return fieldwork_update()
