"""The drivers model is R's svyglm(family = quasibinomial()) through the estimation
library's ``Design.glm``: on a small fixed synthetic survey (``rref/drivers_survey.csv``)
the coefficients, design-based SEs, t, p, intervals, df and the stages' average marginal
effects equal R's, frozen in ``rref/drivers_results.py`` beside the R script that wrote
them (``rref/drivers.R``), and run live against R when Rscript is there."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from victimcare.estimation import ModelDataError, NotEnoughDataError
from victimcare.oversight.drivers import drivers_fit

from .rref.drivers_results import R_DRIVERS

RREF = Path(__file__).parent / "rref"
STAGES = ("sat_ease_of_contact", "sat_actions_taken", "sat_kept_informed", "sat_treatment")
OUTCOME = "sat_whole_experience"
REL = 1e-9


def survey() -> dict[str, np.ndarray]:
    """The synthetic survey as the oversight frame holds it: text strata, float answers
    with NaN for a missing answer."""
    with (RREF / "drivers_survey.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    cols: dict[str, np.ndarray] = {"stratum": np.array([r["stratum"] for r in rows])}
    for name in ("w", "N", *STAGES, OUTCOME):
        cols[name] = np.array([np.nan if r[name] == "NA" else float(r[name]) for r in rows])
    return cols


def fit(data=None):
    return drivers_fit(
        survey() if data is None else data,
        OUTCOME,
        STAGES,
        weight="w",
        strata="stratum",
        fpc="N",
        lonely_psu="certainty",
    )


def test_drivers_fit_equals_frozen_svyglm_quasibinomial():
    model = fit()
    regression = model.regression
    assert [c.estimate for c in regression.coefficients] == pytest.approx(
        R_DRIVERS["estimate"], rel=REL
    )
    for key in ("se", "t", "p", "ci_low", "ci_high"):
        assert [getattr(c, key) for c in regression.coefficients] == pytest.approx(
            R_DRIVERS[key], rel=REL
        ), key
    assert model.df == R_DRIVERS["df"]
    assert model.n == R_DRIVERS["n"]


def test_stage_effects_are_rs_discrete_change_with_delta_method_se():
    model = fit()
    assert [s.stage for s in model.stages] == list(STAGES)
    assert [s.effect.estimate for s in model.stages] == pytest.approx(R_DRIVERS["ame"], rel=REL)
    assert [s.effect.se for s in model.stages] == pytest.approx(R_DRIVERS["ame_se"], rel=REL)
    # the stage's coefficient is R's "<stage>1" (the log odds ratio of 1 against 0)
    assert [s.coefficient.estimate for s in model.stages] == pytest.approx(
        R_DRIVERS["estimate"][1:], rel=REL
    )
    assert model.stage(STAGES[0]).odds_ratio == pytest.approx(np.exp(R_DRIVERS["estimate"][1]))


def test_a_stage_with_a_single_answer_is_not_enough_data():
    data = survey()
    data["sat_treatment"] = np.where(np.isnan(data["sat_treatment"]), np.nan, 1.0)
    with pytest.raises(ModelDataError, match="sat_treatment") as caught:
        fit(data)
    assert isinstance(caught.value, NotEnoughDataError)


def test_no_responses_is_not_enough_data():
    empty = {k: v[:0] for k, v in survey().items()}
    with pytest.raises(NotEnoughDataError):
        fit(empty)


@pytest.mark.rlive
def test_drivers_fit_matches_svyglm_run_live(tmp_path):
    if shutil.which("Rscript") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Rscript is missing")
        pytest.skip("Rscript is missing (apt-get install r-cran-survey)")
    out = subprocess.run(
        ["Rscript", str(RREF / "drivers.R")],
        cwd=RREF,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    live: dict = {}
    exec(compile(out, "drivers_results.py", "exec"), live)  # noqa: S102 - R's own output
    model = fit()
    assert [c.estimate for c in model.regression.coefficients] == pytest.approx(
        live["R_DRIVERS"]["estimate"], rel=REL
    )
    assert [c.se for c in model.regression.coefficients] == pytest.approx(
        live["R_DRIVERS"]["se"], rel=REL
    )
    assert [s.effect.se for s in model.stages] == pytest.approx(
        live["R_DRIVERS"]["ame_se"], rel=REL
    )


@pytest.mark.django_db
def test_a_one_month_drivers_window_is_labelled_as_one_month(client):
    """The drivers page names exactly which months of reports it covers, as the league
    table does: twelve months with only September's reports say one month (page, chart)."""
    from django.urls import reverse

    from tests.factories import staff_make
    from tests.oversight.factories import QUARTER, responses_make
    from victimcare.accounts.constants import Role
    from victimcare.oversight import figure_services

    mps = responses_make(per_month=40, months=1, seed=5)[0]
    table = figure_services.drivers_compute(force=mps, quarter=QUARTER, use_cache=False)
    assert table["period_label"] == "reports of Sep 2026 only (one month of reports)"
    assert "12 months" not in table["chart"]
    assert "reports of Sep 2026 only (one month of reports)" in table["chart"]
    client.force_login(staff_make(Role.OVERSIGHT, force=mps))
    page = client.get(reverse("oversight:drivers", kwargs={"code": "MPS"}), {"quarter": "2026Q3"})
    html = page.content.decode()
    assert "reports of Sep 2026 only (one month of reports)" in html
    assert "12 months to" not in html


@pytest.mark.django_db
def test_a_partial_drivers_window_says_how_many_of_its_months_have_responses():
    from tests.oversight.factories import QUARTER, responses_make
    from victimcare.oversight import figure_services

    mps = responses_make(per_month=30, months=3, seed=5)[0]
    table = figure_services.drivers_compute(force=mps, quarter=QUARTER, use_cache=False)
    assert table["period_label"] == (
        "reports of Jul 2026 to Sep 2026 (3 of 12 months have responses)"
    )
