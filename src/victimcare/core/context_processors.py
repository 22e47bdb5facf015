from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from victimcare.core.registry import NAV_GATES, NAV_ITEMS, demo_world_get


def site(request):
    """What every page's layout needs: header name, navigation and the demo banner."""
    user = request.user
    force = getattr(user, "force", None) if user.is_authenticated else None
    navigation = []
    # Staff who have given their password but not yet their code see no staff pages, so
    # no links to them either (only sign-out, which the layout always shows).
    if user.is_authenticated and all(gate(user) for gate in NAV_GATES):
        navigation.append(("core:staff-home", "Home"))
        navigation.extend((item.url_name, item.label) for item in NAV_ITEMS if item.visible(user))
    return {
        "header_name": header_name(user) or (force.name if force else settings.SERVICE_NAME),
        "service_name": settings.SERVICE_NAME if not user.is_authenticated else "Victim care",
        "navigation": navigation,
        "demo_world": demo_world_get(),
    }


def header_name(user) -> str:
    """The organisation a signed-in user works for, when it is not the force they are
    filed under: a support organisation's or an oversight body's own name, or (for an
    oversight user of no named body) which forces they oversee ("" for force staff and
    visitors)."""
    # Role values as strings: core imports no other app.
    if not user.is_authenticated:
        return ""
    role = getattr(user, "role", "")
    if role == "support_organisation" and getattr(user, "support_organisation_id", None):
        return user.support_organisation.name
    if role == "oversight":
        if getattr(user, "oversight_body_id", None):
            return user.oversight_body.name
        forces = list(user.oversees.order_by("name").values_list("name", flat=True)[:2])
        if len(forces) == 1:
            return _("Oversight of %(force)s") % {"force": forces[0]}
        count = user.oversees.count()
        return ngettext("Oversight of %(count)d force", "Oversight of %(count)d forces", count) % {
            "count": count
        }
    return ""
