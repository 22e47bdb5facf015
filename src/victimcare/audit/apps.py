from django.apps import AppConfig

from victimcare.accounts.signals import security_event
from victimcare.core.registry import NavItem, nav_item_register


class AuditConfig(AppConfig):
    name = "victimcare.audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Inside ready(): these import models (or auth views), which exist only once apps
        # are loaded.
        from victimcare.accounts.permissions import Capability, has_capability
        from victimcare.audit.services import security_record_create

        security_event.connect(security_record_create, dispatch_uid="audit.security_record")
        nav_item_register(
            NavItem(
                "audit:log",
                "Audit log",
                lambda user: has_capability(user, Capability.VIEW_AUDIT_LOG),
                order=90,
            )
        )
