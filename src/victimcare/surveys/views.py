"""Staff pages of the survey: samples and fieldwork, responses, interviews, call-backs."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victimcare.accounts.permissions import (
    Capability,
    capability_required,
    forces_in_scope,
    has_capability,
)
from victimcare.cases.selectors import case_get, case_victims
from victimcare.core.periods import period_error_response
from victimcare.surveys.commands import microdata_write
from victimcare.surveys.constants import Answer, CallOutcome, Exclusion, RecoveryStatus, Stage
from victimcare.surveys.forms import (
    AgencyImportForm,
    FlagForm,
    InterviewForm,
    RecoveryForm,
    SampleForm,
)
from victimcare.surveys.questionnaire import questions_of
from victimcare.surveys.sampling import (
    FrameSettings,
    SamplingError,
    allocate,
    month_add,
    month_parse,
    sampling_frame_build,
)
from victimcare.surveys.selectors.exports import contact_export_sample_get, contact_export_samples
from victimcare.surveys.selectors.fieldwork import (
    interview_member_get,
    interview_queue,
    sample_get,
    sample_tracking,
    tracking_by_month,
)
from victimcare.surveys.selectors.microdata import WEIGHTINGS, microdata_rows, responses_for_user
from victimcare.surveys.selectors.recovery import (
    recovery_task_get,
    recovery_tasks_for_user,
    response_comments_redacted,
    sample_strata,
)
from victimcare.surveys.services.agency import (
    agency_import,
    agency_sample_export,
    invitations_export,
)
from victimcare.surveys.services.draw import SampleDesign, sample_draw
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.services.flags import survey_flag_set
from victimcare.surveys.services.invitations import invitations_send
from victimcare.surveys.services.recovery import recovery_task_close
from victimcare.surveys.services.responses import call_attempt_record, interview_details_disclose

EXCLUSION_LABELS = dict(Exclusion.choices)


def _csv_response(filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- samples and fieldwork ---------------------------------------------------------------


@capability_required(Capability.MANAGE_SURVEYS)
@require_GET
def survey_index(request: HttpRequest) -> HttpResponse:
    """Samples of the force by month, with fieldwork progress and response rates."""
    return render(request, "surveys/index.html", {"rows": tracking_by_month(user=request.user)})


def _frame_preview(force, form) -> dict:
    data = form.cleaned_data
    settings_ = FrameSettings(
        strata_by=tuple(p for p in (data.get("strata_by") or "").split(",") if p)
    )
    frame = sampling_frame_build(force=force, month=data["month"], settings=settings_)
    plan = allocate(
        {key: s.population for key, s in frame.strata.items()},
        target=data["target_interviews"],
        rule=data["allocation"],
        response_rate=data["expected_response_rate"] / 100,
        minimum=data["minimum_per_stratum"] or 0,
    )
    return {
        "frame": frame,
        "exclusions": [
            (EXCLUSION_LABELS[reason], count) for reason, count in sorted(frame.exclusions.items())
        ],
        "strata": [
            (key, s.population, sum(s.exclusions.values()), *plan[key])
            for key, s in frame.strata.items()
        ],
        "settings": settings_,
    }


@capability_required(Capability.MANAGE_SURVEYS)
@never_cache
@require_http_methods(["GET", "POST"])
def sample_new(request: HttpRequest) -> HttpResponse:
    """Preview a month's sampling frame and allocation, then draw the sample."""
    force = request.user.force
    previous = month_add(timezone.localdate().replace(day=1), -3)
    form = SampleForm(request.POST or None, initial={"month": f"{previous:%Y-%m}"})
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            preview = _frame_preview(force, form)
            if request.POST.get("action") == "draw":
                data = form.cleaned_data
                sample = sample_draw(
                    force=force,
                    month=data["month"],
                    settings=preview["settings"],
                    design=SampleDesign(
                        target_interviews=data["target_interviews"],
                        allocation=data["allocation"],
                        minimum_per_stratum=data["minimum_per_stratum"] or 0,
                        expected_response_rate=data["expected_response_rate"] / 100,
                        mode=data["mode"],
                    ),
                    seed=data.get("seed"),
                    by=request.user,
                    frame=preview["frame"],
                )
                messages.success(request, _("Sample drawn."))
                return redirect("surveys:sample-detail", pk=sample.pk)
        except SamplingError as error:
            form.add_error(None, str(error))
            preview = None
    return render(request, "surveys/sample_new.html", {"form": form, "preview": preview})


