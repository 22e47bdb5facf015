"""A year of simulated survey fieldwork for the synthetic demo world.

For every demo force and every whole month of reports whose fieldwork date (the month's
end plus six weeks) has come by the world's as-of day: survey flags on a few victims, the
frame and a stratified sample drawn with the real services, outcomes by mode, and
responses whose whole-experience satisfaction is calibrated to DOMAIN.md
(data/demo_fieldwork.json) with the known drivers built in. Interviews fall over the
fieldwork weeks; those not yet done by the as-of day are still to do (no outcome), so the
latest months' fieldwork is incomplete, as oversight's publication rule says. Everything
is marked synthetic.

``random`` is used on purpose: the fieldwork is reproducible from the seed (S311).
"""

from __future__ import annotations

import json
import math
import sys
import time as clock
from collections import Counter
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from random import Random

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from victimcare.care.constants import ObligationStatus
from victimcare.care.models import Obligation
from victimcare.cases.constants import PREFER_NOT_TO_SAY, Disability, Ethnicity
from victimcare.cases.models import Case, Victim
from victimcare.core.timezones import LONDON
from victimcare.demo.calibration import calibration
from victimcare.demo.models import DemoWorld
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    DEFAULT_CRIME_GROUPS,
    DEFAULT_SATISFIED,
    DISSATISFIED,
    NO_ANSWER,
    RECOVERY_WORKING_DAYS,
    SATISFIED_DEFINITIONS,
    Allocation,
    Answer,
    CallOutcome,
    InvitationKind,
    Mode,
    Outcome,
    RecoveryStatus,
)
from victimcare.surveys.models import (
    CallAttempt,
    DaResponse,
    DaSurveyContact,
    Invitation,
    RecoveryTask,
    Response,
    Sample,
    SampleMember,
    SurveyFlag,
)
from victimcare.surveys.questionnaire import asks
from victimcare.surveys.sampling import (
    FrameSettings,
    default_fieldwork_on,
    london_midnight,
    month_add,
    sampling_frame_build,
)
from victimcare.surveys.selectors import care_marker_times
from victimcare.surveys.services import SampleDesign, sample_draw
from victimcare.surveys.services.recovery import _working_day_deadline

SETTINGS_FILE = Path(__file__).resolve().parent / "data" / "demo_fieldwork.json"
CALL_OUTCOME: dict[str, str] = {
    Outcome.COMPLETED: CallOutcome.COMPLETED,
    Outcome.REFUSED: CallOutcome.REFUSED,
    Outcome.NON_CONTACT: CallOutcome.NO_ANSWER,
    Outcome.UNKNOWN_ELIGIBILITY: CallOutcome.WRONG_NUMBER,
    Outcome.INELIGIBLE: CallOutcome.INELIGIBLE,
}


@cache
def demo_settings() -> dict:
    with SETTINGS_FILE.open(encoding="utf-8") as file:
        return json.load(file)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _pick(rng: Random, weights: dict[str, float]) -> str:
    draw, total = rng.random() * sum(weights.values()), 0.0
    for value, weight in weights.items():
        total += weight
        if draw < total:
            return value
    return value


def whole_experience_target(force_code: str) -> float:
    """The force's calibrated share satisfied with the whole experience."""
    targets = demo_settings()["whole_experience_target"]
    if force_code in targets:
        return float(targets[force_code])
    # Other forces spread plausibly around the England and Wales level, the same each run.
    spread = float(targets["default_spread"])
    position = (sum(ord(c) * (i + 1) for i, c in enumerate(force_code)) % 1000) / 999
    return float(targets["default"]) + spread * (2 * position - 1)


def _demo_window() -> tuple[date, date] | None:
    """The demo year: the loaded world's window (up to its as-of day), else the span of
    reports."""
    world = DemoWorld.objects.first()
    try:
        window = calibration(world.as_of if world is not None else None)
        return window.first_day, window.last_day
    except (KeyError, OSError):
        span = Case.objects.aggregate(first=Min("reported_at"), last=Max("reported_at"))
        if span["first"] is None:
            return None
        return (
            timezone.localtime(span["first"], LONDON).date(),
            timezone.localtime(span["last"], LONDON).date(),
        )


@transaction.atomic
def demo_fieldwork_delete() -> int:
    """Remove simulated fieldwork (only ever synthetic samples and what hangs off them)."""
    deleted, _ = Sample.objects.filter(synthetic=True).delete()
    da_deleted, _ = DaResponse.objects.filter(synthetic=True).delete()
    from victimcare.demo.fieldwork_da import DA_DEMO_NOTE

    contacts, _ = DaSurveyContact.objects.filter(note=DA_DEMO_NOTE).delete()
    return deleted + da_deleted + contacts


