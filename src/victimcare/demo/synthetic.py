"""Synthetic survey responses for tests and benchmarks (never for the demo world, which
the demo app builds). Deterministic from a seed; says nothing about any real force.

``frame_synthesise`` gives a frame (dict of numpy columns, the shape
``selectors.responses_frame`` returns); ``responses_bulk_create`` writes the same kind of
responses into the surveys app's tables with bulk inserts.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date

import numpy as np

from victimcare.forces.models import Area
from victimcare.oversight.periods import month_shift
from victimcare.surveys.models import Response, Sample, SampleStratum
from victimcare.surveys.services import questionnaire_core_get

STAGE_ANSWERS = (
    "completely_satisfied",
    "very_satisfied",
    "fairly_satisfied",
    "neither",
    "fairly_dissatisfied",
    "very_dissatisfied",
    "completely_dissatisfied",
    "dont_know",
)
SATISFIED_TOP3 = set(STAGE_ANSWERS[:3])
GROUPS = ("burglary", "violence", "vehicle", "hate")
CHANNELS = ("online", "phone", "front_counter", "officer")
ETHNICITIES = ("white", "white", "white", "asian", "black", "mixed", "other", "prefer_not_to_say")
AGE_BANDS = ("16_24", "25_34", "35_44", "45_54", "55_64", "65_plus")
SEXES = ("female", "male")
DISABILITY = ("no", "no", "no", "yes", "prefer_not_to_say")
ANSWER_FIELDS = {
    "ease_of_contact": "ease_of_contact",
    "actions_taken": "actions_taken",
    "kept_informed": "kept_informed_answer",
    "treatment": "treatment",
    "whole_experience": "whole_experience",
}
DEFAULT_LEVELS = {"MPS": 0.74, "GMP": 0.84, "WMP": 0.85}


def _answers(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """An answer on the seven-point scale, satisfied with probability ``p``."""
    u = rng.random(p.shape[0])
    satisfied = u < p
    good = rng.choice(np.array(STAGE_ANSWERS[:3], dtype=object), p.shape[0], p=[0.3, 0.4, 0.3])
    bad = rng.choice(np.array(STAGE_ANSWERS[3:7], dtype=object), p.shape[0], p=[0.3, 0.3, 0.2, 0.2])
    out = np.where(satisfied, good, bad)
    out[rng.random(p.shape[0]) < 0.01] = "dont_know"
    return out


def responses_synthesise(
    *,
    forces: Sequence[str],
    first_month: date,
    months: int,
    per_month: int,
    areas: int = 6,
    seed: int = 1,
    levels: dict[str, float] | None = None,
) -> list[dict]:
    """Stratum and response rows: one stratum per force, month, area and crime group."""
    levels = {**DEFAULT_LEVELS, **(levels or {})}
    rng = np.random.default_rng(seed)
    rows = []
    for f_index, force in enumerate(forces):
        base = levels.get(force, 0.80 + 0.01 * (f_index % 7))
        for m in range(months):
            month = month_shift(first_month, m)
            n = per_month
            area = rng.integers(0, areas, n)
            group = rng.integers(0, len(GROUPS), n)
            informed = rng.random(n) < 0.6
            visited = rng.random(n) < 0.4
            referred = rng.random(n) < 0.15
            ethnicity = rng.choice(np.array(ETHNICITIES, dtype=object), n)
            logit = np.log(base / (1 - base)) + 1.2 * (informed - 0.6) + 0.4 * (visited - 0.4)
            logit -= 0.25 * (ethnicity != "white") + 0.2 * (area == 0) - 0.02 * m / 12
            stage_p = {
                "ease_of_contact": 1 / (1 + np.exp(-(logit + 1.2))),
                "actions_taken": 1 / (1 + np.exp(-(logit - 0.2))),
                "kept_informed": 1 / (1 + np.exp(-(logit - 0.6 + 1.0 * informed))),
                "treatment": 1 / (1 + np.exp(-(logit + 0.8))),
            }
            answers = {stage: _answers(rng, p) for stage, p in stage_p.items()}
            good = sum(np.isin(answers[s], list(SATISFIED_TOP3)).astype(float) for s in answers)
            whole_p = 1 / (1 + np.exp(-(logit - 1.6 + 0.9 * good - 1.2)))
            answers["whole_experience"] = _answers(rng, whole_p)
            for i in range(n):
                rows.append(
                    {
                        "force": force,
                        "month": month,
                        "area": f"{force} area {int(area[i]) + 1}",
                        "crime_group": GROUPS[int(group[i])],
                        "report_channel": CHANNELS[int(rng.integers(0, len(CHANNELS)))],
                        "age_band": AGE_BANDS[int(rng.integers(0, len(AGE_BANDS)))],
                        "sex": SEXES[int(rng.integers(0, 2))],
                        "ethnicity": str(ethnicity[i]),
                        "disability": DISABILITY[int(rng.integers(0, len(DISABILITY)))],
                        "kept_informed": bool(informed[i]),
                        "visited": bool(visited[i]),
                        "referred": bool(referred[i]),
                        **{ANSWER_FIELDS[stage]: str(answers[stage][i]) for stage in answers},
                    }
                )
    # Stratum populations: a multiple of the respondents, varying by stratum.
    counts: dict[tuple, int] = {}
    for row in rows:
        key = (row["force"], row["month"], row["area"], row["crime_group"])
        counts[key] = counts.get(key, 0) + 1
    population = {
        key: int(m * (8 + zlib.crc32("|".join(key[2:]).encode()) % 5)) for key, m in counts.items()
    }
    for row in rows:
        key = (row["force"], row["month"], row["area"], row["crime_group"])
        row["stratum_key"] = f"{key[0]}|{key[2]}|{key[3]}"
        row["population"] = population[key]
    return rows


def frame_from_rows(rows: Sequence[dict], *, satisfied: set[str] = SATISFIED_TOP3) -> dict:
    """The dict-of-columns frame for rows as ``responses_synthesise`` makes them."""
    from collections import Counter

    strata = [f"{r['month']:%Y-%m}|{r['stratum_key']}" for r in rows]
    m = Counter(strata)
    cols: dict[str, np.ndarray] = {
        "stratum": np.array(strata, dtype=object),
        "N": np.array([float(r["population"]) for r in rows]),
        "w": np.array([r["population"] / m[s] for r, s in zip(rows, strata, strict=True)]),
    }
    for name in (
        "force",
        "area",
        "crime_group",
        "report_channel",
        "age_band",
        "sex",
        "ethnicity",
        "disability",
    ):
        cols[name] = np.array([r[name] for r in rows], dtype=object)
    cols["month"] = np.array([f"{r['month']:%Y-%m}" for r in rows], dtype=object)
    cols["bme"] = np.array(
        [
            np.nan
            if r["ethnicity"] in ("", "prefer_not_to_say")
            else float(r["ethnicity"] != "white")
            for r in rows
        ]
    )
    cols["disabled"] = np.array(
        [{"yes": 1.0, "no": 0.0}.get(r["disability"], np.nan) for r in rows]
    )
    for name in ("kept_informed", "visited", "referred"):
        cols[name] = np.array([float(r[name]) for r in rows])
    for stage in (
        "ease_of_contact",
        "actions_taken",
        "kept_informed",
        "treatment",
        "whole_experience",
    ):
        values = [r[ANSWER_FIELDS[stage]] for r in rows]
        cols[f"sat_{stage}"] = np.array(
            [np.nan if v in ("", "dont_know", "refused") else float(v in satisfied) for v in values]
        )
    return cols


def responses_bulk_create(
    *,
    forces: Sequence,
    first_month: date,
    months: int,
    per_month: int,
    areas: int = 6,
    seed: int = 1,
    levels: dict[str, float] | None = None,
    batch_size: int = 5000,
) -> int:
    """Write synthetic samples, strata and responses for ``forces`` (Force rows) with bulk
    inserts, straight into the surveys app's tables (no victims: benchmarks and tests of
    aggregates only). Areas are created as needed. Returns the number of responses."""
    import uuid

    from django.db import transaction
    from django.utils import timezone

    by_code = {f.code: f for f in forces}
    rows = responses_synthesise(
        forces=list(by_code),
        first_month=first_month,
        months=months,
        per_month=per_month,
        areas=areas,
        seed=seed,
        levels=levels,
    )
    questionnaire = questionnaire_core_get()
    now = timezone.now()
    rng = np.random.default_rng(seed + 1)
    with transaction.atomic():
        area_of: dict[tuple[str, str], Area] = {}
        for force in forces:
            for k in range(1, areas + 1):
                name = f"{force.code} area {k}"
                area, _ = Area.objects.get_or_create(
                    force=force, code=f"synthetic-area-{k}", defaults={"name": name}
                )
                area_of[(force.code, name)] = area
        samples: dict[tuple[str, date], Sample] = {}
        strata: dict[tuple[str, date, str], SampleStratum] = {}
        for row in rows:
            key = (row["force"], row["month"])
            if key not in samples:
                samples[key] = Sample(
                    force=by_code[row["force"]],
                    month=row["month"],
                    fieldwork_on=month_shift(row["month"], 2),
                    questionnaire=questionnaire,
                    crime_groups=list(GROUPS),
                    window_min_weeks=6,
                    window_max_weeks=12,
                    minimum_age=16,
                    strata_by="area,crime_group",
                    allocation="proportional",
                    target_interviews=per_month,
                    expected_response_rate=0.5,
                    seed=seed,
                    mode="web",
                    reminder_after_days=7,
                    expires_after_days=28,
                    drawn_at=now,
                    synthetic=True,
                )
        Sample.objects.bulk_create(samples.values(), batch_size=batch_size)
        if not all(s.pk for s in samples.values()):  # backends without RETURNING
            for sample in samples.values():
                sample.pk = Sample.objects.get(force=sample.force, month=sample.month).pk
        counts: dict[tuple, int] = {}
        for row in rows:
            skey = (row["force"], row["month"], row["stratum_key"])
            counts[skey] = counts.get(skey, 0) + 1
            if skey not in strata:
                strata[skey] = SampleStratum(
                    sample=samples[(row["force"], row["month"])],
                    key=row["stratum_key"],
                    area=area_of[(row["force"], row["area"])],
                    crime_group=row["crime_group"],
                    population=row["population"],
                    target=0,
                    drawn=0,
                )
        for skey, stratum in strata.items():
            stratum.target = stratum.drawn = counts[skey] * 2
        SampleStratum.objects.bulk_create(strata.values(), batch_size=batch_size)
        responses = []
        total = 0
        for row in rows:
            skey = (row["force"], row["month"], row["stratum_key"])
            responses.append(
                Response(
                    sample=samples[(row["force"], row["month"])],
                    stratum=strata[skey],
                    questionnaire=questionnaire,
                    respondent=uuid.UUID(int=int(rng.integers(1, 2**62)) * 2**64 + total),
                    mode="web",
                    completed_at=now,
                    force=by_code[row["force"]],
                    area=area_of[(row["force"], row["area"])],
                    crime_group=row["crime_group"],
                    month=row["month"],
                    report_channel=row["report_channel"],
                    age_band=row["age_band"],
                    sex=row["sex"],
                    ethnicity=row["ethnicity"],
                    disability=row["disability"],
                    kept_informed=row["kept_informed"],
                    visited=row["visited"],
                    ease_of_contact=row["ease_of_contact"],
                    actions_taken=row["actions_taken"],
                    kept_informed_answer=row["kept_informed_answer"],
                    treatment=row["treatment"],
                    whole_experience=row["whole_experience"],
                    synthetic=True,
                )
            )
            total += 1
            if len(responses) >= batch_size:
                Response.objects.bulk_create(responses, batch_size=batch_size)
                responses = []
        Response.objects.bulk_create(responses, batch_size=batch_size)
    return total
