from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "victimcare.care"
    verbose_name = "Victims' Code obligations and care"

    def ready(self) -> None:
        # (Imported here: models and services need the app registry, which is ready only now.)
        from victimcare.care import panels
        from victimcare.care.services.clock import case_event_apply
        from victimcare.cases.services import case_event_listener_register

        case_event_listener_register(case_event_apply)
        panels.register()
