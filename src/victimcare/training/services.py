"""Every write of the training app: keyword-only, atomic, checked before saving.

A refused write raises ``django.core.exceptions.ValidationError`` with a message for
people (a page's error summary, the command's one line) and writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from random import Random
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import SupportOrganisation, User
from victimcare.forces.models import Team
from victimcare.training import content
from victimcare.training.constants import ChangeKind, CompletionSource, RolloutDesign, VersionStatus
from victimcare.training.models import (
    Assignment,
    Completion,
    Invitation,
    ModuleVersion,
    RolloutPlan,
    SignOff,
    TrainingModule,
    VersionChange,
)
from victimcare.training.selectors import (
    is_co_author,
    is_training_lead,
    module_draft,
    module_latest_published,
    sign_off_state,
    today,
)

ASSIGNABLE_ROLES = (Role.CALL_HANDLER, Role.OFFICER, Role.SUPERVISOR)


def _lead_of(user: User, module: TrainingModule) -> bool:
    return is_training_lead(user) and user.force_id == module.force_id


def _invited(user: User, module: TrainingModule) -> bool:
    return (
        is_co_author(user)
        and module.invitations.filter(organisation_id=user.support_organisation_id).exists()
    )


def _change(
    *,
    module: TrainingModule,
    user: User,
    kind: str,
    summary: str,
    version: ModuleVersion | None = None,
    content_: dict[str, Any] | None = None,
) -> VersionChange:
    change = VersionChange(
        module=module,
        version=version,
        revision=version.revision if version else None,
        kind=kind,
        at=timezone.now(),
        by=user,
        organisation=user.support_organisation if is_co_author(user) else None,
        summary=summary[:300],
        content=content_,
    )
    change.full_clean()
    change.save()
    return change


def _draft_start(
    *, module: TrainingModule, version: ModuleVersion, user: User, summary: str
) -> None:
    """Save a new draft of ``module`` and record that ``user`` started it."""
    version.full_clean()
    version.save()
    _change(module=module, user=user, kind=ChangeKind.CREATED, summary=summary, version=version)


@transaction.atomic
def module_create(*, user: User, code: str, title: str, measure: str) -> TrainingModule:
    """A new module of the user's force with an empty first draft."""
    if not is_training_lead(user) or user.force_id is None:  # (a lead has a force)
        raise ValidationError("Only the force's training lead may start a module")
    if TrainingModule.objects.filter(force_id=user.force_id, code=code).exists():
        raise ValidationError({"code": "Your force already has a module with this code"})
    now = timezone.now()
    module = TrainingModule(
        force_id=user.force_id,
        code=code,
        title=title,
        measure=measure,
        created_at=now,
        created_by=user,
    )
    module.full_clean()
    module.save()
    version = ModuleVersion(module=module, number=1, updated_at=now)
    _draft_start(module=module, version=version, user=user, summary=f"Started {title}")
    return module


@transaction.atomic
def invitation_create(
    *, user: User, module: TrainingModule, organisation: SupportOrganisation
) -> Invitation:
    """Invite a support organisation that works with the module's force."""
    if not _lead_of(user, module):
        raise ValidationError("Only the force's training lead may invite organisations")
    if not organisation.forces.filter(pk=module.force_id).exists():
        raise ValidationError(
            {"organisation": "Choose a support organisation that works with your force"}
        )
    if module.invitations.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": f"{organisation} is already invited"})
    invitation = Invitation(
        module=module, organisation=organisation, invited_at=timezone.now(), invited_by=user
    )
    invitation.full_clean()
    invitation.save()
    _change(
        module=module,
        user=user,
        kind=ChangeKind.INVITED,
        summary=f"Invited {organisation}",
        version=module_draft(module=module),
    )
    return invitation


def _may_author(user: User, module: TrainingModule) -> bool:
    return _lead_of(user, module) or _invited(user, module)


@transaction.atomic
def version_edit(
    *,
    user: User,
    version: ModuleVersion,
    sections: str,
    learning_points: str,
    check: str,
    quotes: list[dict[str, Any]],
    pass_mark: int,
    note: str = "",
) -> ModuleVersion:
    """Save a new revision of a draft (every earlier sign-off is for an earlier
    revision, so the draft needs signing off again)."""
    version = ModuleVersion.objects.select_for_update().get(pk=version.pk)
    module = version.module
    if not _may_author(user, module):
        raise ValidationError("Only the force's training lead and invited organisations may edit")
    if not version.is_draft:
        raise ValidationError("A published version never changes: start a new version")
    try:
        parsed = {
            "sections": content.sections_parse(sections),
            "learning_points": content.learning_points_parse(learning_points),
            "check": content.check_parse(check),
        }
    except content.ContentError as error:
        raise ValidationError({error.field: str(error)}) from None
    if not 50 <= pass_mark <= 100:
        raise ValidationError({"pass_mark": "The pass mark is a percentage from 50 to 100"})
    cleaned_quotes = []
    for q in quotes:
        text = str(q.get("text", "")).strip()
        if text:
            cleaned_quotes.append({"text": text[:1000], "source": str(q.get("source", ""))[:120]})
    version.sections = parsed["sections"]
    version.learning_points = parsed["learning_points"]
    version.knowledge_check = parsed["check"]
    version.quotes = cleaned_quotes
    version.pass_mark = pass_mark
    version.revision += 1
    version.updated_at = timezone.now()
    version.full_clean()
    version.save()
    _change(
        module=module,
        user=user,
        kind=ChangeKind.EDITED,
        summary=note.strip() or f"Edited version {version.number}",
        version=version,
        content_=version.content(),
    )
    return version