def demo_fieldwork_build(*, seed: int, progress: bool = False) -> str:
    """Simulate a year of survey fieldwork on the demo cases; returns a one-line summary.

    Replaces any earlier simulated fieldwork, so it can run again after a reseed."""
    started = clock.monotonic()
    window = _demo_window()
    if window is None:
        return "Demo fieldwork: no cases, nothing simulated"
    first_day, last_day = window
    forces = list(
        Force.objects.filter(pk__in=Case.objects.values("force_id").distinct()).order_by("code")
    )
    from victimcare.demo.fieldwork_da import DA_FORCES, da_fieldwork

    totals: Counter = Counter()
    with transaction.atomic():
        demo_fieldwork_delete()
        for force in forces:
            counts = _force_fieldwork(
                force=force, seed=seed, first_day=first_day, last_day=last_day
            )
            totals.update(counts)
            if force.code in DA_FORCES:
                totals.update(
                    da_fieldwork(force=force, seed=seed, first_day=first_day, last_day=last_day)
                )
            if progress:
                print(
                    f"  survey fieldwork {force.code}: {counts['samples']} samples, "
                    f"{counts['drawn']} drawn, {counts['responses']} responses",
                    file=sys.stderr,
                    flush=True,
                )
    levels = _weighted_levels(forces)
    shown = ", ".join(f"{code} {level:.1%}" for code, level in levels.items())
    return (
        f"Demo survey fieldwork (synthetic): {totals['samples']} monthly samples, "
        f"{totals['drawn']} victims drawn, {totals['responses']} responses, "
        f"{totals['recovery']} call-backs; domestic abuse survey: {totals['da_proposed']} "
        f"proposed, {totals['da_responses']} responses; "
        f"whole experience satisfied (weighted): {shown} "
        f"in {clock.monotonic() - started:.1f}s"
    )


def _weighted_levels(forces: list[Force]) -> dict[str, float]:
    """Design-weighted share satisfied with the whole experience, per force."""
    levels = {}
    for force in forces:
        total = satisfied = 0.0
        rows = Response.objects.filter(force=force, synthetic=True).values_list(
            "stratum__population", "stratum_id", "whole_experience"
        )
        responded = Counter(stratum for _n, stratum, _w in rows)
        for population, stratum, whole in rows:
            if whole in (Answer.DONT_KNOW, Answer.REFUSED, ""):
                continue
            weight = population / responded[stratum]
            total += weight
            satisfied += weight * (whole in SATISFIED_TOP3)
        if total:
            levels[force.code] = satisfied / total
    return levels


SATISFIED_TOP3 = (Answer.COMPLETELY_SATISFIED, Answer.VERY_SATISFIED, Answer.FAIRLY_SATISFIED)


def _months(first_day: date, last_day: date) -> list[date]:
    """Whole months of reports whose default fieldwork date falls within the demo year."""
    first = first_day if first_day.day == 1 else month_add(first_day.replace(day=1), 1)
    months, month = [], first
    while default_fieldwork_on(month) <= last_day:
        months.append(month)
        month = month_add(month, 1)
    return months


def _flags_make(*, force: Force, rng: Random, first_day: date, last_day: date) -> None:
    """A few victims opted out, officers on duty, not to be contacted, deceased."""
    shares = demo_settings()["flags"]
    victims = Victim.objects.filter(
        case__force=force,
        case__reported_at__gte=london_midnight(first_day),
        case__reported_at__lt=london_midnight(last_day + timedelta(days=1)),
        case__crime_type__survey_group__in=list(DEFAULT_CRIME_GROUPS),
    ).values_list("id", "case__crime_type__survey_group", "case__reported_at")
    flags = []
    for victim_id, group, reported_at in victims.order_by("id").iterator(chunk_size=20000):
        draw = rng.random()
        for kind, share in shares.items():
            if kind == "officer_on_duty" and group != "violence":
                continue
            if draw < share:
                flags.append(
                    SurveyFlag(
                        victim_id=victim_id, kind=kind, set_at=reported_at + timedelta(days=2)
                    )
                )
                break
            draw -= share
    SurveyFlag.objects.filter(victim__case__force=force).delete()
    SurveyFlag.objects.bulk_create(flags, batch_size=5000)


