from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "victimcare.training"
    verbose_name = "Training written with support organisations"

    def ready(self) -> None:
        # (Imported here: models and services need the app registry, which is ready only now.)
        from victimcare.core.registry import training_aims_provider_register
        from victimcare.training import panels
        from victimcare.training.aims import training_aims

        panels.register()
        training_aims_provider_register(training_aims)
