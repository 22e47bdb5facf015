from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "victimcare.training"
    verbose_name = "Training written with support organisations"

    def ready(self) -> None:
        # (Imported here: models and services need the app registry, which is ready only now.)
        from victimcare.cases.services import case_event_listener_register
        from victimcare.core.registry import training_aims_provider_register
        from victimcare.training import panels
        from victimcare.training.aims import training_aims
        from victimcare.training.trials.services import trial_case_opened

        panels.register()
        training_aims_provider_register(training_aims)
        # After care's clock (care is earlier in INSTALLED_APPS): a treated case's practice
        # is recorded once the clock of the case has started.
        case_event_listener_register(trial_case_opened)
