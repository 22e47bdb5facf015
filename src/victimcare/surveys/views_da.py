"""The officers' page of the domestic abuse survey: approve (or not) contacting each
proposed victim by their confirmed safe route. The decision is a service that re-checks
the safe contact rules and writes the audit record."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, capability_required
from victimcare.surveys.selectors.domestic_abuse import da_contact_get, da_contacts_for_user
from victimcare.surveys.services.domestic_abuse import da_contact_decide
from victimcare.surveys.services.errors import FieldworkError


def _staff(request: HttpRequest) -> User:
    """The signed-in officer (capability_required has turned anyone else away)."""
    return cast(User, request.user)


@capability_required(Capability.WORK_CASES)
@require_GET
def da_approvals(request: HttpRequest) -> HttpResponse:
    """Domestic abuse victims proposed for the survey, awaiting an officer's approval."""
    contacts = list(da_contacts_for_user(user=_staff(request))[:200])
    return render(request, "surveys/da_approvals.html", {"contacts": contacts})


@capability_required(Capability.WORK_CASES)
@require_POST
def da_approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    contact = da_contact_get(user=_staff(request), pk=pk)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Choose whether to approve the contact."))
        return redirect("surveys:da-approvals")
    try:
        da_contact_decide(
            contact=contact,
            by=_staff(request),
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except FieldworkError as error:
        messages.error(request, _("Not approved: %(reason)s.") % {"reason": error})
    else:
        messages.success(
            request,
            _("Contact approved.") if decision == "approve" else _("Contact not approved."),
        )
    return redirect("surveys:da-approvals")
