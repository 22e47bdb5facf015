from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "victimcare.care"
    verbose_name = "Victims' Code obligations and care"

    def ready(self) -> None:
        # Inside ready(): these import models, which exist only once apps are loaded.
        from victimcare.care import panels
        from victimcare.care.services import case_event_apply
        from victimcare.cases.services import case_event_listener_register

        case_event_listener_register(case_event_apply)
        panels.register()
