"""Every read of training other code uses, scoped to what the user may see.

A force's training lead (MANAGE_TRAINING) sees the force's modules; a support
organisation's staff (CO_AUTHOR_TRAINING) only the modules their organisation is
invited to; anyone else none. Another force's module, or one a support organisation is
not invited to, is a 404, the same as a missing one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import SupportOrganisation, User
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.core.timezones import LONDON
from victimcare.training.constants import VersionStatus
from victimcare.training.models import (
    Assignment,
    Completion,
    ModuleVersion,
    RolloutPlan,
    SignOff,
    TrainingModule,
)

if TYPE_CHECKING:  # (numpy and the effect model load with the effect page, not here)
    import numpy as np

    from victimcare.training.effect import Effect


def today() -> date:
    return timezone.now().astimezone(LONDON).date()


def is_training_lead(user: User) -> bool:
    return has_capability(user, Capability.MANAGE_TRAINING) and user.force_id is not None


def is_co_author(user: User) -> bool:
    return (
        has_capability(user, Capability.CO_AUTHOR_TRAINING)
        and user.support_organisation_id is not None
    )


def modules_for_user(*, user: User) -> QuerySet[TrainingModule]:
    modules = TrainingModule.objects.select_related("force")
    if is_training_lead(user) and user.force_id is not None:  # (a lead has a force)
        return modules.filter(force_id=user.force_id)
    if is_co_author(user):
        return modules.filter(invitations__organisation_id=user.support_organisation_id)
    return modules.none()


def module_get(*, user: User, pk: int) -> TrainingModule:
    module = modules_for_user(user=user).filter(pk=pk).first()
    if module is None:
        raise Http404("No such training module for you")
    return module


def version_get(*, user: User, pk: int) -> ModuleVersion:
    version = (
        ModuleVersion.objects.filter(module__in=modules_for_user(user=user), pk=pk)
        .select_related("module", "module__force")
        .first()
    )
    if version is None:
        raise Http404("No such version for you")
    return version


def module_latest_published(*, module: TrainingModule) -> ModuleVersion | None:
    return module.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


def module_draft(*, module: TrainingModule) -> ModuleVersion | None:
    return module.versions.filter(status=VersionStatus.DRAFT).first()


@dataclass
class SignOffState:
    """Who has signed off a draft's current revision, and who is still to."""

    lead: SignOff | None
    organisations: list[tuple[SupportOrganisation, SignOff | None]]

    @property
    def missing(self) -> list[str]:
        out = [] if self.lead else ["the force's training lead"]
        out += [str(org) for org, s in self.organisations if s is None]
        return out

    @property
    def complete(self) -> bool:
        return bool(self.organisations) and not self.missing


def sign_off_state(*, version: ModuleVersion) -> SignOffState:
    current = list(
        version.sign_offs.filter(revision=version.revision).select_related("by", "organisation")
    )
    lead = next((s for s in current if s.organisation_id is None), None)
    by_org = {s.organisation_id: s for s in current if s.organisation_id}
    organisations = [
        (inv.organisation, by_org.get(inv.organisation_id))
        for inv in version.module.invitations.select_related("organisation")
    ]
    return SignOffState(lead=lead, organisations=organisations)


