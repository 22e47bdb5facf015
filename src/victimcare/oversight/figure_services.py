"""Oversight's figures of the pages (dashboard, league table, drivers, target progress),
computed from the responses and kept in the figures cache until their data changes: the
writes of the cache. The reads are selectors (``selectors.figures_cache_get``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from victimcare.forces.models import Area, Force
from victimcare.oversight import benchmark, figures, publication, selectors
from victimcare.oversight.compliance_measures import ALL
from victimcare.oversight.compliance_return import Cell, compliance_return
from victimcare.oversight.figures import domestic_abuse, survey_record
from victimcare.oversight.models import FiguresCache, Target
from victimcare.oversight.periods import Quarter, month_shift, twelve_months_to

logger = logging.getLogger(__name__)


def figures_cache_store(*, key: str, stamp: str, payload: dict, seconds: float) -> None:
    """Keep computed figures for their key until the stamp of their data changes."""
    values = {"stamp": stamp, "payload": payload, "computed_at": timezone.now(), "seconds": seconds}
    try:
        with transaction.atomic():
            FiguresCache.objects.update_or_create(key=key, defaults=values)
    except IntegrityError:  # another request stored the same key at the same moment
        FiguresCache.objects.filter(key=key).update(**values)


def figures_cached(*, key: str, stamp: str, compute: Callable[[], dict]) -> dict:
    """The figures kept for ``key`` if their data is unchanged (``stamp``), else computed
    now and kept."""
    payload = selectors.figures_cache_get(key=key, stamp=stamp)
    if payload is not None:
        return payload
    started = time.perf_counter()
    payload = compute()
    figures_cache_store(
        key=key, stamp=stamp, payload=payload, seconds=time.perf_counter() - started
    )
    return payload


# --- the figures of the pages (kept in the cache) ----------------------------------------


def dashboard_compute(
    *,
    force: Force,
    quarter: Quarter,
    area: Area | None = None,
    use_cache: bool = True,
    on: date | None = None,
) -> dict[str, Any]:
    """The satisfaction dashboard of a force (or one of its areas) for a quarter, under
    the publication rule as of ``on`` (default today). The caller has checked the force
    is in the user's scope."""
    first, last = selectors.dashboard_window(quarter)
    threshold = publication.threshold()
    key = f"dashboard|{force.code}|{area.pk if area else '-'}|{quarter.code}|t{threshold}"
    stamp = selectors.responses_stamp(forces=[force], period_from=first, period_to=last)

    def compute() -> dict:
        frame = figures.Frame(
            selectors.responses_frame(forces=[force], period_from=first, period_to=last)
        )
        out = figures.dashboard_figures(
            frame,
            quarter=quarter,
            scope_label=area.name if area else force.name,
            area=area.name if area else None,
            labels=selectors.choice_labels(),
            chart_prefix=f"dash-{force.code.lower()}",
            threshold=threshold,
        )
        out["compliance"] = selectors.compliance_rates(
            force=force,
            area=area,
            first=month_shift(quarter.last_month, -11),
            last=quarter.last_month,
        )
        return out

    on_day = on or publication.today()

    def published() -> dict[str, Any]:
        raw = figures_cached(key=key, stamp=stamp, compute=compute) if use_cache else compute()
        try:
            national, problem = benchmark.benchmark_for(figures.WHOLE), None
        except benchmark.BenchmarkFileError:
            logger.exception("The national benchmark file could not be read")
            national, problem = None, "The national benchmark file could not be read: run "
            problem += "victimcare benchmark to see why."
        fig = figures.dashboard_publish(raw, threshold=threshold, on=on_day, benchmark=national)
        fig["benchmark_problem"] = problem
        return fig

    # The published figures and their charts (drawing them is most of the work) kept too:
    # they change with the data and with the day the publication rule is applied on.
    fig = (
        figures_cached(
            key=f"{key}|published", stamp=f"{stamp}|{on_day.isoformat()}", compute=published
        )
        if use_cache
        else published()
    )
    fig["peers"] = selectors.peer_group_source(force=force)
    return fig


