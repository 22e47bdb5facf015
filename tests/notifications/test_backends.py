"""The console and file message backends (development and the demo) keep no secret and
keep personal data private and briefly: files 0600 in 0700 folders, gone after 7 days; a
message carrying a sign-in code or a single-use link is written without its text."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import case_make, force_make
from victimcare.notifications import backends
from victimcare.notifications.backends import MASK, WITHHELD

pytestmark = pytest.mark.django_db

LINK = "http://testserver/track/link/?token=eyJ2Ijoi.secret-part"
FILE_EMAIL = "victimcare.notifications.backends.FileEmailBackend"
CONSOLE_EMAIL = "victimcare.notifications.backends.ConsoleEmailBackend"
FILE_SMS = "victimcare.notifications.backends.FileSmsClient"
CONSOLE_SMS = "victimcare.notifications.backends.ConsoleSmsClient"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def written(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def files(settings, tmp_path):
    settings.EMAIL_BACKEND = FILE_EMAIL
    settings.EMAIL_FILE_PATH = tmp_path / "var" / "email"
    settings.NOTIFICATIONS_SMS_BACKEND = FILE_SMS
    settings.NOTIFICATIONS_SMS_DIR = tmp_path / "var" / "sms"
    return tmp_path / "var"


def send_both(*, body: str, secret: bool) -> None:
    backends.email_send(
        to="ada@example.com", subject="Your code", body=body, reference="r1", secret=secret
    )
    backends.sms_send(phone_number="07700 900123", body=body, reference="r2", secret=secret)


def test_the_file_backends_write_private_files_in_private_folders(files):
    send_both(body="Your case has an update.", secret=False)
    for folder in (files / "email", files / "sms"):
        assert mode(folder) == 0o700
        [file] = list(folder.iterdir())
        assert mode(file) == 0o600
        assert "Your case has an update." in file.read_text(encoding="utf-8")


def test_the_file_backends_never_write_a_message_that_carries_a_secret(files):
    send_both(body="Your code to see crime reference MPS-26-000001 is 493817.", secret=True)
    text = written(files)
    assert "493817" not in text
    assert text.count(WITHHELD[:40]) == 2  # the email and the text message
    assert "ada@example.com" in text  # the envelope stays, for a developer to follow


def test_the_file_backends_mask_the_token_of_a_sign_in_link(files):
    send_both(body=f"Reply or see your case: {LINK}", secret=False)
    text = written(files)
    assert "secret-part" not in text
    assert f"?token={MASK}" in text


@pytest.mark.parametrize(("email", "sms"), [(CONSOLE_EMAIL, CONSOLE_SMS)])
def test_the_console_backends_never_print_a_secret(settings, capsys, email, sms):
    settings.EMAIL_BACKEND, settings.NOTIFICATIONS_SMS_BACKEND = email, sms
    send_both(body="Your code is 493817.", secret=True)
    send_both(body=f"See your case: {LINK}", secret=False)
    printed = capsys.readouterr().out
    assert "493817" not in printed
    assert "secret-part" not in printed
    assert WITHHELD[:40] in printed


def test_the_file_backends_delete_files_older_than_seven_days_when_writing(files, settings):
    send_both(body="first", secret=False)
    old = time.time() - 8 * 86400
    recent = time.time() - 6 * 86400
    kept, stale = files / "sms" / "outbox-2020-01-02.jsonl", files / "sms" / "outbox.jsonl"
    stale_mail, kept_mail = files / "email" / "20200101-old.log", files / "email" / "recent.log"
    for path, at in ((stale, old), (stale_mail, old), (kept, recent), (kept_mail, recent)):
        path.write_text("x")
        os.utime(path, (at, at))
    send_both(body="second", secret=False)
    assert not stale.exists()
    assert not stale_mail.exists()
    assert kept.exists()
    assert kept_mail.exists()
    assert settings.MESSAGE_FILES_KEEP_DAYS == 7


def test_a_text_message_file_is_one_json_line_per_message(files):
    send_both(body="one", secret=False)
    send_both(body="two", secret=False)
    [outbox] = list((files / "sms").iterdir())
    assert re.fullmatch(r"outbox-\d{4}-\d{2}-\d{2}\.jsonl", outbox.name)
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [line["personalisation"]["body"] for line in lines] == ["one", "two"]


def test_the_memory_backends_of_the_tests_keep_the_secret(notifications_in_memory, settings):
    """Tests and the browser journeys read the code from memory, never from a file."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_both(body="Your code is 493817.", secret=True)
    assert "493817" in mail.outbox[-1].body
    assert "493817" in notifications_in_memory[-1]["personalisation"]["body"]


def test_letters_for_printing_are_private_files(settings, tmp_path):
    settings.NOTIFICATIONS_LETTER_DIR = tmp_path / "letters"
    name = backends.letter_queue(
        address="Ada Testperson\n1 High Street", subject="s", body="b", reference="letter:1"
    )
    assert mode(tmp_path / "letters") == 0o700
    assert mode(tmp_path / "letters" / name) == 0o600


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_track_my_case_code_reaches_no_file(client, files, settings, monkeypatch, channel):
    """The whole journey: a victim asks for a code; the outbox files hold no code."""
    monkeypatch.setattr("victimcare.portal.services.secrets.randbelow", lambda _n: 493817)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case = case_make(force=force_make("MPS", "Metropolitan Police Service"))
    details = case.victims.get().personal_details
    details.preferred_contact = channel
    details.save()
    client.post(reverse("portal:start"), {"reference": case.reference})
    folder = files / ("email" if channel == "email" else "sms")
    text = written(folder)
    assert WITHHELD[:40] in text  # the message went, to the file of its channel, without text
    assert "493817" not in written(files)
