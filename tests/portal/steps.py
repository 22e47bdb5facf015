"""What a victim does in Track my case, as steps shared by the portal tests."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

ADA = "ada@example.com"  # the victim case_make makes: email preferred, phone 07700 900123 safe
CODE = re.compile(r"is (\d{6})\.")
LINK = re.compile(r"http://testserver(/track/link/\?token=[\w-]+)")


def emails_to(mailoutbox, address, subject_part=""):
    return [m for m in mailoutbox if m.to == [address] and subject_part in m.subject]


def code_emailed(mailoutbox, address, subject_part="") -> str:
    return CODE.search(emails_to(mailoutbox, address, subject_part)[-1].body).group(1)


def code_texted(sms_outbox, number) -> str:
    sent = [m for m in sms_outbox if m["phone_number"] == number]
    return CODE.search(sent[-1]["personalisation"]["body"]).group(1)


def sign_in(client, case, mailoutbox, address=ADA):
    client.post(reverse("portal:start"), {"reference": case.reference})
    response = client.post(
        reverse("portal:code"), {"code": code_emailed(mailoutbox, address, "Track my case code")}
    )
    assert response["Location"] == reverse("portal:case")
    return response


def link_in(message_body: str) -> str:
    """The path of the Track my case link in a message."""
    return LINK.search(message_body).group(1)


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


def clock_forward(monkeypatch, delta: timedelta) -> None:
    """Every ``timezone.now()`` from here on reads ``delta`` later than it is."""
    real_now = timezone.now

    def later():
        return real_now() + delta

    monkeypatch.setattr(timezone, "now", later)
