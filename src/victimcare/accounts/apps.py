from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "victimcare.accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Inside ready(): the panels import models, which exist only once apps are loaded.
        from victimcare.accounts import panels

        panels.register()
