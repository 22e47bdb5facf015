"""Online reporting (one question per page, saved at every step), staff entry, and the
Victim Care Card. Thin: forms validate, services write."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victimcare.accounts.permissions import Capability, capability_required
from victimcare.care.selectors_rights import OPEN, referral_state
from victimcare.care.services.errors import CareError
from victimcare.care.services_rights import referral_answer_record
from victimcare.cases.selectors import case_get
from victimcare.forces.models import CrimeType
from victimcare.intake import selectors, services
from victimcare.intake.care_card import care_card_facts, care_card_pdf, pdf_available
from victimcare.intake.constants import NOT_REPORTED_ONLINE, SUPPORT_CONTACTS
from victimcare.intake.forms import (
    FORCE_STEPS,
    QUESTION_STEPS,
    STEP_FORMS,
    STEPS,
    AboutYouForm,
    EqualityForm,
    ReferralAnswerForm,
    StaffChannelForm,
    StaffGroundsForm,
    StaffReportedForm,
    answers_cross_check,
    answers_validate,
)

# The resume token rides in a cookie of its own, not in the session: sessions are stored in
# the database, and the token is the key to the draft's sealed answers.
DRAFT_COOKIE = "vc_report_draft"
CASE_SESSION_KEY = "intake_case_id"


def _draft_token(request: HttpRequest) -> str:
    return request.COOKIES.get(DRAFT_COOKIE, "")


def _draft_cookie_set(response: HttpResponse, token: str) -> HttpResponse:
    """Until the browser closes, like the session; only sent to the reporting pages."""
    response.set_cookie(
        DRAFT_COOKIE,
        token,
        path=reverse("intake:report-start"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _draft(request: HttpRequest):
    """This browser's draft, opened with the resume token its cookie holds."""
    return services.draft_get(token=_draft_token(request))


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _steps_for(draft) -> list[str]:
    """The steps this draft asks: the postcode (then, if it did not find the force, the
    force) unless the force was given; the force step is skipped when the postcode found it."""
    slugs = [slug for slug, _form in STEPS]
    if draft.answers.get("_preset") or selectors.reporting_forces().count() <= 1:
        slugs = [slug for slug in slugs if slug not in FORCE_STEPS]
    elif draft.answers.get("force_by_postcode") and draft.answers.get("force"):
        slugs.remove("force")
    # The referral question the Code asks for the crime: consent, or the opt-out.
    consent = selectors.crime_type_needs_consent(code=draft.answers.get("crime_type"))
    slugs.remove("support" if consent else "support-consent")
    return slugs


def _exit_this_page(crime_type_code: str) -> bool:
    """Whether the victim's pages carry 'Exit this page': from the moment they say the
    crime is domestic abuse or a sexual offence."""
    if not crime_type_code:
        return False
    crime_type = CrimeType.objects.filter(code=crime_type_code).first()
    return crime_type is not None and crime_type.needs_exit_this_page


