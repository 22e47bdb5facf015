"""Delivery backends: email (Django's email backends), SMS (shaped like GOV.UK Notify's
client, so a Notify client can be dropped in), letters (queued for printing).

Every backend returns a provider reference and raises ``DeliveryError`` (or any exception)
when delivery fails; the caller retries. Nothing here logs a recipient or a message body.
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string


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

    def send_sms_notification(self, *, phone_number, template_id, personalisation, reference):
        print(f"[sms to {_masked(phone_number)}] {personalisation.get('body', '')}", flush=True)
        return {"id": str(uuid.uuid4()), "reference": reference}


class FileSmsClient:
    """Development and tests: appends each message as a JSON line to var/sms/outbox.jsonl."""

    _lock = threading.Lock()

    def send_sms_notification(self, *, phone_number, template_id, personalisation, reference):
        folder = Path(settings.NOTIFICATIONS_SMS_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        notification_id = str(uuid.uuid4())
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
        with self._lock, (folder / "outbox.jsonl").open("a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
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

    def send_sms_notification(self, *, phone_number, template_id, personalisation, reference):
        raise DeliveryError("SMS provider unavailable")


SMS_TEMPLATE_ID = "victimcare-message"


def sms_client() -> SmsClient:
    return import_string(settings.NOTIFICATIONS_SMS_BACKEND)()


def sms_send(*, phone_number: str, body: str, reference: str) -> str:
    response = sms_client().send_sms_notification(
        phone_number=phone_number,
        template_id=SMS_TEMPLATE_ID,
        personalisation={"body": body},
        reference=reference,
    )
    return str(response.get("id", ""))


def email_send(*, to: str, subject: str, body: str, reference: str) -> str:
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-Victimcare-Reference": reference},
    )
    if message.send(fail_silently=False) != 1:
        raise DeliveryError("email backend did not accept the message")
    return reference


def letter_queue(*, address: str, subject: str, body: str, reference: str) -> str:
    """Queue a letter for printing: one text file per letter in the print folder."""
    folder = Path(settings.NOTIFICATIONS_LETTER_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in reference)[:150]
    path = folder / f"{safe_name}.txt"
    path.write_text(f"{address}\n\n{subject}\n\n{body}\n", encoding="utf-8")
    return path.name
