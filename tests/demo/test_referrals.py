"""The demo support organisation's inbox: referrals for the Met's recent cases whose log
says one was sent, made through care's referral checks, mostly waiting for the partner."""

from __future__ import annotations

import pytest

from victimcare.accounts.models import User
from victimcare.care.constants import ReferralStatus
from victimcare.care.models import Referral
from victimcare.care.selectors import referral_inbox
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent
from victimcare.demo.referrals import PARTNER_USERNAME, referrals_demo_build
from victimcare.demo.services import demo_world_build

pytestmark = pytest.mark.django_db


def test_the_partner_inbox_holds_waiting_referrals_for_its_organisation_only():
    demo_world_build(scale="small", seed=7, cases_per_force=600)
    partner = User.objects.get(username=PARTNER_USERNAME)
    inbox = list(referral_inbox(user=partner))
    waiting = [r for r in inbox if r.status == ReferralStatus.SENT]
    assert waiting
    assert len(waiting) > len(inbox) - len(waiting)
    assert {r.organisation_id for r in inbox} == {partner.support_organisation_id}
    assert Referral.objects.count() == len(inbox)
    for referral in inbox:
        assert referral.event.kind == EventKind.REFERRAL_SENT
        assert referral.event.case_id == referral.case_id
        assert referral.case.force.code == "MPS"
        # The referral rests on the timeline's event: no second one is written.
        assert (
            CaseEvent.objects.filter(case=referral.case, kind=EventKind.REFERRAL_SENT).count() == 1
        )
        if referral.case.crime_type.referral_needs_consent:
            pytest.fail("a referral went out without the consent its crime type needs")
    for referral in inbox:
        if referral.status == ReferralStatus.DECLINED:
            assert referral.decline_reason
        if referral.status != ReferralStatus.SENT:
            assert referral.notes.exists()
    assert referrals_demo_build(seed=7, until=inbox[0].sent_at) == "Demo referrals already built."
