"""The figures oversight shows, computed by the estimation library from a frame of
weighted responses (a dict of numpy columns, as ``selectors.responses_frame`` gives).

Every satisfaction figure is an ``Estimate`` or ``Comparison`` of the estimation library
on the design of the frame: strata (a month's sample stratum), design weights ``w`` and
stratum populations ``N`` for the finite population correction; each respondent is their
own PSU. Areas and groups are domains of the force's design, never subsets; a period is
a set of whole months (whole strata). Results are plain dicts, so that they can be
cached as JSON and rendered by pages, the report pack and the API alike.

One module per job: ``common`` (the frame, the stages, estimates as dicts), ``dashboard``,
``league_table``, ``driver_analysis`` and ``series``; their public names are importable
from ``victimcare.oversight.figures`` as before.

No Django here.
"""

from victimcare.oversight.figures.common import (
    BREAKDOWNS,
    CARE_MARKERS,
    DRIVER_STAGES,
    MIN_DOMAIN_N,
    STAGE_LABELS,
    STAGES,
    WHOLE,
    Frame,
    _point,  # the points of charts, for figure_services' target charts
    _safe,  # estimates that may have too little data, for the tests of its rule
    comparison_dict,
    estimate_dict,
    sat,
)
from victimcare.oversight.figures.dashboard import (
    dashboard_charts,
    dashboard_figures,
    dashboard_publish,
)
from victimcare.oversight.figures.driver_analysis import drivers_figures
from victimcare.oversight.figures.league_table import league_figures
from victimcare.oversight.figures.series import end_of, quarters_between, series_figures

__all__ = [
    "BREAKDOWNS",
    "CARE_MARKERS",
    "DRIVER_STAGES",
    "MIN_DOMAIN_N",
    "STAGES",
    "STAGE_LABELS",
    "WHOLE",
    "Frame",
    "_point",
    "_safe",
    "comparison_dict",
    "dashboard_charts",
    "dashboard_figures",
    "dashboard_publish",
    "drivers_figures",
    "end_of",
    "estimate_dict",
    "league_figures",
    "quarters_between",
    "sat",
    "series_figures",
]
