"""A support organisation accepts or declines a referral (declining needs a reason), adds
notes, and sees the needs the victim agreed to share and nothing else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.care.test_referrals_visits import assess, force, organisation, recent_case, send  # noqa: F401 (force and organisation are fixtures)
from tests.factories import staff_make
from victimcare.accounts.constants import Role
from victimcare.care.constants import ReferralStatus
from victimcare.care.models import ReferralNote
from victimcare.care.services.errors import CareError
from victimcare.care.services.referrals import referral_note_add, referral_status_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(force, organisation):  # noqa: F811 (the fixtures imported above)
    case = recent_case(force, summary="Broke in at night")
    assess(case, share_contact_details=False, share_needs=True)
    return send(case, organisation)


@pytest.fixture
def partner(client, force):  # noqa: F811 (the fixture imported above)
    user = staff_make(Role.SUPPORT_ORGANISATION, force=force)
    client.force_login(user)
    return user


# (status asked for, reason given, the status the referral ends in, the error shown)
DECLINE_NEEDS_A_REASON = [
    (ReferralStatus.DECLINED, "", ReferralStatus.SENT, "Say why your organisation is declining"),
    (ReferralStatus.DECLINED, "   ", ReferralStatus.SENT, "Say why your organisation is declining"),
    (ReferralStatus.DECLINED, "Outside our area", ReferralStatus.DECLINED, None),
    (ReferralStatus.ACCEPTED, "", ReferralStatus.ACCEPTED, None),
]


@pytest.mark.parametrize(("status", "reason", "ends", "error"), DECLINE_NEEDS_A_REASON)
def test_decline_needs_a_reason(client, partner, referral, status, reason, ends, error):
    url = reverse("care:referral-detail", kwargs={"pk": referral.pk})
    response = client.post(url, {"action": "status", "status": status, "reason": reason})
    referral.refresh_from_db()
    assert referral.status == ends
    if error:
        assert response.status_code == 400
        assert error in response.text
    else:
        assert response.status_code == 302
        assert referral.decline_reason == (reason if status == ReferralStatus.DECLINED else "")


def test_the_service_refuses_a_decline_without_a_reason(referral):
    with pytest.raises(CareError, match="declining"):
        referral_status_change(referral=referral, status=ReferralStatus.DECLINED, reason=" ")
    with pytest.raises(CareError, match="Enter the note"):
        referral_note_add(referral=referral, by=None, text="  ")


def test_a_declined_referral_cannot_be_moved_on(referral):
    referral_status_change(referral=referral, status=ReferralStatus.DECLINED, reason="Full")
    with pytest.raises(CareError):
        referral_status_change(referral=referral, status=ReferralStatus.ACCEPTED)


def test_a_partner_adds_notes_and_sees_only_the_needs_shared(client, partner, referral):
    url = reverse("care:referral-detail", kwargs={"pk": referral.pk})
    assert client.post(url, {"action": "note", "text": ""}).status_code == 400
    response = client.post(url, {"action": "note", "text": "Left a voicemail."})
    assert response.status_code == 302
    assert ReferralNote.objects.get(referral=referral).by == partner
    page = client.get(url).text
    assert "Left a voicemail." in page
    for label in referral.assessment.need_labels():
        assert str(label) in page
    # Contact details and the summary were not shared, so they are not shown.
    assert "Ada Testperson" not in page
    assert "ada@example.com" not in page
    assert "Broke in at night" not in page
