from django.contrib import admin

from victimcare.accounts.admin_scope import Reach, ScopedModelAdmin
from victimcare.intake.models import ExternalReference


@admin.register(ExternalReference)
class ExternalReferenceAdmin(ScopedModelAdmin):
    """Records systems write these through the API and imports; a force administrator can
    look their force's up, a superuser can correct one."""

    reach = Reach.FORCE_READ_ONLY
    list_display = ("case", "force", "system", "external_id")
    list_filter = ("force", "system")
    search_fields = ("external_id", "case__reference")
    raw_id_fields = ("case",)
    list_select_related = ("case", "force")


# Report drafts hold victims' unsent answers (personal data): not in the admin.
