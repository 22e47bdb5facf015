"""Who may do what in the administration site, decided here and not by Django's
per-user permission rows.

Two kinds of people use the site:

- a **force administrator** (role administrator, staff, in a force, not a superuser)
  manages their own force's rows only: its staff, teams, areas and links to support
  organisations. National reference data (forces, crime types, peer groups, support
  organisations themselves) is read-only to them; another force's rows are invisible
  (a 404, the same as a missing row); platform-only models are forbidden.
- a **platform superuser** (made only with ``victimcare createstaff --superuser``; no
  force) manages national data.

Every ModelAdmin registered on the site declares its ``reach``; tests/accounts/
test_admin_scope.py checks that none is left out.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from django.contrib import admin
from django.db.models import Model
from django.http import Http404

from victimcare.accounts.constants import Role


class Reach(StrEnum):
    NATIONAL = "national"
    """Reference data for every force: force administrators read it, superusers manage it."""
    FORCE = "force"
    """A force's own rows: its administrators manage them; other forces' are invisible."""
    FORCE_READ_ONLY = "force_read_only"
    """A force's own rows, read-only to its administrators; other forces' are invisible."""
    PLATFORM = "platform"
    """Superusers only (sign-in records of every force, background task results)."""


def is_platform_superuser(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_force_administrator(user) -> bool:
    """A staff member who administers their own force (and nothing beyond it)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and not user.is_superuser
        and user.role == Role.ADMINISTRATOR
        and user.force_id is not None
    )


class ScopedAdminMixin:
    """Permissions and querysets by ``reach`` for force administrators; a superuser gets
    what the ModelAdmin itself allows (its own overrides, such as a read-only audit log,
    still apply to them)."""

    reach: ClassVar[Reach]
    model: type[Model]  # (the ModelAdmin's)
    force_field: ClassVar[str] = "force"
    """The lookup from a row to its force, for FORCE and FORCE_READ_ONLY reach."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        user = request.user
        if is_platform_superuser(user):
            return rows
        if not is_force_administrator(user) or self.reach == Reach.PLATFORM:
            return rows.none()
        if self.reach == Reach.NATIONAL:
            return rows
        return self.force_rows(rows, user)

    def get_object(self, request, object_id, from_field=None):
        # Another force's row is a 404, the same as a missing one (Django's own answer
        # is a redirect to the index saying the row may have been deleted).
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} with that ID")
        return obj

    def force_rows(self, rows, user):
        """The rows of ``user``'s force that a force administrator may see."""
        return rows.filter(**{f"{self.force_field}__pk": user.force_id})

    def in_reach(self, request, obj) -> bool:
        """Whether a force administrator may see ``obj`` at all (None: the model)."""
        if obj is None or self.reach == Reach.NATIONAL:
            return True
        return self.force_rows(self.model._default_manager.filter(pk=obj.pk), request.user).exists()

    def may_write(self, request, obj=None) -> bool:
        return (
            is_force_administrator(request.user)
            and self.reach == Reach.FORCE
            and self.in_reach(request, obj)
        )

    def has_module_permission(self, request):
        if is_platform_superuser(request.user):
            return super().has_module_permission(request)
        return is_force_administrator(request.user) and self.reach != Reach.PLATFORM

    def has_view_permission(self, request, obj=None):
        if is_platform_superuser(request.user):
            return super().has_view_permission(request, obj)
        return (
            is_force_administrator(request.user)
            and self.reach != Reach.PLATFORM
            and self.in_reach(request, obj)
        )

    def has_add_permission(self, request, *args):
        if is_platform_superuser(request.user):
            return super().has_add_permission(request, *args)
        return self.may_write(request)

    def has_change_permission(self, request, obj=None):
        if is_platform_superuser(request.user):
            return super().has_change_permission(request, obj)
        return self.may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        if is_platform_superuser(request.user):
            return super().has_delete_permission(request, obj)
        return self.may_write(request, obj)


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A ModelAdmin whose permissions follow its ``reach``."""


class ForceOwnedAdmin(ScopedModelAdmin):
    """A force's own rows: a force administrator's new row is in their force, and its
    foreign keys offer only their force's rows (``force_owned_fields``)."""

    reach = Reach.FORCE
    force_owned_fields: ClassVar[dict[str, str]] = {}
    """Foreign key name -> the lookup from its target to the target's force."""

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not is_platform_superuser(request.user):
            excluded.append(self.force_field)
        return excluded

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if is_platform_superuser(request.user):
            return form
        force = request.user.force

        class InOwnForce(form):
            # Set before validation, so the model's own checks (a team's area in the
            # team's force) see the force the row will have.
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                setattr(self.instance, self_field, force)

        self_field = self.force_field
        InOwnForce.__name__ = form.__name__
        return InOwnForce

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        lookup = self.force_owned_fields.get(db_field.name)
        if lookup is not None and not is_platform_superuser(request.user):
            kwargs["queryset"] = db_field.remote_field.model._default_manager.filter(
                **{lookup: request.user.force_id}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def platform_only(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """A third-party ModelAdmin restricted to superusers (force administrators get 403)."""
    return type(
        admin_class.__name__,
        (ScopedAdminMixin, admin_class),
        {"reach": Reach.PLATFORM, "__module__": __name__},
    )