def _force_fieldwork(*, force: Force, seed: int, first_day: date, last_day: date) -> Counter:
    config = demo_settings()
    rng = Random(f"victimcare-demo-survey:{seed}:{force.code}")  # noqa: S311 (synthetic data, reproducible from the seed)
    _flags_make(force=force, rng=rng, first_day=first_day, last_day=last_day)
    design_config = config["design"]
    settings = FrameSettings(strata_by=tuple(design_config["strata_by"]))
    counts: Counter = Counter()
    # The world's present: the end of its as-of day's working hours, or now if sooner.
    end_of_world = min(datetime.combine(last_day, time(20, 0), LONDON), timezone.now())
    for month in _months(first_day, last_day):
        frame = sampling_frame_build(force=force, month=month, settings=settings)
        if frame.eligible == 0:
            continue
        target = max(
            design_config["minimum"],
            min(
                design_config["monthly_cap"],
                round(frame.eligible * design_config["interview_share"]),
            ),
        )
        sample = sample_draw(
            force=force,
            month=month,
            design=SampleDesign(
                target_interviews=target,
                allocation=Allocation.PROPORTIONAL,
                expected_response_rate=design_config["expected_response_rate"],
                mode=Mode.TELEPHONE,
            ),
            seed=rng.randrange(2**31),
            synthetic=True,
            frame=frame,
        )
        month_counts = _simulate(sample=sample, rng=rng, end_of_world=end_of_world)
        counts.update(month_counts)
        counts["samples"] += 1
    return counts


def _simulate(*, sample: Sample, rng: Random, end_of_world: datetime) -> Counter:
    """Outcomes, invitations, calls, responses and call-backs for one drawn sample."""
    config = demo_settings()
    members = list(
        SampleMember.objects.filter(sample=sample)
        .order_by("id")
        .values_list(
            "id",
            "mode",
            "route",
            "stratum_id",
            "stratum__population",
            "victim__pseudonym",
            "victim__case_id",
            "victim__case__area_id",
            "victim__case__area__name",
            "victim__case__crime_type__survey_group",
            "victim__case__channel",
            "victim__age_band",
            "victim__sex",
            "victim__ethnicity",
            "victim__disability",
        )
    )
    fieldwork_start = london_midnight(sample.fieldwork_on) + timedelta(hours=9)
    outcomes: dict[str, list[int]] = {}
    completed = []
    invitations, calls = [], []
    for row in members:
        member_id, mode = row[0], row[1]
        outcome = _pick(rng, config["outcomes"][mode])
        at = fieldwork_start + timedelta(minutes=rng.randrange(0, 21 * 24 * 60))
        if at > end_of_world:
            # Not reached yet by the world's as-of day: issued, no outcome (fieldwork open).
            if mode == Mode.WEB:
                invitations.append(
                    Invitation(
                        member_id=member_id,
                        kind=InvitationKind.INVITATION,
                        route="sms" if row[2] == "phone" else row[2],
                        created_at=fieldwork_start,
                        sent=True,
                    )
                )
            continue
        outcomes.setdefault(outcome, []).append(member_id)
        if mode == Mode.WEB:
            invitations.append(
                Invitation(
                    member_id=member_id,
                    kind=InvitationKind.INVITATION,
                    route="sms" if row[2] == "phone" else row[2],
                    created_at=fieldwork_start,
                    sent=True,
                )
            )
            if outcome != Outcome.COMPLETED or at > fieldwork_start + timedelta(days=7):
                invitations.append(
                    Invitation(
                        member_id=member_id,
                        kind=InvitationKind.REMINDER,
                        route="sms" if row[2] == "phone" else row[2],
                        created_at=fieldwork_start + timedelta(days=sample.reminder_after_days),
                        sent=True,
                    )
                )
        else:
            calls.append(CallAttempt(member_id=member_id, at=at, outcome=CALL_OUTCOME[outcome]))
        if outcome == Outcome.COMPLETED:
            completed.append((row, at))
    expires_at = fieldwork_start + timedelta(days=sample.expires_after_days)
    SampleMember.objects.filter(sample=sample, mode=Mode.WEB).update(expires_at=expires_at)
    for outcome, ids in outcomes.items():
        for start in range(0, len(ids), 2000):
            SampleMember.objects.filter(pk__in=ids[start : start + 2000]).update(
                outcome=outcome, outcome_at=min(expires_at, end_of_world), attempts=1
            )
    Invitation.objects.bulk_create(invitations, batch_size=5000)
    CallAttempt.objects.bulk_create(calls, batch_size=5000)
    responses, recovery = _responses(
        sample=sample, completed=completed, rng=rng, end_of_world=end_of_world
    )
    return Counter(drawn=len(members), responses=len(responses), recovery=recovery)


