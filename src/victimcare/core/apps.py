from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "victimcare.core"
    verbose_name = "Site shell"
