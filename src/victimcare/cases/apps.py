from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "victimcare.cases"
    verbose_name = "Cases and victims"

    def ready(self) -> None:
        # Inside ready(): the panels import models, which exist only once apps are loaded.
        from victimcare.cases import panels

        panels.register()