def _responses(
    *, sample: Sample, completed: list, rng: Random, end_of_world: datetime
) -> tuple[list[Response], int]:
    config = demo_settings()
    effects, stages = config["effects"], config["stages"]
    force_code = sample.force.code
    area_effects = effects["areas"].get(force_code, {})
    markers = care_marker_times(case_ids=[row[0][6] for row in completed])
    responded = Counter(row[3] for row, _at in completed)
    people = []
    for row, at in completed:
        (_id, mode, _route, stratum_id, population, pseudonym, case_id, area_id, area_name,
         group, channel, age_band, sex, ethnicity, disability) = row  # fmt: skip
        contact_at, visit_at = markers[case_id]
        informed = contact_at is not None and contact_at < at
        visited = visit_at is not None and visit_at < at
        known_ethnicity = ethnicity not in ("", PREFER_NOT_TO_SAY)
        bme = known_ethnicity and ethnicity != Ethnicity.WHITE
        propensity = (
            effects["kept_informed"] * informed
            + effects["visited"] * visited
            + effects["bme"] * bme
            + effects["disabled"] * (disability == Disability.YES)
            + effects["crime_group"].get(group, 0.0)
            + area_effects.get(area_name, 0.0)
        )
        weight = population / responded[stratum_id]
        people.append((row, at, informed, visited, propensity, weight))
    base = _calibrate([(p[4], p[5]) for p in people], whole_experience_target(force_code))
    responses = []
    recorded = _code_recorded(sample, [row[0][6] for row in completed])
    # Its own stream, so that the answers above come out as before.
    code_rng = Random(f"victimcare-demo-code:{force_code}:{sample.month}")  # noqa: S311 (synthetic data, reproducible)
    for row, at, informed, visited, propensity, _weight in people:
        (_id, mode, _route, stratum_id, _population, pseudonym, case_id, area_id, _area_name,
         group, channel, age_band, sex, ethnicity, disability) = row  # fmt: skip
        score = base + propensity
        whole_satisfied = rng.random() < _sigmoid(score)
        answers: dict[str, str] = {}
        for stage in ("ease_of_contact", "actions_taken", "kept_informed", "treatment"):
            if rng.random() < stages["dont_know"]:
                answers[stage] = Answer.DONT_KNOW
                continue
            shift = stages[stage] + (
                stages["kept_informed_if_informed"] * informed if stage == "kept_informed" else 0
            )
            pull = stages["agreement"] * (1 if whole_satisfied else -1)
            answers[stage] = _scale_answer(rng, rng.random() < _sigmoid(score + shift + pull))
        whole = (
            Answer.DONT_KNOW
            if rng.random() < stages["whole_dont_know"]
            else _scale_answer(rng, whole_satisfied)
        )
        comments = ""
        if rng.random() < config["comment_share"]:
            comments = rng.choice(
                config["comments"]["satisfied" if whole_satisfied else "dissatisfied"]
            )
        code_answers = _code_answers(code_rng, recorded.get(case_id)) if recorded else {}
        responses.append(
            Response(
                sample=sample,
                stratum_id=stratum_id,
                questionnaire_id=sample.questionnaire_id,
                respondent=pseudonym,
                mode=mode,
                completed_at=at,
                force_id=sample.force_id,
                area_id=area_id,
                crime_group=group,
                month=sample.month,
                report_channel=channel,
                age_band=age_band,
                sex=sex,
                ethnicity=ethnicity,
                disability=disability,
                kept_informed=informed,
                visited=visited,
                ease_of_contact=answers["ease_of_contact"],
                actions_taken=answers["actions_taken"],
                kept_informed_answer=answers["kept_informed"],
                treatment=answers["treatment"],
                whole_experience=whole,
                extra_answers=code_answers,
                comments=comments,
                agrees_to_contact=rng.random() < config["agrees_to_contact"],
                synthetic=True,
            )
        )
    Response.objects.bulk_create(responses, batch_size=2000)
    member_of = {row[5]: row[0] for row, _at in completed}
    tasks = []
    for response in responses:
        if response.whole_experience not in DISSATISFIED or not response.agrees_to_contact:
            continue
        due = _working_day_deadline(response.completed_at, RECOVERY_WORKING_DAYS)
        # Call-backs from the last fortnight of the demo year are still to do.
        still_open = response.completed_at > end_of_world - timedelta(days=14)
        status = (
            RecoveryStatus.OPEN
            if still_open
            else _pick(
                rng,
                {
                    RecoveryStatus.DONE: 0.8,
                    RecoveryStatus.UNREACHABLE: 0.15,
                    RecoveryStatus.DECLINED: 0.05,
                },
            )
        )
        tasks.append(
            RecoveryTask(
                response=response,
                member_id=member_of[response.respondent],
                force_id=sample.force_id,
                created_at=response.completed_at,
                due_at=due,
                status=status,
                outcome_note="" if still_open else "Synthetic call-back outcome.",
                closed_at=None
                if still_open
                else min(due, response.completed_at + timedelta(days=2)),
            )
        )
    RecoveryTask.objects.bulk_create(tasks, batch_size=2000)
    return responses, len(tasks)


