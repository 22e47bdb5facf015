from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "victimcare.intake"
    verbose_name = "Reporting channels"
