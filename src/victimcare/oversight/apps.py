from django.apps import AppConfig

from victimcare.core.registry import NavItem, nav_item_register


class OversightConfig(AppConfig):
    name = "victimcare.oversight"
    verbose_name = "Oversight: dashboards, peers, targets, report packs"

    def ready(self) -> None:
        # Inside ready(): these import models, which exist only once apps are loaded.
        from victimcare.accounts.permissions import Capability, has_capability

        nav_item_register(
            NavItem(
                "oversight:index",
                "Satisfaction",
                visible=lambda user: has_capability(user, Capability.VIEW_AGGREGATES),
                order=70,
            )
        )
        nav_item_register(
            NavItem(
                "oversight:compliance-returns",
                "Compliance return",
                visible=lambda user: has_capability(user, Capability.VIEW_COMPLIANCE_RETURN),
                order=71,
            )
        )
