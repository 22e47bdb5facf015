from django.apps import AppConfig


class ForcesConfig(AppConfig):
    name = "victimcare.forces"
    verbose_name = "Forces and crime classification"
