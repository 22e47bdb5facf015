from django.apps import AppConfig

from victimcare.core.registry import Panel, case_panel_register, home_panel_register


class PortalConfig(AppConfig):
    name = "victimcare.portal"
    verbose_name = "Victim portal (Track my case)"

    def ready(self) -> None:
        # Inside ready(): these import models, which exist only once apps are loaded.
        from victimcare.portal.panels import awaiting_reply_panel, messages_panel

        case_panel_register(
            Panel("portal/panels/messages_panel.html", context=messages_panel, order=30)
        )
        home_panel_register(
            Panel("portal/panels/awaiting_reply_panel.html", context=awaiting_reply_panel, order=30)
        )
