"""Staff pages of the domestic abuse survey: officers approve (or not) contacting each
proposed victim by their confirmed safe route; the force's survey interviewers call the
approved victims whose safe route is a phone; officers clear the ``risk_high`` flag from
the case page when the risk is lowered. Each is a service that checks the rules and
writes the audit record."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, capability_required
from victimcare.cases.selectors import case_get, case_victims
from victimcare.surveys.constants import CallOutcome, DaContactStatus, FlagKind
from victimcare.surveys.forms import InterviewForm
from victimcare.surveys.questionnaire import questions_of
from victimcare.surveys.selectors.domestic_abuse import (
    da_contact_get,
    da_contacts_for_user,
    da_interview_contact_get,
    da_interview_queue,
)
from victimcare.surveys.services.domestic_abuse import (
    DaContactRefused,
    da_call_record,
    da_contact_decide,
    da_interview_details_disclose,
)
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.services.flags import survey_flag_clear


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


@capability_required(Capability.INTERVIEW)
@require_GET
def da_interviews(request: HttpRequest) -> HttpResponse:
    """Approved victims whose confirmed safe route is a phone, waiting for a call."""
    page = Paginator(da_interview_queue(user=_staff(request)), 50).get_page(request.GET.get("page"))
    return render(request, "surveys/da_interviews.html", {"page": page})


@capability_required(Capability.INTERVIEW)
@never_cache
@require_http_methods(["GET", "POST"])
def da_interview(request: HttpRequest, pk: int) -> HttpResponse:
    """The interviewer's script for one approved victim: the name and safe number are
    personal data, so every opening is audited (and refused if the rules now forbid the
    call)."""
    user = _staff(request)
    contact = da_interview_contact_get(user=user, pk=pk)
    questions = questions_of(contact.questionnaire)
    form = InterviewForm(request.POST or None, questions=questions)
    closed = contact.status != DaContactStatus.INVITED
    if request.method == "POST" and not closed and form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            da_call_record(
                contact=contact,
                outcome=outcome,
                by=user,
                answers=form.answers() if outcome == CallOutcome.COMPLETED else None,
            )
        except (FieldworkError, ValueError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Call recorded: %(outcome)s.") % {"outcome": CallOutcome(outcome).label}
            )
            return redirect("surveys:da-interviews")
    details = None
    if not closed:
        try:
            details = da_interview_details_disclose(user=user, contact=contact, page=request.path)
        except DaContactRefused as refused:
            messages.error(request, _("Do not call: %(reason)s.") % {"reason": refused})
            return redirect("surveys:da-interviews")
    return render(
        request,
        "surveys/da_interview.html",
        {
            "contact": contact,
            "details": details,
            "form": form,
            "question_fields": [(q, form[f"q_{q.code}"]) for q in questions],
            "closed": closed,
        },
        status=400 if form.errors else 200,
    )


@capability_required(Capability.WORK_CASES)
@require_POST
def victim_risk_clear(request: HttpRequest, reference: str) -> HttpResponse:
    """An officer records that the risk to a victim is lowered: their survey may go ahead."""
    case = case_get(user=_staff(request), reference=reference)
    try:
        victim_id = int(request.POST.get("victim", ""))
    except ValueError:
        victim_id = 0
    victim = case_victims(case=case).filter(pk=victim_id).first()
    if victim is None:
        messages.error(request, _("Choose the victim whose risk is lower."))
        return redirect(case.get_absolute_url())
    try:
        survey_flag_clear(
            victim=victim,
            kind=FlagKind.RISK_HIGH,
            by=_staff(request),
            note=request.POST.get("note", ""),
        )
    except FieldworkError as error:
        messages.error(request, _("Not cleared: %(reason)s.") % {"reason": error})
    else:
        messages.success(request, _("Risk recorded as lowered: this victim may be surveyed."))
    return redirect(case.get_absolute_url())
