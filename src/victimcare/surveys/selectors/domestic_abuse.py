"""Reads of the domestic abuse survey's contacts for the officers who approve them:
scoped to the officer's force, with no personal details (the case reference, the area
and the kind of route only)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.surveys.constants import ContactRoute, DaContactStatus, FlagKind
from victimcare.surveys.models import DaSurveyContact, SurveyFlag
from victimcare.surveys.tokens import TOKEN_PATTERN, token_hash


def da_contacts_for_user(
    *, user: User, status: str = DaContactStatus.PROPOSED
) -> QuerySet[DaSurveyContact]:
    """The force's domestic abuse survey contacts in ``status`` (all when blank)."""
    contacts = DaSurveyContact.objects.filter(force__in=forces_in_scope(user))
    if status:
        contacts = contacts.filter(status=status)
    return contacts.select_related("victim__case", "area", "decided_by").order_by("month", "id")


def da_contact_get(*, user: User, pk: int) -> DaSurveyContact:
    """A contact of the user's force; a 404 whether missing or out of scope."""
    contact = da_contacts_for_user(user=user, status="").filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact in your force")
    return contact


def da_contact_for_token(token: str, *, now: datetime | None = None) -> DaSurveyContact | None:
    """The invited contact a survey link belongs to, if it can still be used: invited
    (not yet answered, withdrawn or declined) and not expired. None for anything else,
    whatever the reason."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    now = now or timezone.now()
    contact = (
        DaSurveyContact.objects.select_related("questionnaire", "force")
        .filter(token_hash=token_hash(token), status=DaContactStatus.INVITED)
        .first()
    )
    if contact is None or contact.expires_at is None or contact.expires_at <= now:
        return None
    return contact


def da_interview_queue(*, user: User) -> QuerySet[DaSurveyContact]:
    """Approved and invited contacts of the interviewer's force whose confirmed safe route
    is a phone, waiting for a call: the fewest calls first. No personal details."""
    if not has_capability(user, Capability.INTERVIEW) or user.force_id is None:
        return DaSurveyContact.objects.none()
    return (
        DaSurveyContact.objects.filter(
            force_id=user.force_id, status=DaContactStatus.INVITED, route=ContactRoute.PHONE
        )
        .exclude(victim__in=SurveyFlag.objects.filter(kind=FlagKind.RISK_HIGH).values("victim"))
        .select_related("area")
        .order_by("attempts", "invited_at", "id")
    )


def da_interview_contact_get(*, user: User, pk: int) -> DaSurveyContact:
    """A contact waiting for (or closed after) a call, of the interviewer's force; a 404
    whether missing, out of scope or not a telephone contact."""
    contact = (
        DaSurveyContact.objects.filter(
            pk=pk, force_id=user.force_id, route=ContactRoute.PHONE, invited_at__isnull=False
        )
        .select_related("questionnaire", "force", "area")
        .first()
    )
    if contact is None or not has_capability(user, Capability.INTERVIEW):
        raise Http404("No such interview in your force")
    return contact
