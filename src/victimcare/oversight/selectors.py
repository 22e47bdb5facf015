"""Every read oversight makes, scoped to what the user may see: aggregates only.

``responses_frame`` reads the surveys app's responses into columns (the same variables
and design weights as ``victimcare survey microdata --weighting design``); the figures
built on it are cached per scope and period, keyed by a stamp of the responses (and
referrals) underneath (``responses_stamp``), so that a page is computed once per change
of the data. Here the cache is only read (``figures_cache_get``); figure_services.py
computes the pages' figures and writes them to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

import numpy as np
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q
from django.http import Http404

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.core.registry import training_aims_for_force
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area, Force, PeerList
from victimcare.oversight.models import FiguresCache, Target
from victimcare.oversight.periods import Quarter, month_shift, months_between

# Bump when the figures' definitions change, so that cached figures are recomputed.
FIGURES_VERSION = "11"  # 11: drivers labelled by the months they cover; own peer lists
DASHBOARD_MONTHS = 24


# --- scope -------------------------------------------------------------------------------


def oversight_forces(*, user: User):
    """The forces whose aggregates the user may see (none without VIEW_AGGREGATES)."""
    if not has_capability(user, Capability.VIEW_AGGREGATES):
        return Force.objects.none()
    return forces_in_scope(user).order_by("name")


def oversight_forces_with_peers(*, user: User):
    """``oversight_forces`` with each force's own peer list and its peers, for a page
    listing them (HMICFRS sees every force's list)."""
    return (
        oversight_forces(user=user)
        .select_related("peer_list")
        .prefetch_related(Prefetch("peer_list__peers", queryset=Force.objects.order_by("name")))
    )


def oversight_force_get(*, user: User, code: str) -> Force:
    """A force in the user's scope; a 404 whether missing or out of scope."""
    force = oversight_forces(user=user).filter(code__iexact=code).first()
    if force is None:
        raise Http404("No such force in your scope")
    return force


def force_area_get(*, force: Force, area_id: int | None) -> Area | None:
    if area_id is None:
        return None
    area = Area.objects.filter(force=force, pk=area_id).first()
    if area is None:
        raise Http404("No such area in this force")
    return area


def peer_forces(*, force: Force, scope: str = "peers") -> list[Force]:
    """The forces a league table compares ``force`` with (itself included): its own list
    of most similar forces (``PeerList``; another force's list may differ, and need not
    name this one), or every force."""
    forces = Force.objects.order_by("name")
    if scope == "peers":
        peer_list = PeerList.objects.filter(force=force).first()
        if peer_list is not None:
            return list(forces.filter(Q(pk=force.pk) | Q(peer_of=peer_list)).distinct())
    return list(forces)


def peers_key(forces: Iterable[Force], *, name: str = "") -> str:
    """A short digest of the forces compared (and the comparison's name), for a cache key:
    a force's league and drivers change with its own list of peers."""
    text = "|".join([name, *sorted(f.code for f in forces)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def peer_group_source(*, force: Force) -> dict[str, Any] | None:
    """The force's own list of peers with where it comes from (the peer groups file's
    source, address and date), to show wherever peers are; None when it has no list."""
    peer_list = PeerList.objects.filter(force=force).first()
    if peer_list is None:
        return None
    return {
        "force": force.name,
        "name": peer_list.name,
        "source": peer_list.source or "not recorded (loaded before peer lists had a source)",
        "url": peer_list.source_url,
        "date": peer_list.source_date.isoformat() if peer_list.source_date else None,
        "date_label": f"{peer_list.source_date.day} {peer_list.source_date:%B %Y}"
        if peer_list.source_date
        else "undated",
        "forces": list(peer_list.peers.order_by("name").values_list("name", flat=True)),
        "codes": list(peer_list.peers.order_by("code").values_list("code", flat=True)),
    }


def peer_lists_source() -> dict[str, Any] | None:
    """Where the peer lists loaded come from (source, address, date), once for a page
    listing many forces; None when no force has a list."""
    first = PeerList.objects.order_by("-source_date").first()
    if first is None:
        return None
    return {
        "source": first.source or "not recorded",
        "url": first.source_url,
        "date_label": f"{first.source_date.day} {first.source_date:%B %Y}"
        if first.source_date
        else "undated",
    }


def latest_quarter(*, forces: Iterable[Force]) -> Quarter | None:
    """The latest quarter with responses for these forces."""
    from victimcare.surveys.models import Response

    last = Response.objects.filter(force__in=list(forces)).aggregate(m=Max("month"))["m"]
    return Quarter.containing(last) if last else None


# --- responses ---------------------------------------------------------------------------

FRAME_TEXT = (
    "force",
    "area",
    "crime_group",
    "month",
    "report_channel",
    "age_band",
    "sex",
    "ethnicity",
    "disability",
)
STAGE_FIELDS = {
    "ease_of_contact": "ease_of_contact",
    "actions_taken": "actions_taken",
    "kept_informed": "kept_informed_answer",
    "treatment": "treatment",
    "whole_experience": "whole_experience",
}


def _responses(forces: Iterable[Force], period_from: date, period_to: date):
    from victimcare.surveys.models import Response

    return Response.objects.filter(
        force__in=[f.pk if isinstance(f, Force) else f for f in forces],
        month__gte=date(period_from.year, period_from.month, 1),
        month__lte=date(period_to.year, period_to.month, 1),
    )


def responses_frame(
    *,
    forces: Iterable[Force],
    period_from: date,
    period_to: date,
    satisfied: str | None = None,
    code_questions: bool = False,
) -> dict[str, np.ndarray]:
    """The responses of ``forces`` for the months ``period_from`` to ``period_to`` as
    columns: design variables (``stratum``, ``N``, design weight ``w`` = N_h / m_h),
    domains, care markers (``kept_informed``, ``visited`` from the survey; ``referred``
    from the Victims' Code records: a referral sent before the interview) and
    ``sat_<stage>`` (1 satisfied, 0 not, NaN without an answer). Pseudonymised
    aggregates' raw material: no identifiers leave this function.

    With ``code_questions``, also the answers to the questionnaire's Victims' Code
    questions (``surveys.questionnaire.CODE_QUESTIONS``): ``code_<question>`` is 1 for
    yes, 0 for no, NaN when unanswered or not asked, and ``asked_<question>`` 1 when the
    version the victim answered asks it (0: "not asked", an older version)."""
    from victimcare.cases.constants import EventKind
    from victimcare.cases.models import CaseEvent
    from victimcare.surveys.constants import DEFAULT_SATISFIED, NO_ANSWER, SATISFIED_DEFINITIONS

    definition = SATISFIED_DEFINITIONS[satisfied or DEFAULT_SATISFIED]
    # A referral is in the case's log whichever way it was made (the care pages, a records
    # system through the API, or a backfill), so the log is what counts.
    referred = CaseEvent.objects.filter(
        case__victims__pseudonym=OuterRef("respondent"),
        kind=EventKind.REFERRAL_SENT,
        at__lt=OuterRef("completed_at"),
    )
    rows = list(
        _responses(forces, period_from, period_to)
        .annotate(referred=Exists(referred))
        .order_by()
        .values_list(
            "stratum_id",
            "stratum__population",
            "sample_id",
            "stratum__key",
            "force__code",
            "area__name",
            "crime_group",
            "month",
            "report_channel",
            "age_band",
            "sex",
            "ethnicity",
            "disability",
            "kept_informed",
            "visited",
            "referred",
            *STAGE_FIELDS.values(),
            "mode",
            *(("questionnaire_id", "extra_answers") if code_questions else ()),
        )
    )
    n = len(rows)
    cols: dict[str, np.ndarray] = {}
    if n == 0:
        empty_text = np.array([], dtype=str)
        cols = dict.fromkeys((*FRAME_TEXT, "mode"), empty_text)
        for name in (
            "stratum",
            "N",
            "w",
            "bme",
            "disabled",
            "kept_informed",
            "visited",
            "referred",
            *(f"sat_{s}" for s in STAGE_FIELDS),
            *(_code_columns() if code_questions else ()),
        ):
            cols[name] = np.array([], dtype=float)
        return cols
    unpacked = list(zip(*rows, strict=True))
    stratum = np.asarray(unpacked[0], dtype=np.int64)
    population = np.asarray(unpacked[1], dtype=float)
    _, inverse, counts = np.unique(stratum, return_inverse=True, return_counts=True)
    cols["w"] = population / counts[inverse]
    variance_stratum, variance_population = _lonely_strata_collapse(
        stratum, population, np.asarray(unpacked[2], dtype=np.int64), unpacked[3]
    )
    cols["stratum"] = variance_stratum
    cols["N"] = variance_population
    unpacked = unpacked[:2] + unpacked[4:]
    for i, name in enumerate(FRAME_TEXT, start=2):
        values = unpacked[i]
        if name == "month":
            values = [f"{m:%Y-%m}" for m in values]
        cols[name] = np.asarray(values, dtype=str)
    eth = cols["ethnicity"]
    cols["bme"] = np.where(
        (eth == "") | (eth == "prefer_not_to_say"), np.nan, (eth != "white").astype(float)
    )
    dis = cols["disability"]
    cols["disabled"] = np.where(dis == "yes", 1.0, np.where(dis == "no", 0.0, np.nan))
    for i, name in enumerate(("kept_informed", "visited", "referred"), start=11):
        cols[name] = np.asarray(unpacked[i], dtype=float)
    no_answer = [str(a) for a in NO_ANSWER] + [""]
    good = [str(a) for a in definition]
    for i, stage in enumerate(STAGE_FIELDS, start=14):
        answers = np.asarray(unpacked[i], dtype=str)
        cols[f"sat_{stage}"] = np.where(
            np.isin(answers, no_answer), np.nan, np.isin(answers, good).astype(float)
        )
    cols["mode"] = np.asarray(unpacked[14 + len(STAGE_FIELDS)], dtype=str)
    if code_questions:
        cols.update(_code_answers(unpacked[-2], unpacked[-1]))
    return cols


def _code_columns() -> list[str]:
    from victimcare.surveys.questionnaire import CODE_QUESTIONS

    return [f"{prefix}_{q}" for q in CODE_QUESTIONS for prefix in ("code", "asked")]


def _code_answers(questionnaires: tuple, answers: tuple) -> dict[str, np.ndarray]:
    """The Victims' Code questions' columns (see ``responses_frame``): a version that does
    not ask a question leaves it NaN ("not asked"), whatever its extra answers hold."""
    from victimcare.surveys.models import Questionnaire
    from victimcare.surveys.questionnaire import CODE_QUESTIONS, asks

    versions = {q.pk: q for q in Questionnaire.objects.filter(pk__in=set(questionnaires))}
    out: dict[str, np.ndarray] = {}
    for question in CODE_QUESTIONS:
        asked = {pk: asks(q, question) for pk, q in versions.items()}
        flags = np.array([asked[pk] for pk in questionnaires], dtype=bool)
        values = [(extra or {}).get(question, "") for extra in answers]
        code = np.where(
            np.array([v == "yes" for v in values]),
            1.0,
            np.where(np.array([v == "no" for v in values]), 0.0, np.nan),
        )
        out[f"code_{question}"] = np.where(flags, code, np.nan)
        out[f"asked_{question}"] = flags.astype(float)
    return out


def da_responses_frame(
    *, force: Force, period_from: date, period_to: date, area: Area | None = None
) -> dict[str, np.ndarray]:
    """The domestic abuse survey's responses of ``force`` (never the User Satisfaction
    Survey's) as columns for a design: strata by month of report, ``N`` the victims
    proposed for the survey in the month (every eligible one: it is a census with
    non-response), design weight ``w`` = N_h / m_h, ``month``, ``area`` (a domain: cells
    of month and area hold one or two victims, too few to weight by), ``scope`` (1 in
    ``area``, or everywhere) and ``sat_<stage>`` as ``responses_frame`` has them. When
    every month holds a single victim who answered, the months are pooled into one
    stratum (an fpc of 1 everywhere describes no design)."""
    from victimcare.surveys.constants import DEFAULT_SATISFIED, NO_ANSWER, SATISFIED_DEFINITIONS
    from victimcare.surveys.models import DaResponse, DaSurveyContact

    months = Q(
        month__gte=date(period_from.year, period_from.month, 1),
        month__lte=date(period_to.year, period_to.month, 1),
    )
    counts = (
        DaSurveyContact.objects.filter(months, force=force)
        .values("month")
        .annotate(k=Count("id"))
        .values_list("month", "k")
    )
    population = dict(counts)
    rows = list(
        DaResponse.objects.filter(months, force=force)
        .order_by()
        .values_list("month", "area_id", "area__name", "answers")
    )
    responded: dict[date, int] = {}
    for month, _area_id, _name, _answers in rows:
        responded[month] = responded.get(month, 0) + 1
    sizes = {m: max(population.get(m, 0), k) for m, k in responded.items()}
    keys = [m for m, _a, _n, _x in rows]  # each response's stratum
    if len(rows) > 1 and max(sizes.values()) <= 1:
        pooled = min(responded)
        sizes, responded, keys = {pooled: len(rows)}, {pooled: len(rows)}, [pooled] * len(rows)
    strata = {key: i for i, key in enumerate(sorted(responded))}
    good = {str(a) for a in SATISFIED_DEFINITIONS[DEFAULT_SATISFIED]}
    no_answer = {str(a) for a in NO_ANSWER} | {""}
    cols: dict[str, np.ndarray] = {
        "stratum": np.array([strata[k] for k in keys], dtype=np.int64),
        "N": np.array([sizes[k] for k in keys], dtype=float),
        "month": np.array([f"{m:%Y-%m}" for m, _a, _n, _x in rows], dtype=str),
        "area": np.array([n for _m, _a, n, _x in rows], dtype=str),
        "scope": np.array(
            [1 if area is None or a == area.pk else 0 for _m, a, _n, _x in rows], dtype=np.int64
        ),
    }
    cols["w"] = np.array([sizes[k] / responded[k] for k in keys], dtype=float)
    for stage in STAGE_FIELDS:
        answers = [(x or {}).get(stage, "") for _m, _a, _n, x in rows]
        cols[f"sat_{stage}"] = np.array(
            [np.nan if v in no_answer else float(v in good) for v in answers], dtype=float
        )
    return cols


def _lonely_strata_collapse(
    stratum: np.ndarray, population: np.ndarray, sample: np.ndarray, keys: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """The variance strata and their populations, as ``victimcare survey microdata``
    writes them, by the one rule ``surveys.weighting.lonely_strata_groups``; the joined
    stratum's N is the sum. Weights stay those of each respondent's own stratum."""
    from victimcare.surveys.weighting import lonely_strata_groups

    ids, first, counts = np.unique(stratum, return_index=True, return_counts=True)
    info = {
        int(pk): (int(sample[i]), str(keys[i]), float(population[i]), int(m))
        for pk, i, m in zip(ids, first, counts, strict=True)
    }
    by_sample: dict[int, list[int]] = {}
    for pk, (sample_id, _key, _pop, _m) in info.items():
        by_sample.setdefault(sample_id, []).append(pk)
    group_of: dict[int, int] = {}
    group_population: dict[int, float] = {}
    for members in by_sample.values():
        groups = lonely_strata_groups(
            {pk: info[pk][3] for pk in members}, {pk: info[pk][1] for pk in members}
        )
        for joined in groups:
            head = joined[0]
            group_population[head] = sum(info[pk][2] for pk in joined)
            for pk in joined:
                group_of[pk] = head
    heads = np.array([group_of[int(pk)] for pk in ids], dtype=np.int64)
    position = np.searchsorted(ids, stratum)
    variance_stratum = heads[position]
    variance_population = np.array([group_population[int(h)] for h in heads])[position]
    return variance_stratum, variance_population


def responses_stamp(*, forces: Iterable[Force], period_from: date, period_to: date) -> str:
    """What the cached figures depend on: the responses' count, last id and last
    completion, and the last referral of the forces' victims."""
    from victimcare.cases.constants import EventKind
    from victimcare.cases.models import CaseEvent

    forces = list(forces)
    agg = _responses(forces, period_from, period_to).aggregate(
        n=Count("id"), last=Max("id"), done=Max("completed_at")
    )
    referral = CaseEvent.objects.filter(
        case__force__in=forces, kind=EventKind.REFERRAL_SENT
    ).aggregate(last=Max("id"))["last"]
    done = agg["done"].isoformat() if agg["done"] else "-"
    return f"v{FIGURES_VERSION}:{agg['n']}:{agg['last'] or 0}:{done}:{referral or 0}"


def da_responses_stamp(*, force: Force) -> str:
    """What the domestic abuse survey's cached figures depend on: its responses and the
    contacts that weight them."""
    from victimcare.surveys.models import DaResponse, DaSurveyContact

    responses = DaResponse.objects.filter(force=force).aggregate(n=Count("id"), last=Max("id"))
    contacts = DaSurveyContact.objects.filter(force=force).aggregate(n=Count("id"), last=Max("id"))
    return f"da:{responses['n']}:{responses['last'] or 0}:{contacts['n']}:{contacts['last'] or 0}"


def figures_cache_get(*, key: str, stamp: str) -> dict | None:
    """Figures kept for ``key``, if their data has not changed since (same ``stamp``)."""
    hit = FiguresCache.objects.filter(key=key).values_list("stamp", "payload").first()
    return hit[1] if hit is not None and hit[0] == stamp else None


def choice_labels() -> dict[str, dict[str, str]]:
    """Display labels of coded columns."""
    from victimcare.cases.constants import AgeBand, Channel, Disability, Ethnicity, Sex
    from victimcare.forces.constants import SurveyGroup
    from victimcare.surveys.constants import Mode

    def of(choices) -> dict[str, str]:
        return {str(value): str(label) for value, label in choices.choices}

    return {
        "crime_group": of(SurveyGroup),
        "report_channel": of(Channel),
        "ethnicity": of(Ethnicity),
        "age_band": of(AgeBand),
        "sex": of(Sex),
        "disability": {**of(Disability), "yes": "Disabled", "no": "Not disabled"},
        "mode": of(Mode),
    }


# --- pages -------------------------------------------------------------------------------


def dashboard_window(quarter: Quarter) -> tuple[date, date]:
    return month_shift(quarter.last_month, -(DASHBOARD_MONTHS - 1)), quarter.last_month


# --- targets -----------------------------------------------------------------------------


def targets_for_force(*, force: Force) -> list[Target]:
    return list(
        Target.objects.filter(force=force, retired_at__isnull=True)
        .select_related("area", "created_by")
        .prefetch_related("versions__changed_by")
        .order_by("deadline", "id")
    )


def target_get(*, user: User, pk: int) -> Target:
    target = (
        Target.objects.filter(pk=pk, force__in=oversight_forces(user=user))
        .select_related("force", "area")
        .first()
    )
    if target is None:
        raise Http404("No such target")
    return target


def target_describe(target: Target) -> str:
    from victimcare.oversight.constants import Measure, VictimGroup

    measure = Measure(target.measure).label
    if target.scope == "area" and target.area_id:
        where = f"{target.area.name}"
    elif target.scope == "group" and target.group:
        where = str(VictimGroup(target.group).label)
    else:
        where = target.force.name
    if target.kind == "gap":
        what = f"ethnic minority gap (white minus ethnic minority) in {str(measure).lower()} satisfaction under {target.value:g} points"
    else:
        what = f"{str(measure).lower()} satisfaction of at least {target.value:g}%"
    return f"{where}: {what} by {target.deadline:%d %B %Y}"


# --- Victims' Code compliance ------------------------------------------------------------


def compliance_rates(
    *, force: Force, first: date, last: date, area: Area | None = None
) -> list[dict[str, Any]]:
    """Share of each Victims' Code obligation met on time among those falling due in the
    months ``first`` to ``last`` (counts of records, not a sample: no interval). Same
    definition as the care app's compliance page; cancelled obligations are left out
    unless they had already been breached."""
    from victimcare.care.constants import ObligationStatus
    from victimcare.care.models import Obligation

    tz = LONDON
    start = datetime.combine(date(first.year, first.month, 1), dtime.min, tzinfo=tz)
    end = datetime.combine(month_shift(last, 1), dtime.min, tzinfo=tz)
    rows = Obligation.objects.filter(case__force=force, due_at__gte=start, due_at__lt=end)
    if area is not None:
        rows = rows.filter(case__area=area)
    rows = rows.exclude(status=ObligationStatus.CANCELLED, breached_at__isnull=True)
    on_time = Q(status=ObligationStatus.MET, met_at__lte=F("due_at"))
    out = []
    for row in (
        rows.values("code", "rule__title")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=on_time),
            open=Count("id", filter=Q(status=ObligationStatus.OPEN)),
            breached=Count("id", filter=Q(breached_at__isnull=False)),
        )
        .order_by("code")
    ):
        decided = row["due"] - row["open"]
        out.append(
            {
                "code": row["code"],
                "title": row["rule__title"] or row["code"],
                "due": row["due"],
                "decided": decided,
                "on_time": row["on_time"],
                "breached": row["breached"],
                "share": row["on_time"] / decided if decided > 0 else None,
            }
        )
    return out


def months_label(first: date, last: date) -> str:
    keys = months_between(first, last)
    return f"{keys[0]} to {keys[-1]}"


# --- training aimed at the drivers -------------------------------------------------------


def drivers_with_training(drivers: dict[str, Any], *, force_id: int, user: Any = None) -> dict:
    """The drivers figures (unchanged: they may be the cached ones) with each row's
    ``training``: the force's training modules aimed at its stage and their rollout state
    (``core.registry.TrainingAim``; the training app provides them through the registry).
    ``user`` decides whether a module's page is linked (None: the report pack, which
    names modules without links)."""
    aims = training_aims_for_force(force_id, user)
    rows = [dict(r, training=aims.get(r["stage"], [])) for r in drivers.get("rows", [])]
    return dict(drivers, rows=rows)
