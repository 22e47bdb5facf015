from django.db.models import QuerySet

from victimcare.notifications.models import Notification


def case_notifications(*, case) -> QuerySet[Notification]:
    """Messages sent about a case, newest first (for the audited case page only)."""
    return Notification.objects.filter(case=case).order_by("-created_at", "-id")