@capability_required(Capability.MANAGE_SURVEYS)
@require_GET
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A sample's design, exclusions, and response tracking by stratum and mode."""
    sample = sample_get(user=request.user, pk=pk)
    strata = list(sample_strata(sample=sample))
    return render(
        request,
        "surveys/sample_detail.html",
        {
            "sample": sample,
            "tracking": sample_tracking(sample=sample),
            "exclusions": [
                (EXCLUSION_LABELS.get(reason, reason), count)
                for reason, count in sorted(sample.exclusions.items())
            ],
            "exclusion_columns": [
                (reason, EXCLUSION_LABELS[reason])
                for reason in Exclusion.values
                if any(reason in s.exclusions for s in strata)
            ],
            "strata": strata,
            "may_export": has_capability(request.user, Capability.EXPORT_CONTACT_DETAILS),
        },
    )


@capability_required(Capability.MANAGE_SURVEYS)
@require_POST
def sample_invite(request: HttpRequest, pk: int) -> HttpResponse:
    sample = sample_get(user=request.user, pk=pk)
    invited = invitations_send(sample=sample)
    messages.success(
        request,
        _("%(count)s invitations recorded. Download them to send.") % {"count": invited},
    )
    return redirect("surveys:sample-detail", pk=sample.pk)


def _public_url(request: HttpRequest) -> str:
    return getattr(settings, "PUBLIC_URL", "") or request.build_absolute_uri("/").rstrip("/")


@capability_required(Capability.EXPORT_CONTACT_DETAILS)
@require_GET
def contact_exports(request: HttpRequest) -> HttpResponse:
    """Samples with victims' contact details waiting to go to fieldwork, for the staff
    who may download them (supervisors, administrators), not those who draw samples."""
    return render(
        request, "surveys/contact_exports.html", {"rows": contact_export_samples(user=request.user)}
    )


@capability_required(Capability.EXPORT_CONTACT_DETAILS)
@never_cache
@require_GET
def invitations_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Invitations to send (links and contact details): each victim's export is audited."""
    sample = contact_export_sample_get(user=request.user, pk=pk)
    response = _csv_response(f"invitations-{sample.force.code}-{sample.month:%Y-%m}.csv")
    invitations_export(
        sample=sample,
        by=request.user,
        file=response,
        base_url=_public_url(request),
        via=request.path,
    )
    return response