def survey_record_compute(
    *, force: Force, quarter: Quarter, area: Area | None = None, as_at: datetime | None = None
) -> dict[str, Any]:
    """Survey and record side by side for the dashboard of a force (one row per area
    too) or an area: the compliance return's recorded rate beside the survey estimate of
    the questionnaire's Victims' Code questions, for ``quarter``. The caller has checked
    the force is in the user's scope."""
    threshold = publication.threshold()
    result = compliance_return(force=force, quarter=quarter, as_at=as_at, threshold=threshold)
    recorded: dict[str, dict[str, dict[str, Any]]] = {}
    for _question, measure, _title in survey_record.PAIRS:
        by_scope: dict[str, dict[str, Any]] = {}
        for cell in result.table(measure):
            if cell.breakdown == ALL:
                by_scope[force.name] = _cell_dict(cell)
            elif cell.breakdown == "area":
                by_scope[cell.label] = _cell_dict(cell)
        if area is not None:
            by_scope = {area.name: by_scope.get(area.name, {})}
        recorded[measure] = by_scope
    frame = figures.Frame(
        selectors.responses_frame(
            forces=[force],
            period_from=quarter.first_month,
            period_to=quarter.last_month,
            code_questions=True,
        )
    )
    out = survey_record.survey_record_figures(
        frame,
        months=quarter.months,
        recorded=recorded,
        scope_label=area.name if area is not None else force.name,
        areas=list(force.areas.order_by("name").values_list("name", flat=True)),
        area=area.name if area is not None else None,
        threshold=threshold,
    )
    out["quarter_label"] = quarter.label
    out["complete"] = result.complete
    out["as_at"] = f"{timezone.localtime(result.as_at):%d %B %Y %H:%M}"
    return out


def dashboard_sections(
    *, force: Force, quarter: Quarter, area: Area | None = None
) -> dict[str, dict[str, Any]]:
    """The dashboard's sections beside the satisfaction figures: survey and record side
    by side, and the domestic abuse survey's own figures. Kept in the figures cache until
    the responses (of either survey) change, or for the hour at most, since the records
    the compliance return counts change all the time (``as_at`` says when)."""
    first, last = quarter.first_month, quarter.last_month
    threshold = publication.threshold()
    now = timezone.now()
    key = f"sections|{force.code}|{area.pk if area else '-'}|{quarter.code}|t{threshold}"
    stamp = "|".join(
        (
            selectors.responses_stamp(forces=[force], period_from=first, period_to=last),
            selectors.da_responses_stamp(force=force),
            f"{timezone.localtime(now):%Y-%m-%dT%H}",
        )
    )

    def compute() -> dict[str, Any]:
        return {
            "survey_record": survey_record_compute(
                force=force, quarter=quarter, area=area, as_at=now
            ),
            "da_survey": da_survey_compute(force=force, quarter=quarter, area=area),
        }

    return figures_cached(key=key, stamp=stamp, compute=compute)


def da_survey_compute(
    *,
    force: Force,
    quarter: Quarter,
    area: Area | None = None,
    on: date | None = None,
    threshold: int | None = None,
) -> dict[str, Any]:
    """The domestic abuse victims' survey's own figures for the dashboard of a force or
    an area (read from its own responses, never the User Satisfaction Survey's)."""
    year = twelve_months_to(quarter.last_month)
    frame = figures.Frame(
        selectors.da_responses_frame(
            force=force,
            period_from=month_shift(quarter.last_month, -11),
            period_to=quarter.last_month,
            area=area,
        )
    )
    return domestic_abuse.da_survey_figures(
        frame,
        quarter_months=quarter.months,
        year_months=year,
        quarter_label=quarter.label,
        year_label=f"12 months to {quarter.label.split(' to ')[-1]}",
        threshold=publication.threshold() if threshold is None else threshold,
        on=on or publication.today(),
    )


