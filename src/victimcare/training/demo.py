"""The demo world's training: one module on keeping victims informed, written by the
Met's training lead with the demo support organisation, rolled out to the Met's teams
in four randomised waves (a stepped wedge from the world's seed), completed by the
teams' officers as their waves come, and a **planted effect** in the simulated survey
answers: +4 points on "kept informed" for victims whose officer's team had reached its
wave before they reported, nothing on any other measure (so `victimcare training effect
--force MPS` can be seen to recover it within its interval). Everything is synthetic.

``training_demo_build(seed=...)`` runs after the demo world's survey fieldwork;
``training_demo_delete()`` before its staff are deleted.

``random`` is used on purpose: the demo is reproducible from the seed (S311).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from random import Random

from django.db import transaction

from victimcare.accounts.models import SupportOrganisation, User
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force, Team
from victimcare.training import services
from victimcare.training.constants import CompletionSource, RolloutDesign
from victimcare.training.models import (
    Assignment,
    Completion,
    RolloutPlan,
    TrainingModule,
)

MODULE_CODE = "keeping-victims-informed"
PLANTED_POINTS = 4.0
PLANTED_MEASURE = "kept_informed"
WAVES = 4
PERIOD_DAYS = 61
LEAD_USERNAME = "mps.supervisor"
PARTNER_USERNAME = "victimsupport.partner"
ORGANISATION = "Victim Support (synthetic)"

SECTIONS = """Synthetic demonstration module, written with {organisation}.

## What victims told us

Victims who heard nothing for weeks told us they assumed nothing was being done. Silence
feels like being forgotten, **even when the investigation is moving**.

## What to do

1. At the first contact, agree with the victim how and how often they want updates.
2. Update them when you said you would, *even when there is no news*.
3. Tell them the outcome of every decision before anyone else does.
4. Give them a way to reach you, or someone who knows the case, when you are away.
"""
POINTS = (
    "Agree with the victim how and how often they will be updated\n"
    "Update at the agreed time even when there is no news\n"
    "Tell victims of decisions before they hear of them elsewhere"
)
CHECK = (
    "? When should you update a victim?\n- Only when there is news\n"
    "* At the agreed time, news or not\n"
    "? Who decides how the victim is kept informed?\n* The victim, with the officer\n"
    "- The officer alone\n"
    "? A decision is made not to charge. Who should the victim hear it from first?\n"
    "* The officer in charge\n- The suspect's solicitor\n- The local news"
)


def training_demo_delete() -> None:
    """Remove the demo's training rows before its staff go. The module's versions, and
    with them its sign-offs and history, go with it through Django's collector (the
    append-only querysets refuse only a direct delete), as the demo's case events do."""
    modules = TrainingModule.objects.filter(code=MODULE_CODE)
    with transaction.atomic():
        Completion.objects.filter(version__module__in=modules).delete()
        Assignment.objects.filter(version__module__in=modules).delete()
        RolloutPlan.objects.filter(module__in=modules).delete()
        modules.delete()


def _months(force: Force) -> list[date]:
    from victimcare.surveys.models import Response

    return sorted(set(Response.objects.filter(force=force).values_list("month", flat=True)))


