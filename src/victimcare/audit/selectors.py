from __future__ import annotations

from django.db.models import QuerySet

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.audit.models import AuditRecord


def audit_record_list(*, user: User) -> QuerySet[AuditRecord]:
    """Audit records of the forces in the user's scope, newest first."""
    if not has_capability(user, Capability.VIEW_AUDIT_LOG):
        return AuditRecord.objects.none()
    return (
        AuditRecord.objects.filter(force__in=forces_in_scope(user))
        .select_related("user", "subject", "victim__case")
        .order_by("-at", "-id")
    )
