from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from victimcare.accounts.models import User
from victimcare.core.registry import (
    NavItem,
    Panel,
    case_panel_register,
    home_panel_register,
    nav_item_register,
)


class SurveysConfig(AppConfig):
    name = "victimcare.surveys"
    verbose_name = "Victim satisfaction surveys"

    def ready(self) -> None:
        # Inside ready(): these import models, which exist only once apps are loaded.
        from victimcare.accounts.permissions import Capability, has_capability
        from victimcare.surveys import panels

        def can(capability: Capability) -> Callable[[User], bool]:
            return lambda user: has_capability(user, capability)

        for url_name, label, capability, order in (
            ("surveys:index", "Surveys", Capability.MANAGE_SURVEYS, 60),
            ("surveys:responses", "Survey responses", Capability.VIEW_RESPONSES, 61),
            ("surveys:interviews", "Interviews", Capability.INTERVIEW, 62),
            ("surveys:recovery", "Call-backs", Capability.SERVICE_RECOVERY, 63),
            ("surveys:contact-exports", "Survey contacts", Capability.EXPORT_CONTACT_DETAILS, 64),
            ("surveys:da-approvals", "Domestic abuse survey", Capability.WORK_CASES, 65),
            ("surveys:da-interviews", "Domestic abuse interviews", Capability.INTERVIEW, 66),
        ):
            nav_item_register(
                NavItem(
                    url_name,
                    label,
                    visible=can(capability),
                    order=order,
                )
            )
        case_panel_register(Panel("surveys/panels/case_flags.html", panels.case_flags, order=80))
        home_panel_register(Panel("surveys/panels/home.html", panels.home, order=40))
