"""Cases in the admin site: no victims' personal data here (that is read, audited, on the
case page), and the event log is read-only."""

from django.contrib import admin

from victimcare.cases.models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["kind", "at", "recorded_at", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "force", "area", "crime_type", "channel", "status", "reported_at"]
    list_filter = ["force", "channel", "status", "crime_type__survey_group"]
    search_fields = ["reference"]
    raw_id_fields = ["officer_in_charge", "recorded_by"]
    readonly_fields = ["reference", "created_at"]
    inlines = [CaseEventInline]
    list_select_related = ["force", "area", "crime_type"]
