from django.contrib import admin

from victimcare.intake.models import ExternalReference


@admin.register(ExternalReference)
class ExternalReferenceAdmin(admin.ModelAdmin):
    list_display = ("case", "force", "system", "external_id")
    list_filter = ("force", "system")
    search_fields = ("external_id", "case__reference")
    raw_id_fields = ("case",)


# Report drafts hold victims' unsent answers (personal data): not in the admin.
