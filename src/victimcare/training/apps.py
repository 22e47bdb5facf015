from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "victimcare.training"
    verbose_name = "Training written with support organisations"

    def ready(self) -> None:
        from victimcare.training import panels

        panels.register()
