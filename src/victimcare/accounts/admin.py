"""Staff, support organisations and API tokens in the administration site.

A force administrator manages the staff of their own force only, and only staff whose
reach stays inside it: superusers, support organisation staff (an organisation's inbox
spans every force it serves) and oversight users of other forces are out of their
reach. Nobody is made a superuser here (``victimcare createstaff --superuser`` does
that), and staff status follows the role; groups and per-user permissions are not used
(the site's permissions are in admin_scope.py), so no form offers them.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

# Forces' reference data is administered under the same reach rules (forces sits below accounts).
from victimcare.accounts import admin_forces  # noqa: F401 (registers the forces' models)
from victimcare.accounts.admin_scope import (
    Reach,
    ScopedAdminMixin,
    ScopedModelAdmin,
    is_force_administrator,
    is_platform_superuser,
    platform_only,
)
from victimcare.accounts.constants import Role
from victimcare.accounts.models import OversightBody, ServiceToken, SupportOrganisation, User
from victimcare.accounts.services import (
    STAFF_NEEDS_FORCE,
    STAFF_NEEDS_ORGANISATION,
    TwoFactorError,
    staff_access_settle,
    support_organisation_link,
    two_factor_reset,
)
from victimcare.forces.models import Team

# Roles a force administrator may give: every role whose reach is the staff member's
# own force. A support organisation's staff read referrals from every force it serves.
FORCE_ROLES = [
    (value, label) for value, label in Role.choices if value != Role.SUPPORT_ORGANISATION
]

ROLE_FIELDS_FORCE = ("role", "team", "collar_number", "contact_route")
ROLE_FIELDS_PLATFORM = (
    "role",
    "force",
    "team",
    "oversees",
    "oversight_body",
    "support_organisation",
    "collar_number",
    "contact_route",
)


def _staff_form(base: type[forms.ModelForm], force) -> type[forms.ModelForm]:
    """``base`` checking the role's needs; for a force administrator (``force`` given),
    with the new or changed user placed in that force before the model's checks run."""

    class StaffForm(base):  # type: ignore[valid-type,misc]  # (a base chosen at run time)
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if force is not None:
                self.instance.force = force

        def clean(self):
            cleaned = super().clean()
            if (
                "force" in self.fields
                and not cleaned.get("force")
                and not self.instance.is_superuser
            ):
                self.add_error("force", STAFF_NEEDS_FORCE)
            if "support_organisation" in self.fields:
                role = cleaned.get("role")
                if role == Role.SUPPORT_ORGANISATION and not cleaned.get("support_organisation"):
                    self.add_error("support_organisation", STAFF_NEEDS_ORGANISATION)
            return cleaned

    StaffForm.__name__ = base.__name__
    return StaffForm


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    reach = Reach.FORCE
    list_display = ["username", "first_name", "last_name", "role", "force", "team", "is_active"]
    list_filter = ["role", "force", ("team", admin.RelatedOnlyFieldListFilter), "is_active"]
    list_select_related = ["force", "team"]
    filter_horizontal = ["oversees"]

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

    def force_rows(self, rows, user):
        beyond_force = User.oversees.through.objects.exclude(force_id=user.force_id).values(
            "user_id"
        )
        return (
            rows.filter(force_id=user.force_id, is_superuser=False)
            .exclude(role=Role.SUPPORT_ORGANISATION)
            .exclude(pk__in=beyond_force)
        )

    def get_fieldsets(self, request, obj=None):
        platform = is_platform_superuser(request.user)
        role_fields = ROLE_FIELDS_PLATFORM if platform else ROLE_FIELDS_FORCE
        if obj is None:
            return (
                *DjangoUserAdmin.add_fieldsets,
                (_("Role and force"), {"fields": role_fields}),
            )
        status = ("is_active", "is_superuser") if platform else ("is_active",)
        return (
            (None, {"fields": ("username", "password")}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (_("Status"), {"fields": status}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
            (_("Role and force"), {"fields": role_fields}),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined", "is_superuser"]
        if obj is not None and obj.is_superuser:
            # A superuser has no force and no force role; that is set on the command line.
            readonly += [
                "role",
                "force",
                "team",
                "oversees",
                "oversight_body",
                "support_organisation",
            ]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        force = None if is_platform_superuser(request.user) else request.user.force
        return _staff_form(form, force)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not is_platform_superuser(request.user):
            kwargs["choices"] = BLANK_CHOICE_DASH + FORCE_ROLES
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the teams of the administrator's own force can be chosen.
        if db_field.name == "team" and not is_platform_superuser(request.user):
            kwargs["queryset"] = Team.objects.filter(force_id=request.user.force_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not is_platform_superuser(request.user):
            # The form offers none of these; a crafted POST cannot set them either.
            obj.force = request.user.force
            obj.is_superuser = False
            obj.support_organisation = None
            obj.oversight_body = None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        staff_access_settle(
            user=form.instance,
            within_force=not is_platform_superuser(request.user),
        )


def _force_link_form(force) -> type[forms.ModelForm]:
    class ForceLinkForm(forms.ModelForm):
        linked = forms.BooleanField(
            required=False,
            label=_("Officers of %(force)s can refer victims to this organisation")
            % {"force": force.name},
        )

        class Meta:
            model = SupportOrganisation
            fields: list[str] = []

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk is not None:
                self.fields["linked"].initial = self.instance.forces.filter(pk=force.pk).exists()

    return ForceLinkForm


@admin.register(SupportOrganisation)
class SupportOrganisationAdmin(ScopedModelAdmin):
    """National: a superuser adds and names organisations; a force administrator only
    links their own force to one, or unlinks it."""

    reach = Reach.NATIONAL
    list_display = ["name"]
    filter_horizontal = ["forces"]

    def has_change_permission(self, request, obj=None):
        if is_force_administrator(request.user):
            return True
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if is_force_administrator(request.user):
            return [(None, {"fields": ["name", "linked"]})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if is_force_administrator(request.user):
            return ["name"]
        return super().get_readonly_fields(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if is_force_administrator(request.user):
            kwargs["form"] = _force_link_form(request.user.force)
        return super().get_form(request, obj, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if is_force_administrator(request.user):
            support_organisation_link(
                organisation=form.instance,
                force=request.user.force,
                linked=form.cleaned_data["linked"],
            )


@admin.register(OversightBody)
class OversightBodyAdmin(ScopedModelAdmin):
    """National: a superuser adds and names oversight bodies (their staff's organisation)."""

    reach = Reach.NATIONAL
    list_display = ["name"]


@admin.register(ServiceToken)
class ServiceTokenAdmin(ScopedModelAdmin):
    """Tokens are created with `victimcare token create`; here they can be seen and revoked.
    A revoked token stays revoked."""

    reach = Reach.FORCE
    list_display = ["force", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["force"]
    readonly_fields = [
        "force",
        "name",
        "prefix",
        "secret_hash",
        "created_at",
        "created_by",
        "last_used_at",
    ]
    fields = [*readonly_fields, "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.revoked_at is not None:
            return self.fields
        return self.readonly_fields

    def has_add_permission(self, request):
        return False


# Models other apps register (sign-in attempts of every force's staff, background task
# results): superusers only. Groups are not used: permissions are decided by role.
admin.site.unregister(Group)
for _model, _model_admin in list(admin.site._registry.items()):
    if not isinstance(_model_admin, ScopedAdminMixin):
        admin.site.unregister(_model)
        admin.site.register(_model, platform_only(type(_model_admin)))
