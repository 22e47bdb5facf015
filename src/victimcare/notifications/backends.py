"""Delivery backends: email (Django's email backends), SMS (shaped like GOV.UK Notify's
client, so a Notify client can be dropped in), letters (queued for printing).

Every backend returns a provider reference and raises ``DeliveryError`` (or any exception)
when delivery fails; the caller retries. Nothing here logs a recipient or a message body.

The console and file backends (development and the demo; production refuses the file
ones, see config/env.py) keep a copy of what they "send". They never write a secret: a
message carrying a sign-in code or a single-use link (``secret=True``) is written without
its text, and any ``token=`` of a sign-in link is masked. Their files are 0600 in 0700
folders, and files older than ``MESSAGE_FILES_KEEP_DAYS`` are deleted as new ones are written.
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends import console, filebased
from django.utils import timezone
from django.utils.module_loading import import_string

from victimcare.core.private_files import PRIVATE_FILE_MODE, private_dir

# What the console and file backends write instead of a message that carries a secret.
WITHHELD = (
    "[Text withheld: this message carries a one-time sign-in code or a single-use link, "
    "which victimcare never writes to files or consoles. In the demo, Track my case shows "
    "the code on its own page.]"
)
MASK = "******"
# The attribute of an EmailMessage that marks it as carrying a secret.
CARRIES_SECRET = "victimcare_carries_secret"  # noqa: S105 - an attribute name
_LINK_TOKEN = re.compile(r"([?&]token=)[^\s&#]+")


def text_for_copies(text: str) -> str:
    """``text`` as a console or file backend may keep it: sign-in link tokens masked."""
    return _LINK_TOKEN.sub(lambda m: m.group(1) + MASK, text)


def message_files_prune(folder: Path, pattern: str) -> int:
    """Delete the files matching ``pattern`` in ``folder`` last written before the keeping
    period (``MESSAGE_FILES_KEEP_DAYS``); returns how many."""
    cutoff = time.time() - settings.MESSAGE_FILES_KEEP_DAYS * 86400
    removed = 0
    for path in folder.glob(pattern):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another process pruned it first
            continue
    return removed


def _private_append(path: Path):
    """``path`` opened to append bytes, created 0600 (the mode is given to open(2))."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    return os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), "ab")


def _email_as_kept(message: EmailMessage) -> EmailMessage:
    """The message as the console and file backends may keep it."""
    kept = copy.copy(message)
    if getattr(message, CARRIES_SECRET, False):
        kept.body = WITHHELD
        kept.attachments = []
        if isinstance(kept, EmailMultiAlternatives):
            kept.alternatives = []
    else:
        kept.body = text_for_copies(str(message.body))
    return kept


class ConsoleEmailBackend(console.EmailBackend):
    """Django's console backend, never printing a secret."""

    def write_message(self, message):
        super().write_message(_email_as_kept(message))


class FileEmailBackend(filebased.EmailBackend):
    """Django's file backend (one .log file per connection under EMAIL_FILE_PATH), never
    writing a secret; files 0600 in a 0700 folder, kept MESSAGE_FILES_KEEP_DAYS days."""

    def __init__(self, *args, file_path=None, **kwargs):
        folder = Path(file_path if file_path is not None else settings.EMAIL_FILE_PATH)
        private_dir(folder.resolve())
        super().__init__(*args, file_path=file_path, **kwargs)

    def write_message(self, message):
        super().write_message(_email_as_kept(message))

    def open(self):
        if self.stream is None:
            message_files_prune(Path(self.file_path), "*.log")
            self.stream = _private_append(Path(self._get_filename()))
            return True
        return False


class DeliveryError(Exception):
    """The provider refused or could not take the message; safe to retry."""


class SmsClient(Protocol):
    """The part of GOV.UK Notify's ``NotificationsAPIClient`` that victimcare uses."""

    def send_sms_notification(
        self, *, phone_number: str, template_id: str, personalisation: dict, reference: str
    ) -> dict: ...


def _masked(phone_number: str) -> str:
    digits = "".join(ch for ch in phone_number if ch.isdigit())
    return f"*******{digits[-3:]}" if digits else "?"


