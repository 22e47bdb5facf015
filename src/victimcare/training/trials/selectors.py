"""Every read of the care practice trials other code uses, scoped to what the user may
see: a force's training lead (MANAGE_TRAINING) sees the force's trials; anyone else none
(another force's trial is a 404, the same as a missing one)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Count, QuerySet
from django.http import Http404

from victimcare.accounts.models import User
from victimcare.cases.models import Victim
from victimcare.oversight import publication
from victimcare.oversight.selectors import _lonely_strata_collapse
from victimcare.surveys.models import Response
from victimcare.surveys.selectors import satisfied_value
from victimcare.training.constants import MIN_RESPONSES_PER_SIDE
from victimcare.training.effect import EffectError
from victimcare.training.selectors import MEASURE_FIELDS, is_training_lead
from victimcare.training.trials.constants import Arm
from victimcare.training.trials.effect import TrialEffect, TrialTooFewResponses, trial_effect_fit
from victimcare.training.trials.models import Trial, TrialAllocation, TrialPlan


def trials_for_user(*, user: User) -> QuerySet[Trial]:
    force_id = user.force_id
    if force_id is None or not is_training_lead(user):
        return Trial.objects.none()
    return Trial.objects.filter(force_id=force_id).order_by("code")


def trial_get(*, user: User, code: str) -> Trial:
    trial = trials_for_user(user=user).filter(code=code).first()
    if trial is None:
        raise Http404("No such trial for you")
    return trial


def trial_plan(*, trial: Trial) -> TrialPlan | None:
    return TrialPlan.objects.filter(trial=trial).order_by("-version").first()


def allocation_counts(*, trial: Trial) -> dict[str, int]:
    """The cases allocated to each arm so far."""
    counts = {Arm.TREATED.value: 0, Arm.CONTROL.value: 0}
    for row in (
        TrialAllocation.objects.filter(trial=trial).values("arm").annotate(n=Count("id")).order_by()
    ):
        counts[row["arm"]] = row["n"]
    return counts


def trial_effect_columns(*, trial: Trial, plan: TrialPlan) -> dict[str, np.ndarray]:
    """The force's survey responses as the columns ``effect.trial_effect_fit`` reads: every
    response stays in the design (weights from its own stratum, lonely strata joined by
    the one rule); one whose case the trial did not allocate has no outcome. Pseudonyms
    join responses to cases here and go no further: only aggregates leave the app."""
    rows = list(
        Response.objects.filter(force_id=trial.force_id)
        .order_by("id")
        .values_list(
            "respondent",
            "stratum_id",
            "stratum__population",
            "sample_id",
            "stratum__key",
            "month",
            MEASURE_FIELDS[plan.measure],
        )
    )
    if not rows:
        empty = np.array([], dtype=float)
        return {
            "y": empty,
            "treated": empty,
            "month": np.array([], dtype=str),
            "w": empty,
            "stratum": empty,
            "N": empty,
        }
    case_of = dict(
        Victim.objects.filter(
            pseudonym__in=[r[0] for r in rows], case__force_id=trial.force_id
        ).values_list("pseudonym", "case_id")
    )
    arms = dict(
        TrialAllocation.objects.filter(trial=trial, case_id__in=set(case_of.values())).values_list(
            "case_id", "arm"
        )
    )
    y: list[float] = []
    treated: list[float] = []
    for row in rows:
        arm = arms.get(case_of.get(row[0], -1))
        value = satisfied_value(row[6]) if arm is not None else None
        y.append(np.nan if value is None else float(value))
        treated.append(1.0 if arm == Arm.TREATED else 0.0)
    unpacked = list(zip(*rows, strict=True))
    stratum = np.asarray(unpacked[1], dtype=np.int64)
    population = np.asarray(unpacked[2], dtype=float)
    _, inverse, counts = np.unique(stratum, return_inverse=True, return_counts=True)
    variance_stratum, variance_population = _lonely_strata_collapse(
        stratum, population, np.asarray(unpacked[3], dtype=np.int64), unpacked[4]
    )
    return {
        "y": np.asarray(y, dtype=float),
        "treated": np.asarray(treated, dtype=float),
        "month": np.asarray([f"{m:%Y-%m}" for m in unpacked[5]], dtype=str),
        "w": population / counts[inverse],
        "stratum": variance_stratum,
        "N": variance_population,
    }


def trial_effect(*, trial: Trial, minimum: int | None = None) -> TrialEffect:
    """The trial's effect on its measure; raises ``training.effect.EffectError`` (or
    ``effect.TrialTooFewResponses``) with the reason in words."""
    plan = trial_plan(trial=trial)
    if plan is None:
        raise EffectError(f"trial {trial.code} has no registered plan")
    return trial_effect_fit(
        trial_effect_columns(trial=trial, plan=plan),
        trial=trial.code,
        measure=plan.measure,
        minimum=MIN_RESPONSES_PER_SIDE if minimum is None else minimum,
    )


def trial_summary(*, trial: Trial) -> dict[str, Any]:
    """The plan, its earlier versions and the allocation counts, for the trial's page."""
    plans = list(TrialPlan.objects.filter(trial=trial).select_related("registered_by"))
    return {
        "plan": plans[0] if plans else None,
        "earlier": plans[1:],
        "counts": allocation_counts(trial=trial),
    }


TRIAL_RULE = (
    "Rule: the practice's effect is shown only when each arm has at least {threshold} "
    "surveyed victims; it is called a change only when its 95% interval excludes zero (a "
    "design-based t test gives p below 0.05)."
)


def trial_effect_published(*, trial: Trial) -> dict[str, Any]:
    """The trial's effect as it may be shown (the one publication rule,
    ``oversight.publication.publish_comparison``, with each arm's n): ``comparison`` (the
    difference treated minus control as a proportion, its interval and test, or
    ``withheld`` with the reason), the ``effect`` when there is one, and ``error``, the
    reason in words when there is none."""
    threshold = publication.threshold()
    plan = trial_plan(trial=trial)
    effect: TrialEffect | None = None
    error: str | None = None
    n_treated = n_control = 0
    try:
        effect = trial_effect(trial=trial)
    except TrialTooFewResponses as too_few:
        n_treated, n_control, error = too_few.n_treated, too_few.n_control, str(too_few)
    except EffectError as failed:
        error = str(failed)
    raw = None
    if effect is not None:
        n_treated, n_control = effect.n_treated, effect.n_control
        p = effect.p_value
        raw = {
            "difference": effect.estimate / 100,
            "ci_low": effect.ci_low / 100,
            "ci_high": effect.ci_high / 100,
            "p_value": p,
            "significant": effect.ci_low > 0 or effect.ci_high < 0,
        }
    comparison = publication.publish_comparison(
        raw, n_a=n_treated, n_b=n_control, threshold=threshold, rule=TRIAL_RULE
    )
    return {
        "comparison": comparison,
        "effect": effect if comparison["published"] else None,
        "error": error,
        "measure": plan.measure if plan else None,
    }
