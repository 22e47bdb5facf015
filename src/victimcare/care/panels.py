"""The care app's navigation items and page panels (registered in CareConfig.ready)."""

from __future__ import annotations

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.care.selectors import (
    BREACH_ALERT_DAYS,
    breach_alerts_recent,
    case_obligations,
    case_victims_for_care,
    case_visit_states,
)
from victimcare.care.selectors_rights import (
    case_complaints,
    case_property,
    case_review_requests,
    referral_state,
)
from victimcare.core.registry import (
    NavItem,
    Panel,
    case_panel_register,
    home_panel_register,
    nav_item_register,
)


def _breach_alerts(request):
    """The supervisor's breach alerts of the last week (their team's, else the force's)."""
    if not has_capability(request.user, Capability.VIEW_COMPLIANCE):
        return None
    count, alerts = breach_alerts_recent(user=request.user)
    return {"count": count, "alerts": alerts, "days": BREACH_ALERT_DAYS}


def _case_obligations(request, case):
    if not has_capability(request.user, Capability.VIEW_CASES):
        return None
    return {
        "case": case,
        "obligations": case_obligations(case=case),
        "may_work": has_capability(request.user, Capability.WORK_CASES),
        "visits": case_visit_states(case=case),
    }


def _case_rights(request, case):
    """Referral objection, property held, review requests; complaints for supervisors."""
    if not has_capability(request.user, Capability.VIEW_CASES):
        return None
    victims = list(case_victims_for_care(case=case))
    may_see_complaints = has_capability(request.user, Capability.VIEW_COMPLIANCE)
    return {
        "case": case,
        "referrals": [(n, referral_state(victim=v)) for n, v in enumerate(victims, start=1)],
        "several_victims": len(victims) > 1,
        "property": case_property(case=case),
        "reviews": list(case_review_requests(case=case)),
        "may_see_complaints": may_see_complaints,
        "complaints": case_complaints(case=case) if may_see_complaints else [],
        "may_work": has_capability(request.user, Capability.WORK_CASES),
    }


def register() -> None:
    def can(capability):
        return lambda user: has_capability(user, capability)

    nav_item_register(NavItem("care:worklist", "Worklist", can(Capability.WORK_CASES), order=20))
    nav_item_register(NavItem("care:team", "Team", can(Capability.VIEW_COMPLIANCE), order=25))
    nav_item_register(
        NavItem("care:compliance", "Compliance", can(Capability.VIEW_COMPLIANCE), order=30)
    )
    nav_item_register(
        NavItem("care:team-queues", "Team queues", can(Capability.WORK_CASES), order=22)
    )
    nav_item_register(
        NavItem("care:visit-times", "Visit times", can(Capability.MANAGE_VISIT_TIMES), order=32)
    )
    nav_item_register(
        NavItem("care:referral-inbox", "Referrals", can(Capability.RECEIVE_REFERRALS), order=35)
    )
    nav_item_register(
        NavItem("care:rule-sets", "Rule sets", can(Capability.VIEW_RULE_SETS), order=40)
    )
    case_panel_register(Panel("care/panel_case_obligations.html", _case_obligations, order=20))
    case_panel_register(Panel("care/panel_case_rights.html", _case_rights, order=25))
    home_panel_register(Panel("care/panel_breach_alerts.html", _breach_alerts, order=10))
