from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "victimcare.demo"
    verbose_name = "Synthetic demo world"
