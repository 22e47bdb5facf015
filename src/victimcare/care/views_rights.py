"""Staff pages for the rights beside the clock: recording a victim's objection to a
referral, property held and whether it was returned or is kept, and acknowledging a
complaint."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from victimcare.accounts.permissions import Capability, capability_required
from victimcare.care import selectors
from victimcare.care.forms_rights import (
    PropertyForm,
    PropertyStatusForm,
    ReferralObjectionForm,
    ReviewRequestForm,
)
from victimcare.care.selectors_rights import property_get, referral_state
from victimcare.care.selectors_vrr import vrr_eligibility
from victimcare.care.services.errors import CareError
from victimcare.care.services.referrals import referral_objection_record
from victimcare.care.services_rights import (
    complaint_acknowledge,
    property_record,
    property_status_set,
    vrr_request,
)
from victimcare.cases.selectors import case_get


def _form_error(form, error: CareError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def referral_objection(request, reference: str) -> HttpResponse:
    """The victim told a member of staff they do not want a referral (before it goes)."""
    case = case_get(user=request.user, reference=reference)
    victims = list(selectors.case_victims_for_care(case=case))
    form = ReferralObjectionForm(request.POST or None, victims=victims)
    if request.method == "POST" and form.is_valid():
        try:
            referral_objection_record(
                case=case, victim=form.chosen_victim(), by=request.user, source="staff"
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Objection recorded: no referral will be sent."))
            return redirect(case.get_absolute_url())
    states = [(n, referral_state(victim=v)) for n, v in enumerate(victims, start=1)]
    return render(
        request,
        "care/referral_objection.html",
        {"case": case, "form": form, "states": states, "several_victims": len(victims) > 1},
    )


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def property_held(request, reference: str) -> HttpResponse:
    """Record property held for the case (Right 10): what, and when it was taken; the
    victim sees it."""
    case = case_get(user=request.user, reference=reference)
    today = timezone.localdate()
    form = PropertyForm(
        request.POST or None, initial={"taken_on": f"{today.day}/{today.month}/{today.year}"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            property_record(
                case=case,
                by=request.user,
                description=form.cleaned_data["description"],
                taken_on=form.cleaned_data["taken_on"],
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Property recorded. The victim will see it."))
            return redirect(case.get_absolute_url() + "#victims-rights")
    return render(request, "care/property.html", {"case": case, "form": form})


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def property_update(request, reference: str, pk: int) -> HttpResponse:
    """Property held was given back (on which day) or is kept (and why)."""
    case = case_get(user=request.user, reference=reference)
    held = property_get(case=case, pk=pk)
    form = PropertyStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            property_status_set(
                case=case,
                by=request.user,
                property_id=held.pk,
                status=form.cleaned_data["status"],
                returned_on=form.cleaned_data["returned_on"],
                kept_reason=form.cleaned_data["kept_reason"],
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Property updated. The victim will see it."))
            return redirect(case.get_absolute_url() + "#victims-rights")
    return render(request, "care/property_update.html", {"case": case, "held": held, "form": form})


@capability_required(Capability.VIEW_COMPLIANCE)
@require_POST
def complaint_acknowledged(request, reference: str, pk: int) -> HttpResponse:
    """A supervisor acknowledges a victim's complaint; the victim sees it."""
    case = case_get(user=request.user, reference=reference)
    try:
        complaint_acknowledge(case=case, complaint_id=pk, by=request.user)
    except CareError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Complaint acknowledged. The victim will see it."))
    return redirect(case.get_absolute_url() + "#victims-rights")


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def review_request(request, reference: str) -> HttpResponse:
    """The victim asked a member of staff for a review of the decision (Victims' Right to
    Review): recorded only where the case allows it."""
    case = case_get(user=request.user, reference=reference)
    victims = list(selectors.case_victims_for_care(case=case))
    form = ReviewRequestForm(request.POST or None, victims=victims)
    eligible, why = vrr_eligibility(case=case)
    if request.method == "POST" and form.is_valid():
        try:
            vrr_request(
                case=case,
                victim=form.chosen_victim(),
                reason=form.cleaned_data["reason"],
                source="staff",
                by=request.user,
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Review request recorded."))
            return redirect(case.get_absolute_url() + "#victims-rights")
    return render(
        request,
        "care/review_request.html",
        {
            "case": case,
            "form": form,
            "eligible": eligible,
            "why": why,
            "several_victims": len(victims) > 1,
        },
    )
