"""Whether a victim may ask for a review of a decision (the Victims' Right to Review).

The VRR applies only where a suspect was interviewed under caution and the police then
decided not to charge (no further action) or gave an out-of-court disposal (a caution or a
community resolution). The victim has 3 months from that decision to ask.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from django.utils import timezone

from victimcare.care.selectors import vrr_eligibility as engine_vrr_eligibility
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case
from victimcare.core.timezones import LONDON

INTERVIEW = "interview_under_caution"
REVIEWABLE_OUTCOMES = ("no_further_action", "caution", "community_resolution")
VRR_MONTHS = 3


def months_after(at: datetime, months: int) -> datetime:
    """The same local day and time ``months`` calendar months later (the last day of a
    shorter month)."""
    local = at.astimezone(LONDON)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def vrr_eligibility(*, case: Case, now: datetime | None = None) -> tuple[bool, str]:
    """(eligible, why), the reason in words the victim can read. Whether the case is
    eligible is decided by the care engine's one rule (``care.selectors.vrr_eligibility``,
    which the clock and ``care_event_record`` use); this adds the victim's wording and
    that a review already asked for is not asked twice."""
    now = now or timezone.now()
    eligible, _why = engine_vrr_eligibility(case=case, now=now)
    if case.events.filter(kind=EventKind.VRR_REQUESTED).exists():
        return False, "You have already asked for a review of this decision."
    found, why = _victim_wording(case=case, now=now)
    if eligible != found:
        return eligible, (
            "You can ask for a review of the decision not to charge."
            if eligible
            else "The police have not made a decision that can be reviewed."
        )
    return found, why


def _victim_wording(*, case: Case, now: datetime) -> tuple[bool, str]:
    if case.events.filter(kind=EventKind.VRR_REQUESTED).exists():
        return False, "You have already asked for a review of this decision."
    interviewed_at = None
    decided_at = None
    for at, detail in case.events.filter(kind=EventKind.DECISION).values_list("at", "detail"):
        outcome = (detail or {}).get("outcome")
        if outcome == INTERVIEW and interviewed_at is None:
            interviewed_at = at
        elif outcome in REVIEWABLE_OUTCOMES and interviewed_at is not None and at >= interviewed_at:
            decided_at = at
    if interviewed_at is None:
        return False, (
            "You can ask for a review only when a suspect was interviewed under caution and "
            "the police then decided not to charge them."
        )
    if decided_at is None:
        return False, "The police have not made a decision that can be reviewed."
    if now > months_after(decided_at, VRR_MONTHS):
        return False, (
            "You can ask for a review within 3 months of the decision, and that time has passed."
        )
    return True, "You can ask for a review of the decision not to charge."
