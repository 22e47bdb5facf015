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
            r["suppressed"] = r["value"] in marks
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


def report_pack_context(
    *, force: Force, quarter: Quarter, threshold: int | None = None
) -> dict[str, Any]:
    threshold = suppression_threshold(threshold)

    return {
        "force": force,
        "quarter": quarter,
        "fig": _suppressed(
            figure_services.dashboard_compute(force=force, quarter=quarter), threshold
        ),
        "peers": figure_services.league_compute(force=force, quarter=quarter, scope="peers"),
        "drivers": figure_services.drivers_compute(force=force, quarter=quarter),
        "targets": [
            _target_row(target=t, quarter=quarter, threshold=threshold)
            for t in selectors.targets_for_force(force=force)
        ],
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
    return HTML(string=html, base_url=".").write_pdf()