def _cell_dict(cell: Cell) -> dict[str, Any]:
    interval = cell.interval
    return {
        "numerator": cell.numerator,
        "denominator": cell.denominator,
        "rate": cell.rate,
        "ci_low": interval[0] if interval else None,
        "ci_high": interval[1] if interval else None,
        "suppressed": cell.suppressed,
    }


def league_compute(
    *,
    force: Force,
    quarter: Quarter,
    measure: str = "whole_experience",
    scope: str = "peers",
    use_cache: bool = True,
) -> dict[str, Any]:
    """The league table of ``force`` and its own peers (its list of most similar forces;
    or all forces) for the 12 months to the end of ``quarter``: published aggregates of
    the peers, nothing more."""
    forces = selectors.peer_forces(force=force, scope=scope)
    months = twelve_months_to(quarter.last_month)
    first, last = month_shift(quarter.last_month, -11), quarter.last_month
    source = selectors.peer_group_source(force=force) if scope == "peers" else None
    group = source["name"] if source else "All forces"
    threshold = publication.threshold()
    key = (
        f"league|{scope}|{selectors.peers_key(forces, name=group) if source else '-'}"
        f"|{quarter.code}|{measure}|t{threshold}"
    )
    stamp = selectors.responses_stamp(forces=forces, period_from=first, period_to=last)

    def compute() -> dict:
        frame = figures.Frame(
            selectors.responses_frame(forces=forces, period_from=first, period_to=last)
        )
        return figures.league_figures(
            frame,
            measure=measure,
            months=months,
            names={f.code: f.name for f in forces},
            group_label=group,
            chart_prefix=f"league-{scope}",
            threshold=threshold,
        )

    payload = figures_cached(key=key, stamp=stamp, compute=compute) if use_cache else compute()
    payload = dict(payload)
    rows = [
        dict(
            r,
            highlight=r["code"] == force.code,
            estimate=publication.publish(r["estimate"], threshold=threshold),
        )
        for r in payload["rows"]
    ]
    # Forces under the threshold: no rank, listed alphabetically after the ranked ones.
    shown = [r for r in rows if r["estimate"]["published"]]
    withheld = sorted((r for r in rows if not r["estimate"]["published"]), key=lambda r: r["name"])
    payload["rows"] = shown + [dict(r, rank=None, flag_label="Too few responses") for r in withheld]
    payload["average"] = publication.publish(payload.get("average"), threshold=threshold)
    payload["threshold"] = threshold
    payload["peers"] = source
    return payload


def drivers_compute(*, force: Force, quarter: Quarter, use_cache: bool = True) -> dict[str, Any]:
    """Drivers of whole-experience satisfaction in ``force`` over the 12 months to the
    end of ``quarter``, and where it trails its own peers."""
    forces = selectors.peer_forces(force=force, scope="peers")
    months = twelve_months_to(quarter.last_month)
    first, last = month_shift(quarter.last_month, -11), quarter.last_month
    key = f"drivers|{force.code}|{quarter.code}|{selectors.peers_key(forces)}"
    stamp = selectors.responses_stamp(forces=forces, period_from=first, period_to=last)

    def compute() -> dict:
        frame = figures.Frame(
            selectors.responses_frame(forces=forces, period_from=first, period_to=last)
        )
        return figures.drivers_figures(
            frame,
            force=force.code,
            months=months,
            force_name=force.name,
            chart_prefix=f"drivers-{force.code.lower()}",
        )

    payload = figures_cached(key=key, stamp=stamp, compute=compute) if use_cache else compute()
    return {**payload, "peers": selectors.peer_group_source(force=force)}


