from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from victimcare.accounts.models import AuditRecord, ServiceToken, SupportOrganisation, User
from victimcare.accounts.services import TwoFactorError, two_factor_reset
from victimcare.forces.models import Team


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "force", "team", "is_active"]
    list_filter = ["role", "force", ("team", admin.RelatedOnlyFieldListFilter), "is_active"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Role and force",
            {
                "fields": (
                    "role",
                    "force",
                    "team",
                    "oversees",
                    "support_organisation",
                    "collar_number",
                    "contact_route",
                )
            },
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Role and force", {"fields": ("role", "force", "team")}),
    )

    actions = ["two_factor_reset_action"]

    @admin.action(
        description="Reset two-factor sign-in (they set up a new app at their next sign-in)",
        permissions=["change"],
    )
    def two_factor_reset_action(self, request, queryset):
        done = []
        for user in queryset:
            try:
                two_factor_reset(user=user, by=request.user, page=request.path)
            except TwoFactorError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                done.append(user.get_username())
        if done:
            self.message_user(
                request,
                f"Two-factor sign-in reset for {', '.join(done)}: they set it up again at "
                "their next sign-in.",
                messages.SUCCESS,
            )

    def get_queryset(self, request):
        users = super().get_queryset(request).select_related("force", "team")
        if request.user.is_superuser:
            return users
        return users.filter(force_id=request.user.force_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the teams of the administrator's own force can be chosen.
        if db_field.name == "team" and not request.user.is_superuser:
            kwargs["queryset"] = Team.objects.filter(force_id=request.user.force_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SupportOrganisation)
class SupportOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["forces"]


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: nobody alters the audit log through the application."""

    list_display = ["at", "user", "action", "victim", "subject", "page"]
    list_filter = ["action"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        records = super().get_queryset(request).select_related("user", "victim")
        if request.user.is_superuser:
            return records
        return records.filter(force_id=request.user.force_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `victimcare token create`; here they can be seen and revoked."""

    list_display = ["force", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["force"]
    readonly_fields = ["force", "name", "prefix", "secret_hash", "created_at", "created_by"]
    fields = [*readonly_fields, "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        if request.user.is_superuser:
            return tokens
        return tokens.filter(force_id=request.user.force_id)
