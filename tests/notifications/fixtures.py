"""Fixtures shared by the notifications, intake and portal tests: background tasks run at
once, text messages go to memory, letters to a temporary folder."""

import pytest

from victimcare.notifications.backends import MemorySmsClient


@pytest.fixture(autouse=True)
def notifications_in_memory(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.NOTIFICATIONS_SMS_BACKEND = "victimcare.notifications.backends.MemorySmsClient"
    settings.NOTIFICATIONS_LETTER_DIR = tmp_path / "letters"
    settings.PUBLIC_URL = "http://testserver"
    MemorySmsClient.outbox.clear()
    yield MemorySmsClient.outbox
    MemorySmsClient.outbox.clear()
