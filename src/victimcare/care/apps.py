from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "victimcare.care"
    verbose_name = "Victims' Code obligations and care"
