"""Care pages: the officer worklist and its one-step actions, needs assessments,
referrals, visits, the support organisation's inbox, compliance and the rule sets."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, capability_required
from victimcare.care import selectors
from victimcare.care.forms import (
    ContactForm,
    NeedsAssessmentForm,
    ReferralForm,
    ReferralNoteForm,
    ReferralStatusForm,
    VisitForm,
    WorklistFilterForm,
)
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import (
    contact_record,
    needs_assessment_record,
    written_information_record,
)
from victimcare.care.services.referrals import (
    referral_disclose,
    referral_note_add,
    referral_previews_disclose,
    referral_send,
    referral_status_change,
)
from victimcare.care.services.visits import (
    visit_decline,
    visit_offer,
    visit_outcome_record,
    visit_slot_book,
)
from victimcare.cases.constants import CaseStatus
from victimcare.cases.selectors import case_get
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import Team

# Which page records what meets each obligation.
ACTION_FOR_CODE = {
    "written_information": (
        "care:written-information",
        gettext_noop("Record written information sent"),
    ),
    "support_referral": ("care:referral", gettext_noop("Send the referral")),
    "needs_assessment": ("care:needs-assessment", gettext_noop("Record the needs assessment")),
    "visit_offer": ("care:visit", gettext_noop("Offer or book a visit")),
    "decision_update": ("care:contact", gettext_noop("Log a contact")),
    "investigation_update": ("care:contact", gettext_noop("Log a contact")),
    "not_investigated_notice": ("care:contact", gettext_noop("Log a contact")),
    "vps_offer": ("care:contact", gettext_noop("Log a contact")),
    "vps_offer_bereaved": ("care:contact", gettext_noop("Log a contact")),
    "vrr_information": ("care:contact", gettext_noop("Log a contact")),
}
DEFAULT_ACTION = ("care:contact", gettext_noop("Log a contact"))
# Stands in for a crime reference (letters, digits and hyphens) in a reversed URL.
REFERENCE_MARK = "VCREFERENCEMARK"


def _url_for_reference(name: str):
    """A function giving the URL ``name`` for a case reference: one reverse a page rather
    than one a row (the worklist shows fifty)."""
    pattern = reverse(name, kwargs={"reference": REFERENCE_MARK})
    return lambda reference: pattern.replace(REFERENCE_MARK, quote(reference, safe=""))


def _next(request: HttpRequest) -> str:
    """'worklist' when the action was started from the worklist."""
    wanted = request.POST.get("next") or request.GET.get("next")
    return "worklist" if wanted == "worklist" else ""


def _back(request: HttpRequest, case) -> str:
    """Back to the worklist when the action came from it, else to the case."""
    if _next(request):
        return reverse("care:worklist")
    return case.get_absolute_url()


def _form_error(form, error: CareError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


@capability_required(Capability.WORK_CASES)
@never_cache
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    form, filters = _worklist_filters(request)
    rows = selectors.worklist_filtered(user=request.user, filters=filters)
    # Counted up to one past the most shown, so a long worklist costs no more than a short one.
    counted = rows[: selectors.WORKLIST_MOST_SHOWN + 1].count()
    paginator = Paginator(rows[: selectors.WORKLIST_MOST_SHOWN], 50)
    paginator.count = min(counted, selectors.WORKLIST_MOST_SHOWN)
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    urls = {
        name: _url_for_reference(name) for name, _ in {*ACTION_FOR_CODE.values(), DEFAULT_ACTION}
    }
    case_url = _url_for_reference("cases:detail")
    items = []
    for obligation in page.object_list:
        url_name, label = ACTION_FOR_CODE.get(obligation.code, DEFAULT_ACTION)
        reference = obligation.case.reference
        items.append(
            {
                "reference": reference,
                "case_url": case_url(reference),
                "title": obligation.rule.title,
                "due": dateformat.format(timezone.localtime(obligation.due_at), "D j M Y H:i"),
                "overdue": obligation.due_at < now,
                "action_url": urls[url_name](reference),
                "action_label": _(label),
                "inline": obligation.code == "written_information",
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "care/worklist.html",
        {
            "page": page,
            "more_than_shown": counted > selectors.WORKLIST_MOST_SHOWN,
            "items": items,
            "form": form,
            "filters": filters,
            "querystring": query.urlencode(),
            "days_ahead": filters.days_ahead,
        },
    )


def _worklist_filters(request: HttpRequest):
    """The worklist's filters from the query string; wrong values are left out."""
    user = request.user
    teams = Team.objects.filter(force_id=user.force_id).order_by("name", "code")
    officers = User.objects.filter(
        force_id=user.force_id, role__in=[Role.OFFICER, Role.SUPERVISOR], is_active=True
    ).order_by("last_name", "first_name")
    # Only what the labels need, as plain rows: a force has thousands of officers.
    officers = [
        (pk, f"{first} {last}".strip() or username)  # User.__str__
        for pk, first, last, username in officers.values_list(
            "pk", "first_name", "last_name", "username"
        )
    ]
    form = WorklistFilterForm(
        request.GET or None,
        teams=teams,
        officers=officers,
        statuses=CaseStatus.choices,
        crime_groups=SurveyGroup.choices,
    )
    form.is_valid()  # the values that are right are used; a wrong one is left out
    data = form.cleaned_data if form.is_bound else {}
    filters = selectors.WorklistFilter(
        status=data.get("status") or "",
        team_id=int(data["team"]) if data.get("team") else None,
        officer_id=int(data["officer"]) if data.get("officer") else None,
        crime_group=data.get("crime_group") or "",
        overdue=bool(data.get("overdue")),
        enhanced=bool(data.get("enhanced")),
    )
    return form, filters


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get(user=request.user, reference=reference)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_record(
                case=case,
                by=request.user,
                victim_text=form.cleaned_data["victim_text"],
                covers=form.covers(),
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Contact logged. The victim will see your update."))
            return redirect(_back(request, case))
    return render(
        request, "care/contact.html", {"next": _next(request), "case": case, "form": form}
    )


@capability_required(Capability.WORK_CASES)
@require_POST
def written_information(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get(user=request.user, reference=reference)
    try:
        written_information_record(case=case, by=request.user)
    except CareError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Written information recorded as sent."))
    return redirect(_back(request, case))


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def needs_assessment(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get(user=request.user, reference=reference)
    victims = list(selectors.case_victims_for_care(case=case))
    form = NeedsAssessmentForm(request.POST or None, victims=victims)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            needs_assessment_record(
                case=case,
                victim=form.chosen_victim(),
                by=request.user,
                needs=data["needs"],
                referral_consent=data["referral_consent"],
                language=data["language"],
                notes=data["notes"],
                share_contact_details=data["share_contact_details"],
                share_needs=data["share_needs"],
                share_summary=data["share_summary"],
                safe_route=data["safe_route"],
                safe_route_confirmed=data["safe_route_confirmed"],
                update_every_days=data["update_every_days"],
                # (ticked grounds are added; none ticked leaves the recorded ones as they are)
                enhanced_grounds=data["enhanced_grounds"] or None,
                compensation_information=data["compensation_information"],
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Needs assessment recorded."))
            return redirect(_back(request, case))
    return render(
        request,
        "care/needs_assessment.html",
        {"next": _next(request), "case": case, "form": form, "several_victims": len(victims) > 1},
    )


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get(user=request.user, reference=reference)
    victims = list(selectors.case_victims_for_care(case=case))
    organisations = selectors.support_organisations_for(case=case)
    form = ReferralForm(request.POST or None, victims=victims, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        victim = form.chosen_victim()
        try:
            referral_send(
                case=case,
                victim=victim,
                organisation=form.cleaned_data["organisation"],
                by=request.user,
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Referral sent."))
            return redirect(_back(request, case))
    previews = referral_previews_disclose(user=request.user, victims=victims, page=request.path)
    return render(
        request,
        "care/referral.html",
        {
            "next": _next(request),
            "case": case,
            "form": form,
            "previews": previews,
            "several_victims": len(victims) > 1,
            "has_organisations": organisations.exists(),
        },
    )


@capability_required(Capability.WORK_CASES)
@never_cache
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get(user=request.user, reference=reference)
    victims = list(selectors.case_victims_for_care(case=case))
    slots = selectors.visit_slots_available(victim=victims[0]) if victims else []
    form = VisitForm(request.POST or None, victims=victims, slots=slots)
    if request.method == "POST" and form.is_valid():
        victim = form.chosen_victim()
        action = form.cleaned_data["action"]
        try:
            if action == "offer":
                visit_offer(case=case, victim=victim, by=request.user)
            elif action == "book":
                visit_slot_book(victim=victim, slot=form.chosen_slot(), by=request.user)
            elif action == "decline":
                visit_decline(victim=victim, by=request.user)
            else:
                visit_outcome_record(
                    case=case, victim=victim, by=request.user, done=action == "done"
                )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect(_back(request, case))
    visits = selectors.case_visit_states(case=case)
    return render(
        request,
        "care/visit.html",
        {
            "next": _next(request),
            "case": case,
            "form": form,
            "visits": visits,
            "several_victims": len(victims) > 1,
        },
    )


# --- support organisations ---------------------------------------------------------------


@capability_required(Capability.RECEIVE_REFERRALS)
@never_cache
@require_GET
def referral_inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.referral_inbox(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "care/referral_inbox.html", {"page": page})


@capability_required(Capability.RECEIVE_REFERRALS)
@never_cache
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.referral_get(user=request.user, pk=pk)
    adding_note = request.method == "POST" and request.POST.get("action") == "note"
    form = ReferralStatusForm(
        request.POST if request.method == "POST" and not adding_note else None
    )
    note_form = ReferralNoteForm(request.POST if adding_note else None)
    if adding_note and note_form.is_valid():
        try:
            referral_note_add(referral=found, by=request.user, text=note_form.cleaned_data["text"])
        except CareError as error:
            _form_error(note_form, error)
        else:
            messages.success(request, _("Note added."))
            return redirect("care:referral-detail", pk=found.pk)
    elif request.method == "POST" and not adding_note and form.is_valid():
        try:
            referral_status_change(
                referral=found,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except CareError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Referral updated."))
            return redirect("care:referral-detail", pk=found.pk)
    referral_disclose(user=request.user, referral=found, page=request.path)
    return render(
        request,
        "care/referral_detail.html",
        {
            "referral": found,
            "form": form,
            "note_form": note_form,
            "notes": selectors.referral_notes(referral=found),
        },
        status=400 if form.errors or note_form.errors else 200,
    )