# The questionnaire's Victims' Code questions and the obligation each is recorded by.
CODE_OBLIGATIONS = {
    "told_about_code": "written_information",
    "offered_vps": "vps_offer",
    "offered_referral": "support_referral",
}


def _code_recorded(sample: Sample, case_ids: list[int]) -> dict[int, dict[str, bool]] | None:
    """case -> question -> whether its obligation was met (absent: none was due); None
    when the sample's questionnaire does not ask the questions (an older version)."""
    if not asks(sample.questionnaire, "told_about_code"):
        return None
    recorded: dict[int, dict[str, bool]] = {}
    question_of = {code: question for question, code in CODE_OBLIGATIONS.items()}
    for case_id, code, status in Obligation.objects.filter(
        case_id__in=case_ids, code__in=list(question_of)
    ).values_list("case_id", "code", "status"):
        answers = recorded.setdefault(case_id, {})
        answers[question_of[code]] = (
            answers.get(question_of[code], True) and status == ObligationStatus.MET
        )
    return recorded


def _code_answers(rng: Random, met: dict[str, bool] | None) -> dict[str, str]:
    """A respondent's answers to the Victims' Code questions: mostly what the record
    says, but victims forget (and records tick more than victims notice), so the survey
    rates come out a little below the recorded ones; unanswered where nothing was due."""
    answers = {}
    for question, was_met in (met or {}).items():
        if rng.random() < 0.05:
            continue  # does not remember
        answers[question] = "yes" if rng.random() < (0.88 if was_met else 0.1) else "no"
    return answers


def _scale_answer(rng: Random, satisfied: bool) -> str:
    config = demo_settings()
    return _pick(rng, config["satisfied_split" if satisfied else "not_satisfied_split"])


def _calibrate(people: list[tuple[float, float]], target: float) -> float:
    """The base log-odds at which the weighted expected share satisfied is the target."""
    if not people:
        return math.log(target / (1 - target))
    total = sum(weight for _p, weight in people)
    low, high = -10.0, 10.0
    for _ in range(60):
        middle = (low + high) / 2
        share = sum(weight * _sigmoid(middle + p) for p, weight in people) / total
        low, high = (middle, high) if share < target else (low, middle)
    return (low + high) / 2


# --- planted effects (the trials of care practices) ---------------------------------------


def planted_effect_apply(
    *, responses: list[Response], answer_field: str, points: float, rng: Random
) -> int:
    """Raise the share satisfied on ``answer_field`` among ``responses`` by ``points`` in
    expectation, as the training's planted effect does (``training/demo.py``): each
    answered response not satisfied becomes fairly satisfied with probability
    q = p / (1 - s), s being the share satisfied among them. Returns how many moved."""
    satisfied = {str(a) for a in SATISFIED_DEFINITIONS[DEFAULT_SATISFIED]}
    no_answer = {str(a) for a in NO_ANSWER} | {""}
    answered = [r for r in responses if getattr(r, answer_field) not in no_answer]
    if not answered:
        return 0
    share = sum(getattr(r, answer_field) in satisfied for r in answered) / len(answered)
    q = min(1.0, (points / 100) / max(1e-9, 1 - share))
    moved = [r for r in answered if getattr(r, answer_field) not in satisfied and rng.random() < q]
    for r in moved:
        setattr(r, answer_field, Answer.FAIRLY_SATISFIED)
    Response.objects.bulk_update(moved, [answer_field], batch_size=1000)
    return len(moved)