def quotes_available(*, module: TrainingModule, limit: int = 40) -> list[dict[str, str]]:
    """Victims' words the authors may quote: the force's survey comments and call-back
    notes, redacted of personal data (``surveys.selectors.response_comments_redacted``,
    ``surveys.redaction.comment_redact``), most recent first. Only the redacted text
    leaves this function."""
    from victimcare.surveys.models import RecoveryTask, Response
    from victimcare.surveys.redaction import comment_redact
    from victimcare.surveys.selectors import response_comments_redacted

    responses = list(
        Response.objects.filter(force_id=module.force_id)
        .exclude(comments="")
        .order_by("-completed_at", "-id")[:limit]
    )
    out = [
        {"text": text, "source": f"Survey comment, {r.month:%B %Y}"}
        for r, text in zip(responses, response_comments_redacted(responses=responses), strict=True)
    ]
    notes = (
        RecoveryTask.objects.filter(force_id=module.force_id)
        .exclude(outcome_note="")
        .order_by("-closed_at", "-id")[: limit // 2]
    )
    out += [
        {"text": comment_redact(t.outcome_note), "source": f"Call-back note, {t.created_at:%B %Y}"}
        for t in notes
    ]
    return [q for q in out if q["text"].strip()]


# --- assignment and completion ---------------------------------------------------------


def _assignment_covers(assignment: Assignment, user: User) -> bool:
    if assignment.officer_id is not None:
        return assignment.officer_id == user.pk
    if assignment.team_id is not None:
        return assignment.team_id == user.team_id
    return assignment.role == user.role


def assignment_officers(*, assignment: Assignment) -> QuerySet[User]:
    staff = User.objects.filter(force_id=assignment.force_id, is_active=True)
    if assignment.officer_id is not None:
        return staff.filter(pk=assignment.officer_id)
    if assignment.team_id is not None:
        return staff.filter(team_id=assignment.team_id)
    return staff.filter(role=assignment.role)


@dataclass
class MyTraining:
    version: ModuleVersion
    due_on: date
    completion: Completion | None

    @property
    def overdue(self) -> bool:
        return self.completion is None and self.due_on < today()


def training_for_user(*, user: User, on: date | None = None) -> list[MyTraining]:
    """The published versions assigned to ``user`` (by role, team or name) and available
    by ``on``, each with its earliest due date and the user's completion."""
    if user.force_id is None or not has_capability(user, Capability.TAKE_TRAINING):
        return []
    on = on or today()
    target = Q(officer=user) | Q(role=user.role, role__gt="")
    if user.team_id:
        target |= Q(team_id=user.team_id)
    assignments = (
        Assignment.objects.filter(target, force_id=user.force_id, available_from__lte=on)
        .select_related("version", "version__module")
        .order_by("due_on")
    )
    due: dict[int, tuple[ModuleVersion, date]] = {}
    for a in assignments:
        if a.version_id not in due:
            due[a.version_id] = (a.version, a.due_on)
    completions = {
        c.version_id: c for c in Completion.objects.filter(officer=user, version_id__in=due)
    }
    return [MyTraining(v, d, completions.get(pk)) for pk, (v, d) in due.items()]


def assigned_version_get(*, user: User, pk: int) -> MyTraining:
    for item in training_for_user(user=user):
        if item.version.pk == pk:
            return item
    raise Http404("No such training assigned to you")


@dataclass
class TeamProgress:
    team: str
    assigned: int = 0
    completed: int = 0
    overdue: int = 0
    overdue_names: list[str] = field(default_factory=list)


def completion_by_team(
    *, force_id: int, version: ModuleVersion | None = None
) -> list[dict[str, Any]]:
    """For each assigned version of the force: by team, the officers it is assigned to,
    those who completed it, and those overdue (past the due date without completing)."""
    assignments = Assignment.objects.filter(force_id=force_id).select_related(
        "version", "version__module"
    )
    if version is not None:
        assignments = assignments.filter(version=version)
    now = today()
    per_version: dict[int, dict[int, tuple[User, date, date]]] = defaultdict(dict)
    versions: dict[int, ModuleVersion] = {}
    for a in assignments:
        versions[a.version_id] = a.version
        for officer in assignment_officers(assignment=a).select_related("team"):
            known = per_version[a.version_id].get(officer.pk)
            if known is None or a.due_on < known[1]:
                per_version[a.version_id][officer.pk] = (officer, a.due_on, a.available_from)
    out: list[dict[str, Any]] = []
    for version_id, officers in per_version.items():
        done = set(
            Completion.objects.filter(version_id=version_id, officer_id__in=officers).values_list(
                "officer_id", flat=True
            )
        )
        teams: dict[str, TeamProgress] = {}
        for officer, due_on, _available in officers.values():
            name = officer.team.name if officer.team is not None else "No team"
            row = teams.setdefault(name, TeamProgress(team=name))
            row.assigned += 1
            if officer.pk in done:
                row.completed += 1
            elif due_on < now:
                row.overdue += 1
                row.overdue_names.append(str(officer))
        out.append(
            {"version": versions[version_id], "teams": sorted(teams.values(), key=lambda t: t.team)}
        )
    out.sort(key=lambda e: (e["version"].module.title, -e["version"].number))
    return out


# --- the effect on victims ---------------------------------------------------------------

MEASURE_FIELDS = {
    "ease_of_contact": "ease_of_contact",
    "actions_taken": "actions_taken",
    "kept_informed": "kept_informed_answer",
    "treatment": "treatment",
    "whole_experience": "whole_experience",
}


def effect_columns(*, module: TrainingModule) -> tuple[dict[str, np.ndarray], str]:
    """The force's survey responses as the columns ``effect.effect_fit`` reads, and the
    design ("stepped_wedge" when the module's rollout was randomised team by team,
    else "observational"). Every response stays in the survey design (weights from its
    own stratum, lonely strata joined by the one rule); a response whose case had no
    officer in charge (or, in a stepped wedge, whose officer's team was not in the plan)
    has no outcome, so it leaves the model as a missing value does in R. Pseudonyms join
    responses to cases here and go no further: only aggregates leave the app."""
    import numpy as np

    from victimcare.cases.models import Victim
    from victimcare.oversight.selectors import _lonely_strata_collapse
    from victimcare.surveys.models import Response
    from victimcare.surveys.selectors import satisfied_value
    from victimcare.training.effect import OBSERVATIONAL, STEPPED_WEDGE
    from victimcare.training.services import wave_starts

    plan = RolloutPlan.objects.filter(module=module).first()
    design = STEPPED_WEDGE if plan is not None and plan.design == "stepped_wedge" else OBSERVATIONAL
    answer_field = MEASURE_FIELDS[module.measure]
    rows = list(
        Response.objects.filter(force_id=module.force_id)
        .order_by("id")
        .values_list(
            "respondent",
            "stratum_id",
            "stratum__population",
            "sample_id",
            "stratum__key",
            "month",
            answer_field,
        )
    )
    victims: dict[UUID, tuple[datetime | None, int | None, str | None]] = {
        pseudonym: (reported_at, officer_id, team_code)
        for pseudonym, reported_at, officer_id, team_code in Victim.objects.filter(
            pseudonym__in=[r[0] for r in rows], case__force_id=module.force_id
        ).values_list(
            "pseudonym",
            "case__reported_at",
            "case__officer_in_charge_id",
            "case__officer_in_charge__team__code",
        )
    }
    completed: dict[int, datetime] = {}
    for officer, at in (
        Completion.objects.filter(version__module=module)
        .order_by("completed_at")
        .values_list("officer_id", "completed_at")
    ):
        completed.setdefault(officer, at)
    starts = wave_starts(plan) if plan is not None else {}
    y: list[float] = []
    trained: list[float] = []
    team: list[str] = []
    for respondent, *_design, _month, answer in rows:
        reported_at, officer_id, team_code = victims.get(respondent, (None, None, None))
        value = satisfied_value(answer) if officer_id is not None else None
        exposed = 0.0
        if design == STEPPED_WEDGE:
            start = starts.get(team_code or "")
            if start is None:
                value = None
            else:
                # (a team in the plan: a case of the force, so a report time)
                exposed = float(reported_at.astimezone(LONDON).date() >= start)  # type: ignore[union-attr]
        elif officer_id is not None:
            done = completed.get(officer_id)
            # (an officer: a case of the force, so a report time)
            exposed = float(done is not None and done < reported_at)  # type: ignore[operator]
        y.append(np.nan if value is None else float(value))
        trained.append(exposed)
        team.append(team_code or "")
    n = len(rows)
    if n == 0:
        empty = np.array([], dtype=float)
        return {
            "y": empty,
            "trained": empty,
            "month": np.array([], dtype=str),
            "team": np.array([], dtype=str),
            "w": empty,
            "stratum": empty,
            "N": empty,
        }, design
    unpacked = list(zip(*rows, strict=True))
    stratum = np.asarray(unpacked[1], dtype=np.int64)
    population = np.asarray(unpacked[2], dtype=float)
    _, inverse, counts = np.unique(stratum, return_inverse=True, return_counts=True)
    variance_stratum, variance_population = _lonely_strata_collapse(
        stratum, population, np.asarray(unpacked[3], dtype=np.int64), unpacked[4]
    )
    return {
        "y": np.asarray(y, dtype=float),
        "trained": np.asarray(trained, dtype=float),
        "month": np.asarray([f"{m:%Y-%m}" for m in unpacked[5]], dtype=str),
        "team": np.asarray(team, dtype=str),
        "w": population / counts[inverse],
        "stratum": variance_stratum,
        "N": variance_population,
    }, design


def module_effect(*, module: TrainingModule, minimum: int | None = None) -> Effect:
    """The module's effect (``effect.Effect``); raises ``effect.EffectError`` (or its
    ``TooFewResponses``) with the reason in words."""
    from victimcare.training.constants import MIN_RESPONSES_PER_SIDE
    from victimcare.training.effect import effect_fit

    columns, design = effect_columns(module=module)
    return effect_fit(
        columns,
        module=module.code,
        measure=module.measure,
        design=design,
        minimum=MIN_RESPONSES_PER_SIDE if minimum is None else minimum,
    )


def modules_rolled_out(*, force_id: int) -> QuerySet[TrainingModule]:
    """The force's modules that have been rolled out: a plan, or any assignment."""
    return (
        TrainingModule.objects.filter(force_id=force_id)
        .filter(Q(rollout__isnull=False) | Q(versions__assignments__isnull=False))
        .distinct()
        .order_by("code")
    )
