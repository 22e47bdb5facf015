"""Reads of the domestic abuse survey's contacts for the officers who approve them:
scoped to the officer's force, with no personal details (the case reference, the area
and the kind of route only)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from victimcare.accounts.models import User
from victimcare.accounts.permissions import forces_in_scope
from victimcare.surveys.constants import DaContactStatus
from victimcare.surveys.models import DaSurveyContact


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
