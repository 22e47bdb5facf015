"""Training pages: modules written with support organisations (drafting, sign-off,
publication), assignment and rollout, completion by team, an officer's own training,
and each module's effect on what victims say. Thin: reads in selectors, writes in
services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from victimcare.accounts.models import SupportOrganisation, User
from victimcare.accounts.permissions import (
    Capability,
    StaffRequest,
    capability_required,
    has_capability,
)
from victimcare.forces.models import Team
from victimcare.training import content, selectors, services
from victimcare.training.constants import Measure, RolloutDesign
from victimcare.training.effect import VERDICT_RULE, EffectError, TooFewResponses
from victimcare.training.forms import AssignForm, InviteForm, ModuleForm, RolloutForm, VersionForm
from victimcare.training.models import ModuleVersion, RolloutPlan, TrainingModule


def authors_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The force's training lead or a support organisation's staff (each then sees only
    what selectors give them); others a 403, anonymous users sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and getattr(user, "is_verified", lambda: False)()):
            return redirect_to_login(request.get_full_path())
        if not (
            has_capability(user, Capability.MANAGE_TRAINING)
            or has_capability(user, Capability.CO_AUTHOR_TRAINING)
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.required_capability = Capability.CO_AUTHOR_TRAINING  # type: ignore[attr-defined]
    return wrapped


def _errors_to_form(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _rendered(version: ModuleVersion) -> dict[str, Any]:
    return {
        "sections": [
            {
                "heading": s.get("heading", ""),
                # markdown-it with raw HTML off and its link check (content.py)
                "html": mark_safe(content.markdown_render(s.get("body", ""))),  # noqa: S308 (safe: see above)
            }
            for s in version.sections
        ],
        "quotes": version.quotes,
        "learning_points": version.learning_points,
        "questions": list(enumerate(version.knowledge_check)),
    }


@authors_only
def index(request: StaffRequest) -> HttpResponse:
    modules = selectors.modules_for_user(user=request.user).prefetch_related("versions")
    return render(
        request,
        "training/index.html",
        {"modules": modules, "lead": selectors.is_training_lead(request.user)},
    )


@capability_required(Capability.MANAGE_TRAINING)
@require_http_methods(["GET", "POST"])
def module_create(request: StaffRequest) -> HttpResponse:
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect("training:module", pk=module.pk)
    status = 400 if form.errors else 200
    return render(request, "training/module_form.html", {"form": form}, status=status)


@authors_only
def module_detail(request: StaffRequest, pk: int) -> HttpResponse:
    module = selectors.module_get(user=request.user, pk=pk)
    lead = selectors.is_training_lead(request.user)
    draft = selectors.module_draft(module=module)
    published = selectors.module_latest_published(module=module)
    context = {
        "module": module,
        "lead": lead,
        "draft": draft,
        "published": published,
        "measure_label": Measure(module.measure).label,
        "sign_offs": selectors.sign_off_state(version=draft) if draft else None,
        "draft_content": _rendered(draft) if draft and draft.sections else None,
        "published_content": _rendered(published) if published else None,
        "changes": module.changes.select_related("by", "organisation")[:50],
        "invitations": module.invitations.select_related("organisation"),
    }
    if lead:
        context["invite_form"] = InviteForm(organisations=_organisations(module))
        context["rollout"] = RolloutPlan.objects.filter(module=module).first()
        context["assignments"] = [
            a
            for v in module.versions.all()
            for a in v.assignments.select_related("team", "officer", "version")
        ]
        context["progress"] = (
            selectors.completion_by_team(force_id=module.force_id, version=published)
            if published
            else []
        )
        context["verdict_rule"] = VERDICT_RULE
        try:
            effect = selectors.module_effect(module=module)
        except TooFewResponses as error:
            context["effect_error"] = str(error)
        except EffectError as error:
            context["effect_error"] = str(error)
        else:
            context["effect"] = effect
            context["verdict"] = effect.verdict(str(context["measure_label"]))
    return render(request, "training/module.html", context)


def _organisations(module: TrainingModule) -> QuerySet[SupportOrganisation]:
    return SupportOrganisation.objects.filter(forces=module.force_id).exclude(
        pk__in=module.invitations.values("organisation_id")
    )


@authors_only
@require_http_methods(["GET", "POST"])
def version_edit(request: StaffRequest, pk: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, pk=pk)
    module = version.module
    available = selectors.quotes_available(module=module)
    chosen_texts = {q["text"] for q in version.quotes}
    if request.method == "POST":
        form = VersionForm(request.POST)
        picked = set(request.POST.getlist("quote"))
        quotes = [q for q in [*version.quotes, *available] if q["text"] in picked]
        quotes = list({q["text"]: q for q in quotes}.values())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.version_edit(
                    user=request.user,
                    version=version,
                    sections=data["sections"],
                    learning_points=data["learning_points"],
                    check=data["check"],
                    quotes=quotes,
                    pass_mark=data["pass_mark"],
                    note=data["note"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, "Draft saved: it needs signing off again")
                return redirect("training:module", pk=module.pk)
        chosen_texts = picked
    else:
        form = VersionForm(
            initial={
                "sections": content.sections_text(version.sections),
                "learning_points": "\n".join(version.learning_points),
                "check": content.check_text(version.knowledge_check),
                "pass_mark": version.pass_mark,
            }
        )
    quote_choices = list({q["text"]: q for q in [*version.quotes, *available]}.values())
    return render(
        request,
        "training/version_form.html",
        {
            "form": form,
            "version": version,
            "module": module,
            "editable": version.is_draft,
            "quote_choices": [
                (i, q, q["text"] in chosen_texts) for i, q in enumerate(quote_choices)
            ],
        },
        status=400 if form.errors else 200,
    )


def _post_action(
    request: StaffRequest, pk: int, action: Callable[..., object], done: str
) -> HttpResponse:
    version = selectors.version_get(user=request.user, pk=pk)
    try:
        action(user=request.user, version=version)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("training:module", pk=version.module_id)


@authors_only
@require_POST
def version_sign_off(request: StaffRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, services.sign_off_record, "Signed off")


@capability_required(Capability.MANAGE_TRAINING)
@require_POST
def version_publish(request: StaffRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, services.version_publish, "Published")


@capability_required(Capability.MANAGE_TRAINING)
@require_POST
def version_start(request: StaffRequest, pk: int) -> HttpResponse:
    module = selectors.module_get(user=request.user, pk=pk)
    try:
        services.version_start(user=request.user, module=module)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("training:module", pk=module.pk)


@capability_required(Capability.MANAGE_TRAINING)
@require_POST
def invite(request: StaffRequest, pk: int) -> HttpResponse:
    module = selectors.module_get(user=request.user, pk=pk)
    form = InviteForm(request.POST, organisations=_organisations(module))
    if form.is_valid():
        try:
            services.invitation_create(
                user=request.user, module=module, organisation=form.cleaned_data["organisation"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Invited {form.cleaned_data['organisation']}")
    else:
        messages.error(request, "Choose a support organisation that works with your force")
    return redirect("training:module", pk=module.pk)


@capability_required(Capability.MANAGE_TRAINING)
@require_http_methods(["GET", "POST"])
def assign(request: StaffRequest, pk: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, pk=pk)
    force_id = version.module.force_id
    form = AssignForm(
        request.POST or None,
        teams=Team.objects.filter(force_id=force_id),
        officers=User.objects.filter(force_id=force_id, role__in=services.ASSIGNABLE_ROLES),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_create(
                user=request.user,
                version=version,
                due_on=data["due_on"],
                role=data["role"] or "",
                team=data["team"],
                officer=data["officer"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, "Assigned")
            return redirect("training:module", pk=version.module_id)
    return render(
        request,
        "training/assign.html",
        {"form": form, "version": version, "module": version.module},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.MANAGE_TRAINING)
@require_http_methods(["GET", "POST"])
def rollout(request: StaffRequest, pk: int) -> HttpResponse:
    module = selectors.module_get(user=request.user, pk=pk)
    form = RolloutForm(request.POST or None, initial={"design": RolloutDesign.STEPPED_WEDGE})
    if request.method == "POST" and form.is_valid():
        try:
            services.rollout_plan_set(user=request.user, module=module, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, "Rollout plan stored")
            return redirect("training:module", pk=module.pk)
    return render(
        request,
        "training/rollout.html",
        {"form": form, "module": module, "plan": RolloutPlan.objects.filter(module=module).first()},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.MANAGE_TRAINING)
def progress(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "training/progress.html",
        # (no force: no assignments, so no rows)
        {"progress": selectors.completion_by_team(force_id=request.user.force_id)},  # type: ignore[arg-type]
    )


@capability_required(Capability.TAKE_TRAINING)
def mine(request: StaffRequest) -> HttpResponse:
    return render(
        request, "training/mine.html", {"items": selectors.training_for_user(user=request.user)}
    )


@capability_required(Capability.TAKE_TRAINING)
@require_http_methods(["GET", "POST"])
def take(request: StaffRequest, pk: int) -> HttpResponse:
    item = selectors.assigned_version_get(user=request.user, pk=pk)
    version = item.version
    result = None
    errors = []
    answers: dict[int, int | None] = {}
    if request.method == "POST":
        for i, question in enumerate(version.knowledge_check):
            raw = request.POST.get(f"q{i}", "")
            if raw.isdigit() and int(raw) < len(question["options"]):
                answers[i] = int(raw)
            else:
                answers[i] = None
                errors.append((i, format_html("Answer question {}", i + 1)))
        if not errors:
            score, completion = services.completion_record(
                officer=request.user, version=version, answers=answers
            )
            if completion is not None:
                messages.success(request, f"Completed with {score.percent}%")
                return redirect("training:mine")
            result = score
    return render(
        request,
        "training/take.html",
        {
            "item": item,
            "version": version,
            "module": version.module,
            "content": _rendered(version),
            "answers": answers,
            "errors": errors,
            "result": result,
        },
        status=400 if errors else 200,
    )
