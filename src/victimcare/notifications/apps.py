from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "victimcare.notifications"
    verbose_name = "Notifications to victims"