def target_progress(*, target: Target, quarter: Quarter) -> dict[str, Any]:
    """A target's quarterly trajectory from its baseline to ``quarter`` and its status
    by the rules in ``target_rules``."""
    from victimcare.oversight import charts, target_rules

    baseline = Quarter.parse(target.baseline_quarter)
    last = max(quarter, baseline)
    quarters = figures.quarters_between(baseline, last)
    first_month, last_month = baseline.first_month, last.last_month
    key = f"target|{target.pk}|v{target.version}|{last.code}"
    stamp = selectors.responses_stamp(
        forces=[target.force], period_from=first_month, period_to=last_month
    )

    def compute() -> dict:
        frame = figures.Frame(
            selectors.responses_frame(
                forces=[target.force], period_from=first_month, period_to=last_month
            )
        )
        group = _group_pair(target.group)
        return {
            "series": figures.series_figures(
                frame,
                measure=target.measure,
                kind=target.kind,
                quarters=quarters,
                area=target.area.name if target.area is not None else None,
                group=group,
            )
        }

    series = figures_cached(key=key, stamp=stamp, compute=compute)["series"]
    goal = target.value / 100
    threshold = publication.threshold()
    on_day = publication.today()
    # The publication rule: a quarter counts only with enough responses and complete
    # fieldwork; the others are shown as such and never judged.
    for s in series:
        s["estimate"] = publication.publish(s["estimate"], threshold=threshold)
        months = Quarter.parse(s["quarter"]).months
        s["fieldwork_complete"] = publication.fieldwork(months, counts={}, on=on_day)["complete"]
    counted = [
        s for s in series if s["estimate"]["published"] and s.get("fieldwork_complete", True)
    ]
    base = (series[0]["estimate"] or {}).get("estimate") if series else None
    latest = counted[-1] if counted else None
    earlier = [(s["estimate"]["ci_low"], s["estimate"]["ci_high"]) for s in counted[:-1]]
    baseline_on = baseline.end
    path = [
        target_rules.trajectory_at(
            baseline=base,
            baseline_on=baseline_on,
            target=goal,
            deadline=target.deadline,
            on=date.fromisoformat(s["end"]),
        )
        if base is not None
        else goal
        for s in series
    ]
    est = latest["estimate"] if latest else {}
    judgement = target_rules.target_judge(
        kind=target.kind,
        target=goal,
        estimate=est.get("estimate"),
        ci_low=est.get("ci_low"),
        ci_high=est.get("ci_high"),
        baseline=base,
        baseline_on=baseline_on,
        deadline=target.deadline,
        on=date.fromisoformat(latest["end"]) if latest else baseline_on,
        earlier=earlier,
    )
    scale_label = (
        "% satisfied" if target.kind == "level" else "Gap in points (white minus ethnic minority)"
    )
    points = [figures._point(s["label"], s["estimate"]) for s in series]
    chart = charts.trend_chart(
        f"target-{target.pk}",
        points,
        target=goal,
        trajectory=path,
        axis_label=scale_label,
        zero_line=target.kind == "gap",
        limits=charts.gap_axis(points) if target.kind == "gap" else charts.PERCENT_AXIS,
        title=f"Progress towards the target: {selectors.target_describe(target)}",
        desc="Quarterly estimates with 95% confidence intervals as a band, the target as "
        "a solid line and the trajectory from the baseline to the target as a dashed line. "
        + "; ".join(
            f"{s['label']}: "
            + (
                "no estimate"
                if not s["estimate"] or s["estimate"]["estimate"] is None
                else f"{s['estimate']['estimate'] * 100:.1f}"
            )
            for s in series
        ),
    ).svg
    return {
        "series": [dict(s, trajectory=p) for s, p in zip(series, path, strict=True)],
        "latest": latest,
        "baseline": base,
        "status": judgement.status,
        "status_label": judgement.label,
        "rule": judgement.rule,
        "rules": target_rules.RULES[target.kind],
        "chart": chart,
    }


def _group_pair(group: str) -> tuple[str, str] | None:
    """A target's group, stored as "variable:value", as the pair the series takes."""
    if not group:
        return None
    variable, _, value = group.partition(":")
    return (variable, value)
