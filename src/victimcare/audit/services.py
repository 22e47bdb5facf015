from __future__ import annotations

from django.utils import timezone

from victimcare.accounts.constants import AuditAction
from victimcare.accounts.models import User
from victimcare.audit.models import AuditRecord


def audit_record_create(*, user: User, victim, page: str, action: str = AuditAction.VIEW) -> None:
    """Write down that ``user`` saw ``victim``'s personal data on ``page``."""
    AuditRecord.objects.create(
        at=timezone.now(),
        user=user,
        force_id=victim.case.force_id,
        victim=victim,
        action=action,
        page=page[:200],
    )


def security_record_create(*, user: User, subject: User, action: str, page: str, **_) -> bool:
    """Write down a change to ``subject``'s second factor made by ``user`` (the receiver of
    ``accounts.signals.security_event``; ``**_`` takes the signal's own arguments)."""
    AuditRecord.objects.create(
        at=timezone.now(),
        user=user,
        subject=subject,
        force_id=subject.force_id,
        action=action,
        page=page[:200],
    )
    return True
