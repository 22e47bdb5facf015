from django.apps import AppConfig

from victimcare.core.registry import NavItem, Panel, case_panel_register, nav_item_register


class IntakeConfig(AppConfig):
    name = "victimcare.intake"
    verbose_name = "Reporting channels"

    def ready(self) -> None:
        # Inside ready(): these import models, which exist only once apps are loaded.
        from victimcare.accounts.permissions import Capability, has_capability
        from victimcare.intake.panels import care_card_panel

        nav_item_register(
            NavItem(
                "intake:staff-report",
                "Record a report",
                visible=lambda user: has_capability(user, Capability.RECORD_REPORTS),
                order=20,
            )
        )
        case_panel_register(
            Panel("intake/panels/care_card_panel.html", context=care_card_panel, order=20)
        )
