"""The audit log in the administration site: read-only."""

from django.contrib import admin

from victimcare.accounts.admin_scope import Reach, ScopedModelAdmin
from victimcare.audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ScopedModelAdmin):
    """Read-only: nobody alters the audit log through the application."""

    reach = Reach.FORCE_READ_ONLY
    list_display = ["at", "user", "action", "victim", "subject", "page"]
    list_filter = ["action"]
    date_hierarchy = "at"
    list_select_related = ["user", "victim"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
