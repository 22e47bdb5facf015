"""The trial pages for the force's training lead: the trials, and each one's registered
plan (with any earlier versions), allocation counts and effect through the publication
rule. Thin: reads in selectors."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, capability_required
from victimcare.training.constants import Measure
from victimcare.training.effect import VERDICT_RULE
from victimcare.training.trials import selectors


def _staff(request: HttpRequest) -> User:
    """The signed-in member of staff (``capability_required`` let only them through)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@capability_required(Capability.MANAGE_TRAINING)
def trials(request: HttpRequest) -> HttpResponse:
    rows = [
        {"trial": t, **selectors.trial_summary(trial=t)}
        for t in selectors.trials_for_user(user=_staff(request))
    ]
    return render(request, "training/trials.html", {"rows": rows})


@capability_required(Capability.MANAGE_TRAINING)
def trial(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.trial_get(user=_staff(request), code=code)
    summary = selectors.trial_summary(trial=found)
    published = selectors.trial_effect_published(trial=found)
    effect = published["effect"]
    label = str(Measure(published["measure"]).label) if published["measure"] else ""
    return render(
        request,
        "training/trial.html",
        {
            "trial": found,
            **summary,
            "published": published,
            "measure_label": label,
            "verdict": effect.verdict(label) if effect is not None else None,
            "verdict_rule": VERDICT_RULE,
        },
    )