def _date_shown(value: str) -> str:
    """An ISO date as victims read it: 1 December 2026."""
    try:
        return date_format(date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return value


def _reportable_online(crime_type_code: str) -> bool:
    """False for a crime the victim must speak to someone about (bereaved relatives: see
    NOT_REPORTED_ONLINE), or whose crime type says so (``reportable_online``, where the
    reference data gives it)."""
    if crime_type_code in NOT_REPORTED_ONLINE:
        return False
    crime_type = CrimeType.objects.filter(code=crime_type_code).first()
    return bool(getattr(crime_type, "reportable_online", True))


def _not_online(request: HttpRequest, draft, crime_type_code: str) -> HttpResponse:
    """A crime that cannot be reported online: the draft goes (nothing is kept) and the
    page says to call 999 or 101."""
    services.draft_discard(draft=draft)
    response = render(
        request,
        "intake/report_not_online.html",
        {"support": SUPPORT_CONTACTS, "bereaved": crime_type_code in NOT_REPORTED_ONLINE},
        status=200,
    )
    response.delete_cookie(DRAFT_COOKIE, path=reverse("intake:report-start"), samesite="Lax")
    return response


def _ended(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        _(
            "Your reporting session has ended. If you saved a link to your report, use it to carry on."
        ),
    )
    return redirect("intake:report-start")


@never_cache
@require_http_methods(["GET", "POST"])
def report_start(request: HttpRequest) -> HttpResponse:
    """The start page. ``?force=MPS`` picks the force; otherwise the first step asks."""
    forces = selectors.reporting_forces()
    preset = selectors.force_by_code(request.GET.get("force") or request.POST.get("force", ""))
    if preset is None and forces.count() == 1:
        preset = forces.first()
    if request.method == "POST":
        try:
            draft, token = services.draft_start(force=preset, address=_client_address(request))
        except services.DraftsThrottled:
            return render(request, "intake/report_too_many.html", status=429)
        if preset is not None:
            services.draft_save(draft=draft, step="", answers={"_preset": "1"})
        request.session.pop(CASE_SESSION_KEY, None)
        return _draft_cookie_set(redirect("intake:report-step", step=_steps_for(draft)[0]), token)
    return render(request, "intake/report_start.html", {"preset": preset})


@never_cache
@require_http_methods(["GET", "POST"])
def report_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in STEP_FORMS:
        raise Http404
    draft = _draft(request)
    if draft is None or draft.submitted_case_id:
        return _ended(request)
    slugs = _steps_for(draft)
    if step not in slugs:
        return redirect("intake:report-step", step=slugs[0])
    form_class = STEP_FORMS[step]
    returning = request.GET.get("change") == "1" or request.POST.get("change") == "1"
    if request.method == "POST":
        form = form_class(data=request.POST, force=draft.force)
        if form.is_valid():
            answers = form.answers()
            if answers.get("crime_type") and not _reportable_online(answers["crime_type"]):
                return _not_online(request, draft, answers["crime_type"])
            if form_class in (AboutYouForm, EqualityForm):
                # The age and the date of birth are asked on different pages.
                for key, messages_ in answers_cross_check({**draft.answers, **answers}).items():
                    if key in form.answer_keys:
                        name = f"{key}_day" if key == "date_of_birth" else key
                        for message in messages_:
                            form.add_error(name, message)
        if form.is_valid():
            services.draft_save(draft=draft, step=step, answers=answers)
            if step == "postcode" and answers.get("force_by_postcode"):
                messages.info(
                    request,
                    _("We will send your report to %(force)s, the police force for %(postcode)s.")
                    % {"force": draft.force.name, "postcode": answers["crime_postcode"]},
                )
            slugs = _steps_for(draft)  # the postcode may have found the force
            position = slugs.index(step)
            if returning or position + 1 >= len(slugs):
                return redirect("intake:report-check")
            return redirect("intake:report-step", step=slugs[position + 1])
    else:
        data = form_class.data_from(draft.answers)
        form = form_class(initial=data, force=draft.force)
    position = slugs.index(step)
    back = (
        reverse("intake:report-check")
        if returning
        else reverse("intake:report-step", kwargs={"step": slugs[position - 1]})
        if position
        else reverse("intake:report-start")
    )
    return render(
        request,
        "intake/report_step.html",
        {
            "form": form,
            "step": step,
            "number": position + 1,
            "total": len(slugs),
            "back": back,
            "returning": returning,
            "exit_this_page": _exit_this_page(draft.answers.get("crime_type", "")),
        },
    )


@never_cache
@require_GET
def report_saved(request: HttpRequest) -> HttpResponse:
    """The link to come back to an unfinished report within 7 days."""
    token = _draft_token(request)
    draft = services.draft_get(token=token)
    if draft is None or draft.submitted_case_id:
        return _ended(request)
    link = request.build_absolute_uri(reverse("intake:report-resume")) + f"?token={token}"
    return render(
        request,
        "intake/report_saved.html",
        {
            "link": link,
            "draft": draft,
            "exit_this_page": _exit_this_page(draft.answers.get("crime_type", "")),
        },
    )


@never_cache
@require_GET
def report_resume(request: HttpRequest) -> HttpResponse:
    """Carry on with a saved report. The token comes in the query string (kept out of access
    logs) and moves straight into this browser's draft cookie."""
    token = request.GET.get("token", "")
    draft = services.draft_get(token=token)
    if draft is None:
        return render(request, "intake/report_resume_invalid.html", status=200)
    if draft.submitted_case_id:
        request.session[CASE_SESSION_KEY] = draft.submitted_case_id
        return redirect("intake:report-confirmation")
    slugs = _steps_for(draft)
    if draft.last_step in slugs:
        index = slugs.index(draft.last_step) + 1
        if index >= len(slugs):
            return _draft_cookie_set(redirect("intake:report-check"), token)
        return _draft_cookie_set(redirect("intake:report-step", step=slugs[index]), token)
    return _draft_cookie_set(redirect("intake:report-step", step=slugs[0]), token)


def _summary_rows(draft) -> list[dict]:
    rows = []
    slugs = _steps_for(draft)
    for slug, form_class in STEPS:
        if slug not in slugs:
            continue
        form = form_class(data=form_class.data_from(draft.answers), force=draft.force)
        form.is_valid()
        cleaned = getattr(form, "cleaned_data", {})
        href = reverse("intake:report-step", kwargs={"step": slug}) + "?change=1"
        for name, field in form.fields.items():
            if name.endswith(("_month", "_year")):
                continue
            if name.endswith("_day"):
                key = name[: -len("_day")]
                group = next(g for g in form.date_groups if g.name == key)
                label, value = group.label, _date_shown(draft.answers.get(key, ""))
            else:
                label, value = field.label, cleaned.get(name, draft.answers.get(name, ""))
                choices = _flat_choices(getattr(field, "choices", []) or [])
                value = choices.get(value, value) if choices else value
            rows.append(
                {"label": label, "value": value, "href": href, "anchor": form[name].auto_id}
            )
        if slug == "postcode" and "force" not in slugs and draft.force is not None:
            rows.append(
                {
                    "label": _("Police force"),
                    "value": draft.force.name,
                    "href": href,
                    "anchor": "id_crime_postcode",
                }
            )
    return rows


def _flat_choices(choices) -> dict:
    """A field's choices as value -> label, groups opened."""
    flat = {}
    for value, label in choices:
        if isinstance(label, list | tuple):
            flat.update(_flat_choices(label))
        else:
            flat[value] = label
    return flat


@never_cache
@require_http_methods(["GET", "POST"])
def report_check(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    if draft is None or draft.submitted_case_id:
        return _ended(request)
    if draft.answers.get("crime_type") and not _reportable_online(draft.answers["crime_type"]):
        return _not_online(request, draft, draft.answers["crime_type"])
    errors = {}
    if draft.force is None:
        errors = {"force": [_("Select the police force area")]}
    else:
        _cleaned, errors = answers_validate(force=draft.force, answers=draft.answers)
    if request.method == "POST" and not errors:
        case = services.draft_submit(draft=draft)
        request.session[CASE_SESSION_KEY] = case.pk
        response = redirect("intake:report-confirmation")
        response.delete_cookie(DRAFT_COOKIE, path=reverse("intake:report-start"), samesite="Lax")
        return response
    error_links = []
    for key, messages_ in errors.items():
        slug = next(
            (s for s, f in STEPS if key in f.answer_keys and s not in FORCE_STEPS),
            _steps_for(draft)[0],
        )
        for message in messages_:
            error_links.append(
                (reverse("intake:report-step", kwargs={"step": slug}) + "?change=1", message)
            )
    return render(
        request,
        "intake/report_check.html",
        {
            "rows": _summary_rows(draft),
            "error_links": error_links,
            "draft": draft,
            "exit_this_page": _exit_this_page(draft.answers.get("crime_type", "")),
        },
    )


def _victim_case(request: HttpRequest):
    return selectors.case_for_victim_session(case_id=request.session.get(CASE_SESSION_KEY))


@never_cache
@require_GET
def report_confirmation(request: HttpRequest) -> HttpResponse:
    case = _victim_case(request)
    if case is None:
        return redirect("intake:report-start")
    return _confirmation_page(request, case)


def _confirmation_page(request: HttpRequest, case, form=None) -> HttpResponse:
    victim = case.victims.first()
    referral = referral_state(victim=victim) if victim is not None else None
    if form is None and referral is not None and referral.state == OPEN:
        form = ReferralAnswerForm(needs_consent=referral.needs_consent)
    return render(
        request,
        "intake/report_confirmation.html",
        {
            "case": case,
            "card": care_card_facts(case=case),
            "pdf": pdf_available(),
            "exit_this_page": case.crime_type.needs_exit_this_page,
            "referral": referral,
            "referral_form": form,
        },
    )


@never_cache
@require_POST
def report_referral(request: HttpRequest) -> HttpResponse:
    """The victim answers the referral question on the confirmation page (until the referral
    has gone)."""
    case = _victim_case(request)
    if case is None:
        return redirect("intake:report-start")
    victim = case.victims.first()
    if victim is None:
        raise Http404
    referral = referral_state(victim=victim)
    form = ReferralAnswerForm(data=request.POST, needs_consent=referral.needs_consent)
    if form.is_valid():
        try:
            referral_answer_record(
                case=case,
                victim=victim,
                answer=form.cleaned_data["answer"],
                source="confirmation_page",
            )
        except CareError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you. We have your answer."))
        return redirect("intake:report-confirmation")
    return _confirmation_page(request, case, form)


def _card_page(
    request: HttpRequest, case, back: str, pdf_url: str, victim: bool = False
) -> HttpResponse:
    return render(
        request,
        "intake/care_card.html",
        {
            "card": care_card_facts(case=case),
            "back": back,
            "pdf_url": pdf_url if pdf_available() else "",
            "exit_this_page": victim and case.crime_type.needs_exit_this_page,
        },
    )


def _card_pdf(case) -> HttpResponse:
    if not pdf_available():
        raise Http404("PDF cards need WeasyPrint")
    response = HttpResponse(care_card_pdf(case=case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="victim-care-card-{case.reference}.pdf"'
    return response


@never_cache
@require_GET
def report_care_card(request: HttpRequest) -> HttpResponse:
    case = _victim_case(request)
    if case is None:
        return redirect("intake:report-start")
    return _card_page(
        request,
        case,
        reverse("intake:report-confirmation"),
        reverse("intake:report-care-card-pdf"),
        victim=True,
    )


@never_cache
@require_GET
def report_care_card_pdf(request: HttpRequest) -> HttpResponse:
    case = _victim_case(request)
    if case is None:
        return redirect("intake:report-start")
    return _card_pdf(case)


@capability_required(Capability.VIEW_CASES)
@never_cache
@require_GET
def care_card(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get(user=request.user, reference=reference)
    return _card_page(
        request,
        case,
        case.get_absolute_url(),
        reverse("intake:care-card-pdf", kwargs={"reference": case.reference}),
    )


@capability_required(Capability.VIEW_CASES)
@never_cache
@require_GET
def care_card_pdf_view(request: HttpRequest, reference: str) -> HttpResponse:
    return _card_pdf(case_get(user=request.user, reference=reference))


@capability_required(Capability.RECORD_REPORTS)
@never_cache
@require_http_methods(["GET", "POST"])
def staff_report(request: HttpRequest) -> HttpResponse:
    """A report taken by phone, at the front counter or on an officer's visit."""
    force = request.user.force
    data = request.POST if request.method == "POST" else None
    channel_form = StaffChannelForm(data=data, prefix="report")
    reported_form = StaffReportedForm(
        data=data, prefix="reported", initial=StaffReportedForm.initial_now()
    )
    grounds_form = StaffGroundsForm(data=data, prefix="grounds")
    forms_ = [
        form_class(data=data, force=force, prefix=slug, staff=True)
        for slug, form_class in QUESTION_STEPS
    ]
    checked = [f.is_valid() for f in (channel_form, reported_form, grounds_form, *forms_)]
    valid = request.method == "POST" and all(checked)
    answers: dict = {}
    if valid:
        for form in forms_:
            answers.update(form.answers())
        for key, messages_ in answers_cross_check(answers, staff=True).items():
            form = next(f for f in forms_ if key in f.answer_keys)
            for message in messages_:
                form.add_error(f"{key}_day" if key == "date_of_birth" else key, message)
            valid = False
    if valid and reported_form.check_after_crime(answers):
        try:
            case = services.report_record(
                force=force,
                answers=answers,
                channel=channel_form.cleaned_data["channel"],
                recorded_by=request.user,
                reported_at=reported_form.cleaned_data["reported_at"],
                enhanced_grounds=grounds_form.cleaned_data["enhanced_grounds"],
                grounds_recorded_by=request.user.username,
            )
        except services.ReportInvalid as error:  # pragma: no cover (the forms check the same rules)
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Report recorded. Crime reference %(ref)s") % {"ref": case.reference}
            )
            return redirect(case.get_absolute_url())
    return render(
        request,
        "intake/staff_report.html",
        {
            "channel_form": channel_form,
            "reported_form": reported_form,
            "grounds_form": grounds_form,
            "forms": forms_,
            "all_forms": [channel_form, reported_form, grounds_form, *forms_],
        },
    )