class ConsoleSmsClient:
    """Development: prints the message with the number masked."""

    keeps_copies = True  # sms_send gives it no secret

    def send_sms_notification(self, *, phone_number, template_id, personalisation, reference):  # noqa: ARG002 (the SmsClient signature)
        body = text_for_copies(personalisation.get("body", ""))
        print(f"[sms to {_masked(phone_number)}] {body}", flush=True)
        return {"id": str(uuid.uuid4()), "reference": reference}


class FileSmsClient:
    """Development and the demo: appends each message as a JSON line to a file a day,
    var/sms/outbox-YYYY-MM-DD.jsonl (0600, in a 0700 folder); files older than
    MESSAGE_FILES_KEEP_DAYS are deleted as messages are written."""

    keeps_copies = True  # sms_send gives it no secret
    _lock = threading.Lock()

    def send_sms_notification(self, *, phone_number, template_id, personalisation, reference):
        folder = private_dir(Path(settings.NOTIFICATIONS_SMS_DIR))
        notification_id = str(uuid.uuid4())
        personalisation = {
            **personalisation,
            "body": text_for_copies(personalisation.get("body", "")),
        }
        line = json.dumps(
            {
                "id": notification_id,
                "phone_number": phone_number,
                "template_id": template_id,
                "personalisation": personalisation,
                "reference": reference,
                "at": timezone.now().isoformat(),
            }
        )
        outbox = folder / f"outbox-{timezone.localdate():%Y-%m-%d}.jsonl"
        with self._lock:
            message_files_prune(folder, "outbox*.jsonl")
            with _private_append(outbox) as file:
                file.write((line + "\n").encode("utf-8"))
        return {"id": notification_id, "reference": reference}


class MemorySmsClient:
    """Tests: keeps messages in ``MemorySmsClient.outbox`` (shared by every instance)."""

    outbox: list[dict] = []

    def send_sms_notification(self, *, phone_number, template_id, personalisation, reference):
        message = {
            "id": str(uuid.uuid4()),
            "phone_number": phone_number,
            "template_id": template_id,
            "personalisation": personalisation,
            "reference": reference,
        }
        self.outbox.append(message)
        return {"id": message["id"], "reference": reference}


class FailingSmsClient:
    """Tests: a provider that is down."""

    def send_sms_notification(self, *, phone_number, template_id, personalisation, reference):  # noqa: ARG002 (the SmsClient signature)
        raise DeliveryError("SMS provider unavailable")


SMS_TEMPLATE_ID = "victimcare-message"


def sms_client() -> SmsClient:
    return import_string(settings.NOTIFICATIONS_SMS_BACKEND)()


def sms_send(*, phone_number: str, body: str, reference: str, secret: bool = False) -> str:
    """Send a text message. ``secret``: it carries a sign-in code or a single-use link, so a
    client that keeps copies (console, file) is given a placeholder instead of the text."""
    client = sms_client()
    if secret and getattr(client, "keeps_copies", False):
        body = WITHHELD
    response = client.send_sms_notification(
        phone_number=phone_number,
        template_id=SMS_TEMPLATE_ID,
        personalisation={"body": body},
        reference=reference,
    )
    return str(response.get("id", ""))


def email_send(*, to: str, subject: str, body: str, reference: str, secret: bool = False) -> str:
    """Send an email. ``secret``: it carries a sign-in code or a single-use link, which the
    console and file backends then do not write."""
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-Victimcare-Reference": reference},
    )
    setattr(message, CARRIES_SECRET, secret)
    if message.send(fail_silently=False) != 1:
        raise DeliveryError("email backend did not accept the message")
    return reference


def letter_queue(*, address: str, subject: str, body: str, reference: str) -> str:
    """Queue a letter for printing: one text file per letter in the print folder."""
    folder = private_dir(Path(settings.NOTIFICATIONS_LETTER_DIR))
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in reference)[:150]
    path = folder / f"{safe_name}.txt"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    with os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), "w", encoding="utf-8") as letter:
        letter.write(f"{address}\n\n{subject}\n\n{body}\n")
    return path.name
