"""Where the training aims: each module of a force with the survey stage it targets and
its rollout state, for the oversight drivers page and the report pack.

Oversight sits below training, so it never imports this module: ``apps.ready()``
registers ``training_aims`` with ``core.registry.training_aims_provider_register`` and
oversight asks ``core.registry.training_aims_for_force``.

A module's rollout state on a day:

- **draft**: no version published yet;
- **published**: published, not yet reaching anyone (no rollout plan or assignment has
  started);
- **rolling out, wave k of n**: its rollout plan's wave k has started and the last wave's
  period has not ended;
- **rolled out**: every wave's period has ended, or (without a plan) it has been assigned
  and the assignment has started.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import reverse

from victimcare.core.registry import TrainingAim
from victimcare.training.constants import VersionStatus
from victimcare.training.models import Assignment, RolloutPlan, TrainingModule
from victimcare.training.selectors import modules_for_user, today

DRAFT = "draft"
PUBLISHED = "published"
ROLLING_OUT = "rolling_out"
ROLLED_OUT = "rolled_out"


def rollout_state(
    *, published: bool, plan: RolloutPlan | None, assigned_from: date | None, on: date
) -> tuple[str, str]:
    """The state of a module (see the module's docstring) and its label in words."""
    if not published:
        return DRAFT, "Draft: not yet published"
    if plan is not None:
        if on < plan.starts_on:
            return PUBLISHED, f"Published; rollout from {plan.starts_on:%-d %B %Y}"
        wave = (on - plan.starts_on).days // plan.period_days + 1
        if wave > plan.waves:
            end = plan.starts_on + timedelta(days=plan.waves * plan.period_days - 1)
            return ROLLED_OUT, f"Rolled out ({plan.waves} wave(s), to {end:%-d %B %Y})"
        return ROLLING_OUT, f"Rolling out: wave {wave} of {plan.waves}"
    if assigned_from is not None and assigned_from <= on:
        return ROLLED_OUT, f"Rolled out (assigned from {assigned_from:%-d %B %Y})"
    return PUBLISHED, "Published; not yet rolled out"


def training_aims(force_id: int, user: Any = None, on: date | None = None) -> list[TrainingAim]:
    """Every module of the force with the stage it aims at and its rollout state; the
    module's page as ``url`` when ``user`` may open it."""
    on = on or today()
    modules = list(TrainingModule.objects.filter(force_id=force_id).order_by("title", "code"))
    if not modules:
        return []
    ids = [m.pk for m in modules]
    published = set(
        TrainingModule.objects.filter(
            pk__in=ids, versions__status=VersionStatus.PUBLISHED
        ).values_list("pk", flat=True)
    )
    plans = {p.module_id: p for p in RolloutPlan.objects.filter(module_id__in=ids)}
    first_assigned: dict[int, date] = {}
    for module_id, start in Assignment.objects.filter(
        version__module_id__in=ids, rollout__isnull=True
    ).values_list("version__module_id", "available_from"):
        if module_id not in first_assigned or start < first_assigned[module_id]:
            first_assigned[module_id] = start
    visible: set[int] = set()
    if user is not None and getattr(user, "is_authenticated", False):
        visible = set(modules_for_user(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    out = []
    for module in modules:
        state, label = rollout_state(
            published=module.pk in published,
            plan=plans.get(module.pk),
            assigned_from=first_assigned.get(module.pk),
            on=on,
        )
        out.append(
            TrainingAim(
                stage=module.measure,
                code=module.code,
                title=module.title,
                state=state,
                state_label=label,
                url=reverse("training:module", args=[module.pk]) if module.pk in visible else None,
            )
        )
    return out
