"""What accounts adds to core's shared pages (registered in AccountsConfig.ready): the
second-factor gate on navigation, the audit log and administration links, and a support
organisation's name on the staff home page."""

from __future__ import annotations

from victimcare.accounts.constants import Role
from victimcare.accounts.middleware import is_verified
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.core.registry import (
    NavItem,
    home_context_register,
    nav_gate_register,
    nav_item_register,
)


def _home_context(request) -> dict:
    user = request.user
    if user.role == Role.SUPPORT_ORGANISATION:
        return {"organisation": user.support_organisation}
    return {}


def register() -> None:
    def can(capability):
        return lambda user: has_capability(user, capability)

    nav_gate_register(is_verified)
    # Last in the navigation, after every app's pages (and the audit log, order 90).
    nav_item_register(
        NavItem("admin:index", "Administration", can(Capability.MANAGE_SITE), order=95)
    )
    home_context_register(_home_context)
