"""The report pack for the Police and Crime Committee: one PDF per force and quarter.

Built from the same cached figures and SVG charts as the pages (nothing is computed
twice or differently), laid out as HTML and printed by WeasyPrint. The pack leaves the
force, so small groups in its breakdowns are suppressed as in open data. When the demo world
is loaded, every page carries "Demonstration data: synthetic".
"""

from __future__ import annotations

import copy
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from victimcare.core.registry import demo_world_get
from victimcare.forces.models import Force
from victimcare.oversight import figure_services, figures, selectors
from victimcare.oversight.constants import SYNTHETIC_NOTICE, suppression_threshold
from victimcare.oversight.periods import Quarter
from victimcare.oversight.suppression import Line, suppress


def _suppressed(fig: dict[str, Any], threshold: int) -> dict[str, Any]:
    """The dashboard's figures as they may leave the force: in each breakdown and each
    care split, groups with fewer than ``threshold`` responses are suppressed, with
    secondary suppression so that none can be worked out from the total; breakdown
    charts are redrawn without them."""
    fig = copy.deepcopy(fig)
    total = (fig["stages"][-1]["year"] or {}).get("n") or 0
    for b in fig["breakdowns"]:
        keys = [r["value"] for r in b["rows"]]
        counts = {r["value"]: r["estimate"]["n"] for r in b["rows"]}
        counts["__total__"] = total
        marks = suppress(counts, [Line(tuple(keys), "__total__")], threshold=threshold)
        for r in b["rows"]:
            r["suppressed"] = r["value"] in marks or not r["estimate"].get("published", True)
        # Suppressed rows after the shown ones, alphabetically: never in rank order,
        # where their place would give their figure away.
        b["rows"] = [r for r in b["rows"] if not r["suppressed"]] + sorted(
            (r for r in b["rows"] if r["suppressed"]), key=lambda r: r["label"].lower()
        )
    for c in fig["care"]:
        counts = {"yes": (c["yes"] or {}).get("n") or 0, "no": (c["no"] or {}).get("n") or 0}
        counts["__total__"] = counts["yes"] + counts["no"]
        marks = suppress(counts, [Line(("yes", "no"), "__total__")], threshold=threshold)
        c["suppressed"] = bool(marks.keys() & {"yes", "no"})
    # A gap resting on fewer than ``threshold`` responses on either side is not published
    # (a difference of two small groups could point at individuals).
    for g in fig["gap"]:
        small = min(g.get("n_white", 0), g.get("n_bme", 0)) < threshold
        g["suppressed"] = small and g["gap"] is not None
        if g["suppressed"]:
            g["gap"] = None
    shown = dict(
        fig,
        breakdowns=[
            dict(b, rows=[r for r in b["rows"] if not r["suppressed"]]) for b in fig["breakdowns"]
        ],
        care=[c for c in fig["care"] if not c["suppressed"]],
    )
    fig["charts"] = figures.dashboard_charts(shown, prefix="pack")
    fig["threshold"] = threshold
    return fig


def _target_row(*, target, quarter: Quarter, threshold: int) -> dict[str, Any]:
    """A target as it may leave the force: its quarterly series is not drawn when any
    quarter rests on fewer than ``threshold`` responses (a small area or group)."""
    progress = figure_services.target_progress(target=target, quarter=quarter)
    counts = [(s["estimate"] or {}).get("n") for s in progress["series"]]
    suppressed = any(n is not None and n < threshold for n in counts)
    if suppressed:
        progress = dict(progress, chart=None)
    return {
        "target": target,
        "describe": selectors.target_describe(target),
        "progress": progress,
        "suppressed": suppressed,
    }


def _questions(fig: dict[str, Any], targets: list[dict[str, Any]], drivers: dict) -> list[str]:
    """Three things for a committee to ask about, from the pack's own figures."""
    out: list[str] = []
    if not fig["fieldwork"]["complete"]:
        out.append(
            f"{fig['quarter_label']}: {fig['fieldwork']['note']}. When will the quarter's "
            "figures be complete, and what do the complete months show?"
        )
    for b in fig.get("gaps_called_out") or []:
        spread = b["spread"]
        out.append(
            f'By {b["title"].lower()}: "{spread["lower"]}" were less satisfied than '
            f'"{spread["higher"]}" (a significant gap of '
            f"{abs(spread['comparison']['difference']) * 100:.1f} points). What is being done about it?"
        )
    for row in targets:
        if row["progress"]["status"] in ("off_track", "at_risk", "not_yet_known"):
            out.append(
                f'Target "{row["describe"]}" is {row["progress"]["status_label"].lower()}. '
                "What would change that?"
            )
    low = sorted(
        (r for r in fig.get("compliance") or [] if r.get("share") is not None),
        key=lambda r: r["share"],
    )
    if low:
        out.append(
            f'Victims\' Code: "{low[0]["title"]}" was met on time in {low[0]["share"] * 100:.1f}% '
            "of cases, the lowest of the obligations. Why?"
        )
    if drivers.get("rows"):
        top = drivers["rows"][0]
        out.append(
            f'"{top["label"]}" is the stage most associated with whole-experience '
            "satisfaction where the force trails its peers. What could be tried, and measured?"
        )
    stages = [s for s in fig["stages"][:-1] if (s["quarter"] or {}).get("estimate") is not None]
    if stages:
        lowest = min(stages, key=lambda s: s["quarter"]["estimate"])
        out.append(
            f'"{lowest["label"]}" had the lowest satisfaction of the stages '
            f"({lowest['quarter']['estimate'] * 100:.1f}%). What lies behind it?"
        )
    out.append(
        "Which groups are too small to publish here, and how are their victims' views heard?"
    )
    out.append("How do victims' own accounts compare with the recorded Victims' Code figures?")
    return out[:3]


def report_pack_context(
    *, force: Force, quarter: Quarter, threshold: int | None = None
) -> dict[str, Any]:
    threshold = suppression_threshold(threshold)
    fig = _suppressed(figure_services.dashboard_compute(force=force, quarter=quarter), threshold)
    peers = figure_services.league_compute(force=force, quarter=quarter, scope="peers")
    drivers = selectors.drivers_with_training(
        figure_services.drivers_compute(force=force, quarter=quarter), force_id=force.pk
    )
    targets = [
        _target_row(target=t, quarter=quarter, threshold=threshold)
        for t in selectors.targets_for_force(force=force)
    ]
    mine = next((r for r in peers["rows"] if r.get("highlight")), None)
    return {
        "force": force,
        "quarter": quarter,
        "fig": fig,
        "peers": peers,
        "peer_row": mine,
        "drivers": drivers,
        "targets": targets,
        "questions": _questions(fig, targets, drivers),
        # The domestic abuse victims' survey: its own section, never in the headline.
        "da": figure_services.da_survey_compute(force=force, quarter=quarter, threshold=threshold),
        "synthetic": demo_world_get() is not None,
        "synthetic_notice": SYNTHETIC_NOTICE,
        "generated": timezone.localtime(),
    }


def report_pack_html(*, force: Force, quarter: Quarter) -> str:
    return render_to_string(
        "oversight/report_pack.html", report_pack_context(force=force, quarter=quarter)
    )


def report_pack_pdf(*, force: Force, quarter: Quarter) -> bytes:
    """The report pack as PDF bytes."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    html = report_pack_html(force=force, quarter=quarter)
    # A tagged, accessible PDF (PDF/UA-1): structure tags, the document's title and
    # language (from the HTML's <title> and lang).
    return HTML(string=html, base_url=".").write_pdf(pdf_variant="pdf/ua-1")
