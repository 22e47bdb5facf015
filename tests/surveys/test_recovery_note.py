"""A call-back is closed with a note of what was said and done: an empty note is a form
error on the page and refused by the service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import staff_make
from tests.surveys.factories import answers
from tests.surveys.test_fieldwork import mps, phone_sample  # noqa: F401 (mps is a fixture)
from victimcare.accounts.constants import Role
from victimcare.surveys.constants import Mode, RecoveryStatus
from victimcare.surveys.models import RecoveryTask
from victimcare.surveys.services import FieldworkError, recovery_task_close, response_record

pytestmark = pytest.mark.django_db

EMPTY_NOTES = ["", "   ", "\n\t"]


@pytest.fixture
def task(mps):  # noqa: F811 (the fixture imported above)
    member = phone_sample(mps).members.get()
    response_record(
        member=member,
        answers=answers(whole_experience="completely_dissatisfied", agrees_to_contact="yes"),
        mode=Mode.TELEPHONE,
    )
    return RecoveryTask.objects.get()


@pytest.mark.parametrize("note", EMPTY_NOTES)
def test_a_call_back_needs_a_note_to_close(client, task, note):
    client.force_login(staff_make(Role.SUPERVISOR, force=task.force))
    response = client.post(
        reverse("surveys:recovery-task", kwargs={"pk": task.pk}), {"status": "done", "note": note}
    )
    assert response.status_code == 400
    assert "Write what was said and done on the call-back" in response.content.decode()
    task.refresh_from_db()
    assert task.status == RecoveryStatus.OPEN
    with pytest.raises(FieldworkError, match="write what was said and done"):
        recovery_task_close(task=task, status="done", note=note)
