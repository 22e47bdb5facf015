from django.conf import settings

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
        "header_name": force.name if force else settings.SERVICE_NAME,
        "service_name": settings.SERVICE_NAME if not user.is_authenticated else "Victim care",
        "navigation": navigation,
        "demo_world": demo_world_get(),
    }
