from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "victimcare.portal"
    verbose_name = "Victim portal (Track my case)"
