"""The care app's navigation items and page panels (registered in CareConfig.ready)."""

from __future__ import annotations

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.care.selectors import BREACH_ALERT_DAYS, breach_alerts_recent, case_obligations
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
        NavItem("care:referral-inbox", "Referrals", can(Capability.RECEIVE_REFERRALS), order=35)
    )
    nav_item_register(
        NavItem("care:rule-sets", "Rule sets", can(Capability.VIEW_RULE_SETS), order=40)
    )
    case_panel_register(Panel("care/panel_case_obligations.html", _case_obligations, order=20))
    home_panel_register(Panel("care/panel_breach_alerts.html", _breach_alerts, order=10))