@capability_required(Capability.EXPORT_CONTACT_DETAILS)
@never_cache
@require_GET
def agency_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The issued agency sample, with only what the agency needs; audited per victim."""
    sample = contact_export_sample_get(user=request.user, pk=pk)
    response = _csv_response(f"agency-{sample.force.code}-{sample.month:%Y-%m}.csv")
    agency_sample_export(sample=sample, by=request.user, file=response, via=request.path)
    return response


@capability_required(Capability.MANAGE_SURVEYS)
@never_cache
@require_http_methods(["GET", "POST"])
def agency_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    sample = sample_get(user=request.user, pk=pk)
    form = AgencyImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("The file must be a CSV file saved as UTF-8"))
        else:
            result = agency_import(text=text, sample=sample, strict=form.cleaned_data["strict"])
    return render(
        request,
        "surveys/agency_import.html",
        {"sample": sample, "form": form, "result": result},
        status=400 if result is not None and result.rejected else 200,
    )


# --- responses ---------------------------------------------------------------------------


def _month_or(request: HttpRequest, name: str, default: date, errors: list[str]) -> date:
    """The month in ``?name=``, ``default`` when none is given; a month that cannot be
    read or is out of range adds its message to ``errors``."""
    text = request.GET.get(name, "")
    if not text:
        return default
    try:
        return month_parse(text)
    except SamplingError as problem:
        errors.append(str(problem))
        return default


@capability_required(Capability.VIEW_RESPONSES)
@require_GET
def response_list(request: HttpRequest) -> HttpResponse:
    """Pseudonymised responses with design variables; comments redacted."""
    page = Paginator(responses_for_user(user=request.user), 50).get_page(request.GET.get("page"))
    responses = list(page.object_list)
    rows = list(zip(responses, response_comments_redacted(responses=responses), strict=True))
    this_month = timezone.localdate().replace(day=1)
    return render(
        request,
        "surveys/responses.html",
        {
            "page": page,
            "rows": rows,
            "first": f"{month_add(this_month, -12):%Y-%m}",
            "last": f"{this_month:%Y-%m}",
            "weightings": WEIGHTINGS,
        },
    )


@capability_required(Capability.VIEW_RESPONSES)
@never_cache
@require_GET
def microdata_csv(request: HttpRequest) -> HttpResponse:
    """Microdata for `victimcare estimate`: one row per response, pseudonymised."""
    this_month = timezone.localdate().replace(day=1)
    errors: list[str] = []
    first = _month_or(request, "from", month_add(this_month, -12), errors)
    last = _month_or(request, "to", this_month, errors)
    if first > last:
        errors.append(_("The first month must be the same as or before the last month"))
    if errors:
        return period_error_response(request, errors=errors, back=reverse("surveys:responses"))
    weighting = request.GET.get("weighting", "design")
    if weighting not in WEIGHTINGS:
        weighting = "design"
    satisfied = request.GET.get("satisfied", "top3")
    if satisfied not in ("top3", "top2"):
        satisfied = "top3"
    forces = list(forces_in_scope(request.user))
    rows = microdata_rows(
        forces=forces, first_month=first, last_month=last, weighting=weighting, satisfied=satisfied
    )
    response = _csv_response(f"survey-microdata-{first:%Y-%m}-{last:%Y-%m}.csv")
    microdata_write(rows, response)
    return response


# --- telephone interviews ----------------------------------------------------------------


@capability_required(Capability.INTERVIEW)
@require_GET
def interview_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(interview_queue(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "surveys/interviews.html", {"page": page})


@capability_required(Capability.INTERVIEW)
@never_cache
@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, serial: str) -> HttpResponse:
    """The interviewer's script for one sampled victim; who to call is personal data,
    so every opening of the screen is audited."""
    member = interview_member_get(user=request.user, serial=serial)
    questions = questions_of(member.sample.questionnaire)
    form = InterviewForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            call_attempt_record(
                member=member,
                outcome=outcome,
                by=request.user,
                call_back_at=form.cleaned_data.get("call_back_moment"),
                answers=form.answers() if outcome == CallOutcome.COMPLETED else None,
            )
        except (FieldworkError, ValueError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(serial)s: %(outcome)s recorded.")
                % {"serial": member.serial, "outcome": CallOutcome(outcome).label},
            )
            return redirect("surveys:interviews")
    details = interview_details_disclose(user=request.user, member=member, page=request.path)
    question_fields = [(q, form[f"q_{q.code}"]) for q in questions]
    return render(
        request,
        "surveys/interview.html",
        {
            "member": member,
            "details": details,
            "case": member.victim.case,
            "form": form,
            "question_fields": question_fields,
            "calls": member.calls.select_related("by").order_by("-at"),
            "closed": member.outcome != "issued",
        },
        status=400 if form.errors else 200,
    )


# --- service recovery --------------------------------------------------------------------


@capability_required(Capability.SERVICE_RECOVERY)
@require_GET
def recovery_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", RecoveryStatus.OPEN)
    if status not in RecoveryStatus.values:
        status = RecoveryStatus.OPEN
    tasks = recovery_tasks_for_user(user=request.user, status=status)
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    comments = response_comments_redacted(responses=[task.response for task in tasks])
    rows = list(zip(tasks, comments, strict=True))
    return render(
        request,
        "surveys/recovery_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": RecoveryStatus.choices,
            "now": timezone.now(),
        },
    )


@capability_required(Capability.SERVICE_RECOVERY)
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = recovery_task_get(user=request.user, pk=pk)
    form = RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_task_close(
                task=task,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Call-back outcome recorded."))
            return redirect("surveys:recovery")
    response = task.response
    return render(
        request,
        "surveys/recovery_detail.html",
        {
            "task": task,
            "response": response,
            "answers": [
                (label, _answer_label(response.stage_answer(stage)))
                for stage, label in _stage_labels()
            ],
            "comment": response_comments_redacted(responses=[response])[0],
            "case": task.member.victim.case,
            "form": form,
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )


def _stage_labels():
    return Stage.choices


def _answer_label(answer: str) -> str:
    return str(Answer(answer).label) if answer in Answer.values else _("Not asked")


# --- survey flags from the case page -----------------------------------------------------


@capability_required(Capability.WORK_CASES)
@require_POST
def victim_flag(request: HttpRequest, reference: str) -> HttpResponse:
    """An officer keeps a victim of their force's case out of survey samples."""
    case = case_get(user=request.user, reference=reference)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose why this victim should not be surveyed."))
        return redirect(case.get_absolute_url())
    victim = case_victims(case=case).filter(pk=form.cleaned_data["victim"]).first()
    if victim is None:
        raise Http404("No such victim on this case")
    survey_flag_set(victim=victim, kind=form.cleaned_data["kind"], by=request.user)
    messages.success(request, _("This victim will not be included in survey samples."))
    return redirect(case.get_absolute_url())
