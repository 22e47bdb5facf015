"""Track my case: a victim signs in with their reference and a one-time code (a link from a
message only fills in the reference and sends the code), sees their timeline, messages the
officer and changes contact preferences (a new email or phone once its code is entered).
Also the officer's reply. Responses never reveal whether a reference exists."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victimcare.accounts.permissions import Capability, StaffRequest, capability_required
from victimcare.care.selectors import visit_for_victim, visit_slots_free
from victimcare.care.selectors_rights import (
    property_lines,
    referral_state,
    victim_entitlements,
)
from victimcare.care.selectors_vrr import vrr_eligibility
from victimcare.care.services.errors import CareError
from victimcare.care.services.visits import visit_booking_cancel, visit_slot_book
from victimcare.care.services_rights import complaint_make, referral_answer_record, vrr_request
from victimcare.care.visit_state import visit_state
from victimcare.cases.selectors import case_get, case_victims
from victimcare.core.registry import demo_world_get
from victimcare.intake.care_card import care_card_facts
from victimcare.intake.forms import ReferralAnswerForm
from victimcare.portal import contact_services, message_services, selectors, services
from victimcare.portal.forms import (
    CodeForm,
    ComplaintForm,
    ContactCodeForm,
    ContactPreferencesForm,
    LinkForm,
    MessageForm,
    ReferenceForm,
    ReplyForm,
    ReviewForm,
)

PENDING_KEY = "portal_pending_reference"
VICTIM_KEY = "portal_victim_id"
SEEN_KEY = "portal_last_seen"
DEMO_CODES_KEY = "portal_demo_codes"


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _sign_in(request: HttpRequest, victim) -> None:
    request.session.cycle_key()  # a fresh session id on sign-in
    request.session.pop(PENDING_KEY, None)
    request.session.pop(DEMO_CODES_KEY, None)
    request.session[VICTIM_KEY] = victim.pk
    request.session[SEEN_KEY] = timezone.now().timestamp()


def _signed_in_victim(request: HttpRequest):
    """The signed-in victim, or None once the session is idle past its limit."""
    seen = request.session.get(SEEN_KEY)
    now = timezone.now().timestamp()
    if seen is None or now - seen > settings.TRACK_SESSION_MINUTES * 60:
        request.session.pop(VICTIM_KEY, None)
        request.session.pop(SEEN_KEY, None)
        return None
    victim = selectors.victim_for_session(victim_id=request.session.get(VICTIM_KEY))
    if victim is not None:
        request.session[SEEN_KEY] = now
    return victim


def _exit_this_page(victim) -> bool:
    """GOV.UK's 'Exit this page' on a domestic-abuse or sexual-offence case's pages."""
    return victim.case.crime_type.needs_exit_this_page


def _signed_out(request: HttpRequest) -> HttpResponse:
    messages.info(
        request, _("Sign in to see your case. For your security, sessions end after a while.")
    )
    return redirect("portal:start")


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    form = ReferenceForm(data=request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        reference = services.normalise_reference(form.cleaned_data["reference"])
        try:
            codes = services.access_code_request(
                reference=reference, address=_client_address(request)
            )
        except services.TrackThrottled:
            form.add_error("reference", _("Too many attempts. Wait 15 minutes, then try again."))
            status = 429
        else:
            request.session[PENDING_KEY] = reference
            # The synthetic demo shows the code on the next page: the message backends
            # never keep it, and its victims are made up. Never outside the demo.
            if codes and demo_world_get() is not None:
                request.session[DEMO_CODES_KEY] = codes
            else:
                request.session.pop(DEMO_CODES_KEY, None)
            return redirect("portal:code")
    return render(request, "portal/start.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(PENDING_KEY)
    if not reference:
        return redirect("portal:start")
    form = CodeForm(data=request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            victim = services.access_code_check(
                reference=reference,
                code=form.cleaned_data["code"],
                address=_client_address(request),
            )
        except services.TrackThrottled:
            form.add_error(
                "code", _("Too many attempts. Wait 15 minutes, then ask for a new code.")
            )
            status = 429
        else:
            if victim is not None:
                _sign_in(request, victim)
                return redirect("portal:case")
            form.add_error(
                "code", _("The code is wrong or has expired. Check it, or ask for a new code.")
            )
    demo_codes = request.session.get(DEMO_CODES_KEY) if demo_world_get() is not None else None
    return render(
        request, "portal/code.html", {"form": form, "demo_codes": demo_codes}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    """A link from a message (see ``services.track_link_make``): opening it shows the crime
    reference and a button; the button spends the link and sends a code. The token is in
    the query string, kept out of access logs, then in a hidden field."""
    form = LinkForm(data=request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return _link_spent(request)
    token = form.cleaned_data["token"]
    if request.method == "GET":
        reference = selectors.track_link_reference(token=token)
        if reference is None:
            return _link_spent(request)
        return render(request, "portal/link.html", {"form": form, "reference": reference})
    try:
        reference = services.track_link_redeem(token=token, address=_client_address(request))
    except services.TrackThrottled:
        reference = selectors.track_link_reference(token=token)
        error = _("Too many attempts. Wait 15 minutes, then try again.")
        return render(
            request,
            "portal/link.html",
            {"form": form, "reference": reference, "error": error},
            status=429,
        )
    if reference is None:
        return _link_spent(request)
    request.session[PENDING_KEY] = reference
    return redirect("portal:code")


def _link_spent(request: HttpRequest) -> HttpResponse:
    """The same page for a spent, expired, forged or unknown link: it offers a new code."""
    return render(request, "portal/link_spent.html", {"form": ReferenceForm()})


@never_cache
@require_GET
def case(request: HttpRequest) -> HttpResponse:
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    return _case_page(request, victim, MessageForm())


def _case_page(request, victim, form, status=200) -> HttpResponse:
    case_ = victim.case
    return render(
        request,
        "portal/case.html",
        {
            "case": case_,
            "officer": case_.officer_in_charge,
            "timeline": selectors.victim_timeline(victim=victim),
            "messages_": selectors.victim_messages(victim=victim),
            "form": form,
            "exit_this_page": _exit_this_page(victim),
            "referral": referral_state(victim=victim),
            "review_open": vrr_eligibility(case=case_)[0],
            "property": property_lines(case=case_),
            "visit": visit_state(visit_for_victim(victim=victim)),
        },
        status=status,
    )


@never_cache
@require_POST
def message_send(request: HttpRequest) -> HttpResponse:
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    form = MessageForm(data=request.POST)
    if form.is_valid():
        try:
            message_services.victim_message_send(victim=victim, body=form.cleaned_data["body"])
        except services.PortalError as error:
            form.add_error("body", str(error))
        else:
            recipient = message_services.message_recipient(case=victim.case)
            messages.success(request, recipient.sent_text())
            return redirect("portal:case")
    return _case_page(request, victim, form, status=200)


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    details = victim.personal_details
    initial = {
        "preferred_contact": details.preferred_contact,
        "email": details.email,
        "phone": details.phone,
        "phone_is_safe": {True: "yes", False: "no"}.get(details.phone_is_safe, ""),
        "times_to_avoid": details.times_to_avoid,
    }
    form = ContactPreferencesForm(data=request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = contact_services.contact_preferences_change(
                victim=victim, changes=form.changes()
            )
        except services.PortalError as error:
            form.add_error(error.field, str(error))
        except services.TrackThrottled:
            form.add_error(None, _("Too many changes. Wait 15 minutes, then try again."))
            status = 429
        else:
            if result.waiting is not None:
                return redirect("portal:contact-confirm")
            messages.success(request, _("Your contact preferences are saved."))
            return redirect("portal:case")
    return render(
        request,
        "portal/contact.html",
        {
            "form": form,
            "waiting": contact_services.contact_change_waiting(victim=victim),
            "exit_this_page": _exit_this_page(victim),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def contact_confirm(request: HttpRequest) -> HttpResponse:
    """The codes sent to the new email address or phone number; the change takes effect
    only once they are entered."""
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    waiting = contact_services.contact_change_waiting(victim=victim)
    if waiting is None:
        messages.info(request, _("There is no change waiting for a code. Make your change here."))
        return redirect("portal:contact")
    hints = {
        name: contact_services.address_mask(name, waiting.changes[name])
        for name in contact_services.ADDRESS_FIELDS
        if getattr(waiting, f"{name}_code_hash")
    }
    form = ContactCodeForm(data=request.POST or None, hints=hints)
    if request.method == "POST" and form.is_valid():
        try:
            contact_services.contact_change_confirm(
                victim=victim,
                email_code=form.cleaned_data.get("email_code", ""),
                phone_code=form.cleaned_data.get("phone_code", ""),
            )
        except services.PortalError as error:
            if contact_services.contact_change_waiting(victim=victim) is None:  # void or expired
                messages.error(request, str(error))
                return redirect("portal:contact")
            form.add_error(next(iter(form.fields)), str(error))
        else:
            messages.success(request, _("Your contact details are changed."))
            return redirect("portal:case")
    return render(
        request,
        "portal/contact_confirm.html",
        {"form": form, "hints": hints, "exit_this_page": _exit_this_page(victim)},
    )


@never_cache
@require_GET
def care_card(request: HttpRequest) -> HttpResponse:
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    return render(
        request,
        "intake/care_card.html",
        {
            "card": care_card_facts(case=victim.case),
            "back": reverse("portal:case"),
            "pdf_url": "",
            "exit_this_page": _exit_this_page(victim),
        },
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session: its stored data is deleted and the browser gets a new, empty one, so
    the old session cookie (or a request still in flight with it) opens nothing."""
    request.session.flush()
    messages.success(request, _("You have signed out of Track my case."))
    return redirect("portal:start")


