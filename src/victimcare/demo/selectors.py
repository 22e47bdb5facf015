from victimcare.demo.models import DemoWorld


def demo_world_get() -> DemoWorld | None:
    """The synthetic demo world in this database, if one is loaded."""
    return DemoWorld.objects.order_by("-built_at").first()
