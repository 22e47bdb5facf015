"""Background fieldwork (django-tasks; `victimcare worker` runs the queue).

``survey_fieldwork_update_task`` sends reminders that are due and closes expired survey
links; the worker's schedule (victimcare/schedule.py) runs the same service every hour,
so nobody needs to enqueue it.
"""

from django_tasks import task

from victimcare.surveys.services import fieldwork_update


@task()
def survey_fieldwork_update_task() -> dict:
    return fieldwork_update()