@transaction.atomic
def sign_off_record(*, user: User, version: ModuleVersion) -> SignOff:
    """Sign off the draft's current revision: as the force's training lead, or for the
    user's support organisation. Signing the same revision twice changes nothing."""
    version = ModuleVersion.objects.select_for_update().get(pk=version.pk)
    module = version.module
    if not version.is_draft:
        raise ValidationError("This version is already published")
    if _lead_of(user, module):
        organisation = None
    elif _invited(user, module):
        organisation = user.support_organisation
    else:
        raise ValidationError("Only the training lead and invited organisations sign off")
    if not version.sections:
        raise ValidationError("Write the module before signing it off")
    existing = version.sign_offs.filter(
        revision=version.revision, organisation=organisation
    ).first()
    if existing is not None:
        return existing
    sign_off = SignOff(
        version=version,
        revision=version.revision,
        organisation=organisation,
        by=user,
        at=timezone.now(),
    )
    sign_off.full_clean()
    sign_off.save()
    who = organisation or "the force's training lead"
    _change(
        module=module,
        user=user,
        kind=ChangeKind.SIGNED_OFF,
        summary=f"Signed off revision {version.revision} for {who}",
        version=version,
    )
    return sign_off


@transaction.atomic
def version_publish(*, user: User, version: ModuleVersion) -> ModuleVersion:
    """Publish a draft whose current revision every party has signed off."""
    version = ModuleVersion.objects.select_for_update().get(pk=version.pk)
    module = version.module
    if not _lead_of(user, module):
        raise ValidationError("Only the force's training lead may publish")
    if not version.is_draft:
        raise ValidationError("This version is already published")
    state = sign_off_state(version=version)
    if not state.organisations:
        raise ValidationError("Invite at least one support organisation to write it with you")
    if state.missing:
        raise ValidationError(
            f"Not yet signed off (revision {version.revision}) by: " + ", ".join(state.missing)
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.full_clean()
    version.save()
    _change(
        module=module,
        user=user,
        kind=ChangeKind.PUBLISHED,
        summary=f"Published version {version.number}",
        version=version,
    )
    return version


@transaction.atomic
def version_start(*, user: User, module: TrainingModule) -> ModuleVersion:
    """A new draft from the latest published version (when there is no draft)."""
    if not _lead_of(user, module):
        raise ValidationError("Only the force's training lead may start a new version")
    if module_draft(module=module) is not None:
        raise ValidationError("This module already has a draft")
    latest = module_latest_published(module=module)
    version = ModuleVersion(
        module=module,
        number=(latest.number + 1) if latest else 1,
        updated_at=timezone.now(),
        **(latest.content() if latest else {}),
    )
    _draft_start(
        module=module, version=version, user=user, summary=f"Started version {version.number}"
    )
    return version


@transaction.atomic
def assignment_create(
    *,
    user: User | None,
    version: ModuleVersion,
    due_on: date,
    role: str = "",
    team: Team | None = None,
    officer: User | None = None,
    available_from: date | None = None,
    rollout: RolloutPlan | None = None,
) -> Assignment:
    """Assign a published version to a role, a team or a named officer of its force."""
    module = version.module
    if user is not None and not _lead_of(user, module):
        raise ValidationError("Only the force's training lead may assign training")
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError("Only a published version can be assigned")
    if sum(bool(x) for x in (role, team, officer)) != 1:
        raise ValidationError("Assign to one role, one team or one officer")
    if role and role not in ASSIGNABLE_ROLES:
        raise ValidationError({"role": "Choose a role of frontline staff"})
    if team is not None and team.force_id != module.force_id:
        raise ValidationError({"team": "Choose a team of your own force"})
    if officer is not None and officer.force_id != module.force_id:
        raise ValidationError({"officer": "Choose an officer of your own force"})
    available_from = available_from or today()
    if due_on < available_from:
        raise ValidationError({"due_on": "The due date must be on or after the start"})
    assignment = Assignment(
        version=version,
        force_id=module.force_id,
        role=role,
        team=team,
        officer=officer,
        available_from=available_from,
        due_on=due_on,
        assigned_at=timezone.now(),
        assigned_by=user,
        rollout=rollout,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def completion_record(
    *, officer: User, version: ModuleVersion, answers: dict[int, int | None]
) -> tuple[content.Score, Completion | None]:
    """Score the knowledge check; at or above the pass mark the completion is recorded
    with the version and score (once: a second completion changes nothing)."""
    from victimcare.training.selectors import assigned_version_get

    assigned_version_get(user=officer, pk=version.pk)  # 404 unless assigned and available
    score = content.check_score(version.knowledge_check, answers)
    if score.percent < version.pass_mark:
        return score, None
    completion = Completion.objects.filter(version=version, officer=officer).first()
    if completion is None:
        completion = Completion(
            version=version,
            officer=officer,
            completed_at=timezone.now(),
            score=score.percent,
            source=CompletionSource.WEB,
        )
        completion.full_clean()
        completion.save()
    return score, completion


# --- rollout -----------------------------------------------------------------------------


def stepped_wedge_order(team_codes: list[str], *, seed: int, waves: int) -> list[list[str]]:
    """The teams in a random order drawn from ``seed`` (sorted first, so the same teams
    and seed always give the same order), cut into ``waves`` waves as even as possible."""
    codes = sorted(team_codes)
    Random(seed).shuffle(codes)  # noqa: S311 (a recorded, reproducible allocation)
    size, extra = divmod(len(codes), waves)
    out, start = [], 0
    for i in range(waves):
        end = start + size + (1 if i < extra else 0)
        out.append(codes[start:end])
        start = end
    return out


@transaction.atomic
def rollout_plan_set(
    *,
    user: User,
    module: TrainingModule,
    design: str,
    seed: int,
    waves: int,
    starts_on: date,
    period_days: int,
    teams: list[Team] | None = None,
    on: date | None = None,
    now: datetime | None = None,
) -> RolloutPlan:
    """Store the module's rollout plan and assign its latest published version to each
    team from its wave's start, due at the end of the wave's period. A plan is replaced
    only before its first wave; afterwards any change is refused."""
    if not _lead_of(user, module):
        raise ValidationError("Only the force's training lead may plan a rollout")
    on = on or today()
    existing = RolloutPlan.objects.filter(module=module).first()
    if existing is not None:
        if existing.starts_on <= on:
            raise ValidationError(
                "The rollout's first wave has started: its plan is fixed and cannot be changed"
            )
        # Before the first wave nothing has been taken: the plan and its assignments go.
        Assignment.objects.filter(rollout=existing).delete()
        RolloutPlan.objects.filter(pk=existing.pk).delete()
    version = module_latest_published(module=module)
    if version is None:
        raise ValidationError("Publish a version before planning its rollout")
    if starts_on <= on:
        raise ValidationError({"starts_on": "The first wave must start after today"})
    if not 1 <= period_days <= 366:
        raise ValidationError({"period_days": "A wave lasts from 1 to 366 days"})
    teams = list(teams) if teams is not None else list(Team.objects.filter(force=module.force))
    if any(t.force_id != module.force_id for t in teams):
        raise ValidationError({"teams": "Choose teams of your own force"})
    if not teams:
        raise ValidationError({"teams": "Your force has no teams to roll out to"})
    if design == RolloutDesign.ALL_AT_ONCE:
        waves = 1
        order = [sorted(t.code for t in teams)]
    elif design == RolloutDesign.STEPPED_WEDGE:
        if not 2 <= waves <= len(teams):
            raise ValidationError(
                {
                    "waves": f"A stepped wedge needs from 2 to {len(teams)} waves (one team each at most)"
                }
            )
        order = stepped_wedge_order([t.code for t in teams], seed=seed, waves=waves)
    else:
        raise ValidationError({"design": "Choose a rollout design"})
    plan = RolloutPlan(
        module=module,
        version=version,
        design=design,
        seed=seed,
        waves=waves,
        starts_on=starts_on,
        period_days=period_days,
        team_order=order,
        created_at=now or timezone.now(),
        created_by=user,
    )
    plan.full_clean()
    plan.save()
    by_code = {t.code: t for t in teams}
    for number, codes in enumerate(order):
        start = starts_on + timedelta(days=number * period_days)
        for code in codes:
            assignment_create(
                user=user,
                version=version,
                team=by_code[code],
                available_from=start,
                due_on=start + timedelta(days=period_days - 1),
                rollout=plan,
            )
    _change(
        module=module,
        user=user,
        kind=ChangeKind.EDITED,
        summary=f"Rollout planned: {plan.get_design_display()}, seed {seed}, "
        f"{waves} wave(s) from {starts_on:%d %B %Y}",
        version=version,
    )
    return plan


def wave_starts(plan: RolloutPlan) -> dict[str, date]:
    """Each team's (code) wave start."""
    return {
        code: plan.starts_on + timedelta(days=i * plan.period_days)
        for i, codes in enumerate(plan.team_order)
        for code in codes
    }
