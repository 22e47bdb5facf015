"""The daily email digest of breach alerts to supervisors (run by the worker's schedule)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.care.models import BreachAlert
from victimcare.core.timezones import LONDON
from victimcare.notifications.constants import NotificationChannel, Purpose
from victimcare.notifications.services import notification_queue


def breach_digest_send(*, now: datetime | None = None) -> int:
    """Email each active supervisor with an email address the number of breach alerts
    raised in the last day (their team's when they have one, else their force's), by
    obligation, with a link to sign in: counts and codes only, no victim's details and no
    case references. Once a supervisor a day (the idempotency key names the day); nothing
    is sent when nothing was missed. Returns how many digests were queued."""
    now = now or timezone.now()
    day = timezone.localtime(now, LONDON).date()
    since = now - timedelta(days=1)
    sent = 0
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(email="")
    for supervisor in supervisors.exclude(force__isnull=True).order_by("id"):
        alerts = BreachAlert.objects.filter(
            force_id=supervisor.force_id,  # type: ignore[misc]  # (those without a force are excluded)
            raised_at__gte=since,
        )
        if supervisor.team_id:
            alerts = alerts.filter(officer__team_id=supervisor.team_id)
        rows = list(alerts.values("obligation__rule__title").annotate(n=Count("id")).order_by("-n"))
        total = sum(row["n"] for row in rows)
        if not total:
            continue
        lines = [f"- {row['obligation__rule__title']}: {row['n']:,}" for row in rows]
        scope = "your team" if supervisor.team_id else "your force"
        body = "\n".join(
            [
                f"{total:,} Victims' Code deadlines were missed in {scope} in the last day:",
                "",
                *lines,
                "",
                "Sign in to see them on your home page and the compliance page.",
            ]
        )
        notification_queue(
            channel=NotificationChannel.EMAIL,
            recipient=supervisor.email,
            subject=f"{settings.SERVICE_NAME}: {total:,} missed deadlines",
            body=body,
            idempotency_key=f"breach-digest:{supervisor.pk}:{day.isoformat()}",
            purpose=Purpose.BREACH_DIGEST,
        )
        sent += 1
    return sent
