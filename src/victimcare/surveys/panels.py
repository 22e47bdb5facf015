"""What the survey shows on shared pages (registered in apps.py)."""

from __future__ import annotations

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.cases.selectors import case_victims
from victimcare.surveys.constants import FlagKind
from victimcare.surveys.selectors.fieldwork import interview_queue
from victimcare.surveys.selectors.recovery import recovery_summary, victim_survey_flags


def case_flags(request, case) -> dict | None:
    """On the case page: whether each victim may be surveyed, and a way to keep them out."""
    user = request.user
    if not has_capability(user, Capability.VIEW_CASES):
        return None
    victims = list(case_victims(case=case))
    flags = victim_survey_flags(victims=victims)
    return {
        "case": case,
        "victims": [(victim, flags[victim.pk]) for victim in victims],
        "may_flag": has_capability(user, Capability.WORK_CASES),
        "risk_high": {
            victim.pk
            for victim in victims
            if any(flag.kind == FlagKind.RISK_HIGH for flag in flags[victim.pk])
        },
        "kinds": FlagKind.choices,
    }


def home(request) -> dict | None:
    user = request.user
    recovery = recovery_summary(user=user)
    interviews = (
        interview_queue(user=user).count() if has_capability(user, Capability.INTERVIEW) else None
    )
    if recovery is None and interviews is None:
        return None
    return {"recovery": recovery, "interviews": interviews}
