"""Responses and the survey microdata, with their weights."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.constants import PREFER_NOT_TO_SAY, Ethnicity
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    DEFAULT_SATISFIED,
    NO_ANSWER,
    SATISFIED_DEFINITIONS,
    STAGES,
    Outcome,
)
from victimcare.surveys.models import (
    Response,
    SampleMember,
    SampleStratum,
)
from victimcare.surveys.weighting import (
    design_weights,
    lonely_strata_groups,
    nonresponse_weights,
    rake,
)


def responses_for_user(*, user: User) -> QuerySet[Response]:
    """Pseudonymised responses of the forces in scope: no path to names or contacts."""
    if not has_capability(user, Capability.VIEW_RESPONSES):
        return Response.objects.none()
    return (
        Response.objects.filter(force__in=forces_in_scope(user))
        .select_related("force", "area", "stratum")
        .order_by("-completed_at", "-id")
    )


def satisfied_value(answer: str, *, definition: str = DEFAULT_SATISFIED) -> int | None:
    """1 if the answer counts as satisfied under the measure's definition, 0 if not,
    None when there is no answer (don't know, refused, not asked): out of the base."""
    if not answer or answer in NO_ANSWER:
        return None
    return 1 if answer in SATISFIED_DEFINITIONS[definition] else 0


def _bme(ethnicity: str) -> int | None:
    if ethnicity in ("", PREFER_NOT_TO_SAY):
        return None
    return 0 if ethnicity == Ethnicity.WHITE else 1


def _yes_no(value: str) -> int | None:
    return {"yes": 1, "no": 0}.get(value)


WEIGHTINGS = ("design", "nonresponse", "raked")
MICRODATA_COLUMNS = (
    "respondent",
    "stratum",
    "psu",
    "N",
    "n",
    "m",
    "w",
    "collapsed",
    "force",
    "area",
    "crime_group",
    "month",
    "mode",
    "report_channel",
    "age_band",
    "sex",
    "ethnicity",
    "bme",
    "disability",
    "disabled",
    "kept_informed",
    "visited",
    *(f"answer_{stage}" for stage in STAGES),
    *(f"sat_{stage}" for stage in STAGES),
    "synthetic",
)


def microdata_rows(
    *,
    forces: Iterable[Force],
    first_month: date,
    last_month: date,
    weighting: str = "design",
    satisfied: str = DEFAULT_SATISFIED,
) -> list[dict]:
    """One row per response, with the design variables ``victimcare estimate`` needs:
    ``stratum`` (a month's stratum: each month is drawn separately), ``psu`` (the
    respondent: victims are drawn one by one), ``N`` (the stratum's eligible population,
    for the finite population correction) and ``w`` (the weight), then the domains and
    answers (``answer_<stage>``). ``sat_<stage>`` is 1 or 0 under the chosen definition of satisfied, blank
    for don't know or refused (out of the base).

    Weighting: ``design`` is N_h / m_h; ``nonresponse`` adjusts within cells of age band
    and sex in each stratum; ``raked`` takes the non-response weights and rakes them to
    the eligible population's strata, age bands, sexes and ethnic groups.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}")
    if satisfied not in SATISFIED_DEFINITIONS:
        raise ValueError(f"satisfied must be one of {', '.join(SATISFIED_DEFINITIONS)}")
    responses = list(
        Response.objects.filter(
            force__in=list(forces), month__gte=first_month, month__lte=last_month
        )
        .select_related("force", "area", "stratum", "sample")
        .order_by("month", "stratum__key", "id")
    )
    if not responses:
        return []
    strata = {r.stratum_id: r.stratum for r in responses}
    population = {pk: s.population for pk, s in strata.items()}
    stratum_of = [r.stratum_id for r in responses]
    responded = Counter(stratum_of)
    if weighting == "design":
        weights = design_weights(stratum_of, population)
    else:
        cell = [(r.age_band or "unknown", r.sex or "unknown") for r in responses]
        issued: Counter = Counter()
        issued_rows = SampleMember.objects.filter(stratum_id__in=list(strata)).values_list(
            "stratum_id", "victim__age_band", "victim__sex", "outcome"
        )
        for stratum_id, age_band, sex, outcome in issued_rows.iterator(chunk_size=5000):
            if outcome == Outcome.INELIGIBLE:
                continue
            issued[(stratum_id, (age_band or "unknown", sex or "unknown"))] += 1
        for stratum_id, c in zip(stratum_of, cell, strict=True):
            issued[(stratum_id, c)] = max(issued[(stratum_id, c)], 1)
        weights = nonresponse_weights(stratum_of, cell, issued, population)
        if weighting == "raked":
            margins = {"stratum": stratum_of}
            targets: dict[str, dict] = {"stratum": dict(population)}
            for margin in ("age_band", "sex", "ethnicity"):
                total: Counter = Counter()
                for stratum in strata.values():
                    total.update(stratum.margins.get(margin, {}))
                margins[margin] = [
                    getattr(r, margin)
                    if getattr(r, margin) not in ("", PREFER_NOT_TO_SAY)
                    else "unknown"
                    for r in responses
                ]
                targets[margin] = dict(total)
            weights = rake(weights, margins, targets)
    design_stratum = _lonely_strata_collapse(responses, responded)
    rows = []
    for response, weight in zip(responses, weights, strict=True):
        stratum = response.stratum
        label, population = design_stratum[response.stratum_id]
        row = {
            "respondent": str(response.respondent),
            "stratum": label,
            "psu": response.pk,
            "N": population,
            "n": stratum.drawn,
            "m": responded[response.stratum_id],
            "w": round(weight, 6),
            "collapsed": int("+" in label),
            "force": response.force.code,
            "area": response.area.name,
            "crime_group": response.crime_group,
            "month": f"{response.month:%Y-%m}",
            "mode": response.mode,
            "report_channel": response.report_channel,
            "age_band": response.age_band,
            "sex": response.sex,
            "ethnicity": response.ethnicity,
            "bme": _bme(response.ethnicity),
            "disability": response.disability,
            "disabled": _yes_no(response.disability),
            "kept_informed": int(response.kept_informed),
            "visited": int(response.visited),
            "synthetic": int(response.synthetic),
        }
        for stage in STAGES:
            answer = response.stage_answer(stage)
            row[f"answer_{stage}"] = answer
            row[f"sat_{stage}"] = satisfied_value(answer, definition=satisfied)
        rows.append(row)
    return rows


def _lonely_strata_collapse(responses: list[Response], responded: Counter) -> dict:
    """Per stratum id, the design stratum label and population N written to microdata.

    Lonely strata are collapsed by ``weighting.lonely_strata_groups`` (the one rule);
    the collapsed stratum's N is the sum; each respondent keeps the weight of its own
    stratum."""
    by_sample: dict[int, dict[int, SampleStratum]] = defaultdict(dict)
    for response in responses:
        by_sample[response.sample_id][response.stratum_id] = response.stratum
    result = {}
    for strata in by_sample.values():
        month = next(iter(strata.values())).sample.month
        groups = lonely_strata_groups(
            {pk: responded[pk] for pk in strata}, {pk: strata[pk].key for pk in strata}
        )
        for members in groups:
            keys = sorted(strata[pk].key for pk in members)
            label = f"{month:%Y-%m}|" + "+".join(keys)
            population = sum(strata[pk].population for pk in members)
            for pk in members:
                result[pk] = (label, population)
    return result
