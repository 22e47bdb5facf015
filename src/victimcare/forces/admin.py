from django.contrib import admin

from victimcare.forces.models import Area, CrimeType, Force, PeerGroup


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


@admin.register(CrimeType)
class CrimeTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "survey_group", "is_surveyed", "referral_needs_consent"]
    list_filter = ["survey_group", "is_surveyed", "referral_needs_consent"]