@transaction.atomic
def training_demo_build(*, seed: int) -> str:
    """Build the demo's training and plant its effect; returns a line for the build log."""
    force = Force.objects.filter(code="MPS").first()
    lead = User.objects.filter(username=LEAD_USERNAME).first()
    partner = User.objects.filter(username=PARTNER_USERNAME).first()
    months = _months(force) if force else []
    teams = list(Team.objects.filter(force=force).order_by("code")) if force else []
    if not (force and lead and partner and len(months) >= 6 and len(teams) >= WAVES):
        return "Demo training skipped: the Met, its demo staff, teams or survey year are missing."
    if TrainingModule.objects.filter(force=force, code=MODULE_CODE).exists():
        return "Demo training already built."
    organisation = partner.support_organisation or SupportOrganisation.objects.get(
        name=ORGANISATION
    )
    organisation.forces.add(force)
    rng = Random(seed)  # noqa: S311 (reproducible synthetic data)
    first = months[1]
    build_day = datetime.combine(first - timedelta(days=20), time(9), tzinfo=LONDON)

    module = services.module_create(
        user=lead, code=MODULE_CODE, title="Keeping victims informed", measure=PLANTED_MEASURE
    )
    services.invitation_create(user=lead, module=module, organisation=organisation)
    draft = module.versions.get()
    quotes = services_quotes(module)
    services.version_edit(
        user=lead,
        version=draft,
        sections=SECTIONS.format(organisation=organisation),
        learning_points=POINTS,
        check=CHECK,
        quotes=quotes[:1],
        pass_mark=80,
        note="First draft (synthetic)",
    )
    draft.refresh_from_db()
    services.version_edit(
        user=partner,
        version=draft,
        sections=SECTIONS.format(organisation=organisation),
        learning_points=POINTS,
        check=CHECK,
        quotes=quotes[:3],
        pass_mark=80,
        note="Victims' words added by the support organisation (synthetic)",
    )
    draft.refresh_from_db()
    services.sign_off_record(user=partner, version=draft)
    services.sign_off_record(user=lead, version=draft)
    version = services.version_publish(user=lead, version=draft)

    plan = services.rollout_plan_set(
        user=lead,
        module=module,
        design=RolloutDesign.STEPPED_WEDGE,
        seed=seed,
        waves=WAVES,
        starts_on=first + timedelta(days=31),
        period_days=PERIOD_DAYS,
        teams=teams,
        on=build_day.date(),
        now=build_day,
    )
    starts = services.wave_starts(plan)
    officers = User.objects.filter(force=force, team__in=teams, is_active=True).select_related(
        "team"
    )
    completions = []
    for officer in officers:
        start = starts[officer.team.code]  # type: ignore[union-attr]  # (officers of the teams)
        at = datetime.combine(start + timedelta(days=rng.randint(0, 20)), time(14), tzinfo=LONDON)
        completions.append(
            Completion(
                version=version,
                officer=officer,
                completed_at=at,
                score=rng.choice((80, 100, 100)),
                source=CompletionSource.WEB,
            )
        )
    Completion.objects.bulk_create(completions)
    shifted = _plant_effect(force=force, starts=starts, rng=rng)
    return (
        f"Demo training: '{module.title}' written with {organisation}, rolled out to "
        f"{len(teams)} Met teams in {WAVES} randomised waves (seed {seed}); planted "
        f"+{PLANTED_POINTS:g} points on kept informed ({shifted} synthetic answers moved)."
    )


def services_quotes(module: TrainingModule) -> list[dict[str, str]]:
    from victimcare.training.selectors import quotes_available

    return quotes_available(module=module, limit=10)


def _plant_effect(*, force: Force, starts: dict[str, date], rng: Random) -> int:
    """Raise "kept informed" by PLANTED_POINTS for victims whose officer's team had
    reached its wave when they reported: each such victim not satisfied becomes fairly
    satisfied with probability q = p / (1 - s), s being the share satisfied among them,
    so the expected rise is p. Other measures are left as simulated."""
    from victimcare.cases.models import Case, Victim
    from victimcare.surveys.constants import (
        DEFAULT_SATISFIED,
        NO_ANSWER,
        SATISFIED_DEFINITIONS,
        Answer,
    )
    from victimcare.surveys.models import Response

    satisfied = {str(a) for a in SATISFIED_DEFINITIONS[DEFAULT_SATISFIED]}
    no_answer = {str(a) for a in NO_ANSWER} | {""}
    responses = list(Response.objects.filter(force=force).order_by("id"))
    case_of = dict(
        Victim.objects.filter(pseudonym__in=[r.respondent for r in responses]).values_list(
            "pseudonym", "case_id"
        )
    )
    cases: dict[int | None, tuple[datetime | None, str | None]] = {
        pk: (reported_at, team)
        for pk, reported_at, team in Case.objects.filter(pk__in=set(case_of.values())).values_list(
            "pk", "reported_at", "officer_in_charge__team__code"
        )
    }
    exposed = []
    for r in responses:
        reported_at, team = cases.get(case_of.get(r.respondent), (None, None))
        start = starts.get(team or "")
        if (
            start is not None
            and reported_at.astimezone(LONDON).date() >= start  # type: ignore[union-attr]  # (a case: its report time)
            and r.kept_informed_answer not in no_answer
        ):
            exposed.append(r)
    if not exposed:
        return 0
    share = sum(r.kept_informed_answer in satisfied for r in exposed) / len(exposed)
    q = min(1.0, (PLANTED_POINTS / 100) / max(1e-9, 1 - share))
    moved = [r for r in exposed if r.kept_informed_answer not in satisfied and rng.random() < q]
    for r in moved:
        r.kept_informed_answer = Answer.FAIRLY_SATISFIED
    Response.objects.bulk_update(moved, ["kept_informed_answer"], batch_size=1000)
    return len(moved)
