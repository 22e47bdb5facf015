from django.contrib import admin

from victimcare.forces.models import Area, CrimeType, Force, PeerGroup, Team


@admin.register(PeerGroup)
class PeerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "peer_group"]
    list_filter = ["peer_group"]
    search_fields = ["code", "name"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "force", "kind"]
    list_filter = ["force", "kind"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "force", "area"]
    list_filter = ["force"]
    search_fields = ["name", "code"]
    list_select_related = ["force", "area"]

    def get_queryset(self, request):
        teams = super().get_queryset(request)
        if request.user.is_superuser:
            return teams
        return teams.filter(force_id=request.user.force_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # An administrator makes teams in their own force, in its own areas.
        if not request.user.is_superuser:
            if db_field.name == "force":
                kwargs["queryset"] = Force.objects.filter(pk=request.user.force_id)
            elif db_field.name == "area":
                kwargs["queryset"] = Area.objects.filter(force_id=request.user.force_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CrimeType)
class CrimeTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "survey_group", "is_surveyed", "referral_needs_consent"]
    list_filter = ["survey_group", "is_surveyed", "referral_needs_consent"]