@capability_required(Capability.WORK_CASES)
@require_POST
def message_reply(request: StaffRequest, reference: str) -> HttpResponse:
    """The officer replies to a victim from the case page (choosing which, when the case has
    several)."""
    case_ = case_get(user=request.user, reference=reference)
    form = ReplyForm(data=request.POST, victims=case_victims(case=case_))
    if form.is_valid():
        try:
            message_services.officer_reply_send(
                case=case_,
                user=request.user,
                body=form.cleaned_data["body"],
                victim=form.chosen_victim(),
            )
        except services.PortalError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Reply sent to the victim."))
    else:
        # (an ErrorList gives its messages as text)
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))  # type: ignore[misc]
    return redirect(case_.get_absolute_url() + "#victim-messages")


# --- the victim's rights: support referral, complaints, review, what they are entitled to


@never_cache
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest) -> HttpResponse:
    """Say no to (or, where the crime needs it, agree to) a support referral, until it has
    gone; after that, a page saying where it went."""
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    state = referral_state(victim=victim)
    form = None
    if state.may_answer:
        form = ReferralAnswerForm(
            data=request.POST if request.method == "POST" else None,
            needs_consent=state.needs_consent,
        )
        if request.method == "POST" and form.is_valid():
            try:
                referral_answer_record(
                    case=victim.case,
                    victim=victim,
                    answer=form.cleaned_data["answer"],
                    source="track_my_case",
                )
            except CareError as error:
                form.add_error("answer", str(error))
            else:
                messages.success(request, _("Thank you. We have your answer."))
                return redirect("portal:case")
    return render(request, "portal/referral.html", {"referral": state, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest) -> HttpResponse:
    """Make a complaint about the service (Right 12)."""
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    form = ComplaintForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint_make(case=victim.case, victim=victim, text=form.cleaned_data["text"])
        except CareError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, _("Your complaint was sent. A supervisor will look into it."))
            return redirect("portal:case")
    return render(request, "portal/complaint.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """Ask for a review of a decision not to charge (Victims' Right to Review), only when
    the case allows it; otherwise a page saying why, and nothing is recorded."""
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    eligible, why = vrr_eligibility(case=victim.case)
    if not eligible:
        return render(request, "portal/review_unavailable.html", {"why": why})
    form = ReviewForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vrr_request(case=victim.case, victim=victim, reason=form.cleaned_data["reason"])
        except CareError as error:
            return render(request, "portal/review_unavailable.html", {"why": str(error)})
        messages.success(
            request, _("You asked for a review. We will reply within 10 working days.")
        )
        return redirect("portal:case")
    return render(request, "portal/review.html", {"form": form, "why": why})


@never_cache
@require_GET
def entitlements(request: HttpRequest) -> HttpResponse:
    """What the victim is entitled to under the Victims' Code at the stage the case is at."""
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    return render(
        request,
        "portal/entitlements.html",
        {"case": victim.case, "items": victim_entitlements(victim=victim)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest) -> HttpResponse:
    """The victim chooses, changes or cancels the time of an officer's visit."""
    victim = _signed_in_victim(request)
    if victim is None:
        return _signed_out(request)
    state = visit_state(visit_for_victim(victim=victim))
    slots = list(visit_slots_free(area=victim.case.area)[:30]) if state.may_book else []
    error = ""
    if request.method == "POST" and state.may_book:
        try:
            if request.POST.get("action") == "cancel":
                visit_booking_cancel(victim=victim)
                messages.success(request, _("Your visit time is cancelled."))
            else:
                slot = next((s for s in slots if str(s.pk) == request.POST.get("slot")), None)
                if slot is None:
                    raise CareError(_("Choose a visit time"), field="slot")
                booked = visit_slot_book(victim=victim, slot=slot)
                messages.success(request, visit_state(booked).victim_label)
        except CareError as problem:
            error = str(problem)
        else:
            return redirect("portal:case")
    return render(
        request,
        "portal/visit.html",
        {"state": state, "slots": slots, "error": error},
        status=400 if error else 200,
    )
