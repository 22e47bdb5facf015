"""Every message to a victim that points to Track my case points either to the start page
(sign in with reference and code) or to a single-use link that lives at most 24 hours and
opens only the sign-in step. No message carries a link that signs anyone in."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import case_make, staff_make
from victimcare.intake.services import care_card_send
from victimcare.portal.contact_services import contact_change_confirm, contact_preferences_change
from victimcare.portal.message_services import officer_reply_send
from victimcare.portal.models import TrackLink
from victimcare.portal.services import access_code_request

pytestmark = pytest.mark.django_db

TRACK_URL = re.compile(r"http://testserver(/track/[^\s]*)")
SRC = Path(__file__).resolve().parents[2] / "src" / "victimcare"


def _every_message_to_the_victim(case, mailoutbox, sms_outbox):
    victim = case.victims.get()
    care_card_send(case=case)
    officer_reply_send(case=case, user=staff_make(force=case.force), body="An update")
    access_code_request(reference=case.reference, address="192.0.2.1")
    contact_preferences_change(victim=victim, changes={"phone": "07700 900999"})
    code = re.search(r"is (\d{6})\.", sms_outbox[-1]["personalisation"]["body"]).group(1)
    contact_change_confirm(victim=victim, phone_code=code)
    return [m.body for m in mailoutbox] + [m["personalisation"]["body"] for m in sms_outbox]


def test_messages_point_only_to_the_start_page_or_a_single_use_link(
    mailoutbox, notifications_in_memory
):
    case = case_make()
    bodies = _every_message_to_the_victim(case, mailoutbox, notifications_in_memory)
    assert len(bodies) >= 5
    targets = [path for body in bodies for path in TRACK_URL.findall(body)]
    assert reverse("portal:start") in targets  # the care card
    links = [path for path in targets if path != reverse("portal:start")]
    assert links, "the officer's reply carries a link"
    for path in links:
        assert path.startswith(reverse("portal:link") + "?token="), path
        stored = TrackLink.objects.get(token_hash=TrackLink.hash_of(path.split("token=")[1]))
        assert stored.used_at is None
        assert stored.expires_at - stored.created_at <= timedelta(hours=24)


def test_links_to_track_my_case_are_made_in_one_place():
    """Only portal.services.track_link_make makes sign-in links for messages."""
    makers = [
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if "portal:link" in path.read_text(encoding="utf-8")
        or "track/link" in path.read_text(encoding="utf-8")
    ]
    assert sorted(makers) == ["portal/services.py", "portal/urls.py"]
