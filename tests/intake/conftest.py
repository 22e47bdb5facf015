from tests.notifications.fixtures import notifications_in_memory  # noqa: F401 (a fixture)
