from django.apps import AppConfig

from victimcare.core.registry import demo_world_getter_register


class DemoConfig(AppConfig):
    name = "victimcare.demo"
    verbose_name = "Synthetic demo world"

    def ready(self) -> None:
        # Inside ready(): the selectors import models, which exist only once apps are loaded.
        from victimcare.demo.selectors import demo_world_get

        demo_world_getter_register(demo_world_get)
