"""Forces in the administration site. Peer lists, forces and crime types are national
reference data: read-only to a force administrator, managed by a platform superuser.
Areas and teams belong to a force and are managed by its administrators. Registered from
accounts.admin: the reach rules live in accounts, which sits above forces."""

from django.contrib import admin

from victimcare.accounts.admin_scope import ForceOwnedAdmin, Reach, ScopedModelAdmin
from victimcare.forces.models import Area, CrimeType, Force, PeerList, Team


@admin.register(PeerList)
class PeerListAdmin(ScopedModelAdmin):
    reach = Reach.NATIONAL
    list_display = ["force", "name", "source_date"]
    list_select_related = ["force"]
    filter_horizontal = ["peers"]


@admin.register(Force)
class ForceAdmin(ScopedModelAdmin):
    reach = Reach.NATIONAL
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Area)
class AreaAdmin(ForceOwnedAdmin):
    list_display = ["name", "force", "kind"]
    list_filter = ["force", "kind"]
    search_fields = ["name"]
    list_select_related = ["force"]


@admin.register(Team)
class TeamAdmin(ForceOwnedAdmin):
    list_display = ["name", "code", "force", "area"]
    list_filter = ["force"]
    search_fields = ["name", "code"]
    list_select_related = ["force", "area"]
    # A force administrator's team works in one of their own force's areas.
    force_owned_fields = {"area": "force_id"}


@admin.register(CrimeType)
class CrimeTypeAdmin(ScopedModelAdmin):
    reach = Reach.NATIONAL
    list_display = ["name", "survey_group", "is_surveyed", "referral_needs_consent"]
    list_filter = ["survey_group", "is_surveyed", "referral_needs_consent"]
