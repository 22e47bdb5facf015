"""Cases in the admin site, read-only: no victims' personal data here (that is read,
audited, on the case page; the free-text summary can hold it, so it is left out), the
event log is read-only, and a case changes only through its services, which keep the
Victims' Code clock."""

from django.contrib import admin

from victimcare.accounts.admin_scope import (
    Reach,
    ScopedModelAdmin,
    is_force_administrator,
    is_platform_superuser,
)
from victimcare.cases.models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = readonly_fields = ("kind", "at", "recorded_at", "by")
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # Shown with its case, to whoever may see the case (the case admin scopes it).
        return is_platform_superuser(request.user) or is_force_administrator(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ScopedModelAdmin):
    reach = Reach.FORCE_READ_ONLY
    list_display = ["reference", "force", "area", "crime_type", "channel", "status", "reported_at"]
    list_filter = ["force", "channel", "status", "crime_type__survey_group"]
    search_fields = ["reference"]
    # Named one by one, so that a field added to Case is not shown until someone decides.
    fields = readonly_fields = (
        "reference",
        "force",
        "area",
        "crime_type",
        "reported_at",
        "occurred_at",
        "channel",
        "status",
        "officer_in_charge",
        "recorded_by",
        "created_at",
    )
    inlines = [CaseEventInline]
    list_select_related = ["force", "area", "crime_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
