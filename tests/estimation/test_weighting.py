"""Calibration with bounds and calfun (R's ``calibrate``), ``trimWeights``, covariance of
domain estimates (R's ``svyby(..., covmat=TRUE)``) and design effects with and without
replacement (``deff=TRUE`` / ``deff="replace"``).

Reference numbers: ``rref/weighting_results.py``, each beside its R call
(``rref/weighting.R``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from victimcare.estimation import DesignError
from victimcare.estimation.cli import main

from .conftest import DATA, design
from .rref.weighting_results import R

REL = 1e-6
MARGINS = {
    "population_size": 6194,
    "categorical": {"stype": {"E": 4421, "H": 755, "M": 1018}},
    "numeric": {"api99": 3914069},
}


def out(d) -> list[float]:
    """What weighting.R's out() prints: mean and total with SEs, means by stype, the
    weights' range."""
    m, t = d.mean("api00"), d.total("enroll")
    b = d.mean("api00", by="stype")
    return [
        m.estimate,
        m.se,
        t.estimate,
        t.se,
        *[r.estimate for r in b],
        *[r.se for r in b],
        float(d.weights.min()),
        float(d.weights.max()),
    ]


@pytest.mark.parametrize(
    ("name", "calfun", "bounds"),
    [
        ("linear_bounded", "linear", (0.6, 1.6)),
        ("raking", "raking", (-math.inf, math.inf)),
        ("logit", "logit", (0.5, 2.5)),
    ],
)
def test_calibration_functions_and_bounds_agree_with_r_calibrate(name, calfun, bounds):
    d = design("dclus1").calibrate(**MARGINS, calfun=calfun, bounds=bounds)
    assert out(d) == pytest.approx(R[name], rel=REL)
    g = d.weights / design("dclus1").weights
    assert g.min() >= bounds[0] - 1e-9
    assert g.max() <= bounds[1] + 1e-9


def test_logit_calibration_of_a_two_stage_design_agrees_with_r():
    d = design("dclus2").calibrate(**MARGINS, calfun="logit", bounds=(0.3, 3))
    m = d.mean("api00")
    assert [m.estimate, m.se] == pytest.approx(R["logit_dclus2"], rel=REL)


def test_bounds_the_totals_cannot_meet_are_refused_as_r_does():
    assert math.isnan(R["raking_bounded_fails"][0])  # R: "Calibration failed"
    with pytest.raises(DesignError, match="did not converge in 50 iterations"):
        design("dclus1").calibrate(**MARGINS, calfun="raking", bounds=(0.7, 1.5))


@pytest.mark.parametrize(
    ("calfun", "bounds", "message"),
    [
        ("logit", (-math.inf, math.inf), "finite bounds"),
        ("linear", (1.2, 2.0), "must hold 1"),
        ("cubic", (0.5, 2.0), "calfun must be one of"),
    ],
)
def test_bad_calibration_options_are_one_line_errors(calfun, bounds, message):
    with pytest.raises(DesignError, match=message):
        design("dclus1").calibrate(**MARGINS, calfun=calfun, bounds=bounds)


@pytest.mark.parametrize(
    ("name", "kw"),
    [("trim", {"upper": 40}), ("trim_strict", {"upper": 40, "lower": 20, "strict": True})],
)
def test_trim_weights_agrees_with_r_trimweights(name, kw):
    d = design("dstrat").trim_weights(**kw)
    assert out(d) == pytest.approx(R[name], rel=REL)
    assert d.weights.sum() == pytest.approx(design("dstrat").weights.sum())


@pytest.mark.parametrize(
    ("name", "data", "stat", "y", "x"),
    [
        ("vcov_mean_dclus1", "dclus1", "mean", "api00", None),
        ("vcov_total_dstrat", "dstrat", "total", "enroll", None),
        ("vcov_ratio_dclus1", "dclus1", "ratio", "api.stu", "enroll"),
        ("vcov_mean_dclus2", "dclus2", "mean", "api00", None),
    ],
)
def test_domain_covariance_agrees_with_r_svyby_covmat(name, data, stat, y, x):
    cov = design(data).vcov(stat, y, "stype", x=x)
    assert [d[0] for d in cov.domains] == ["E", "H", "M"]
    assert list(np.ravel(cov.matrix)) == pytest.approx(R[name], rel=REL, abs=1e-12)
    est = design(data).estimates(stat, y, x=x, by="stype")
    assert np.sqrt(np.diag(cov.matrix)) == pytest.approx([e.se for e in est], rel=1e-9)


def test_design_effects_with_and_without_replacement_agree_with_r():
    d = design("dstrat")
    got = [d.mean("api00").deff, d.mean("api00", deff="replace").deff]
    assert got == pytest.approx(R["deff_mean_dstrat"], rel=REL)
    c = design("dclus1")
    got = [c.total("enroll").deff, c.total("enroll", deff="replace").deff]
    assert got == pytest.approx(R["deff_total_dclus1"], rel=REL)
    got = [e.deff for e in c.mean("api00", by="stype")] + [
        e.deff for e in c.mean("api00", by="stype", deff="replace")
    ]
    assert got == pytest.approx(R["deff_by_dclus1"], rel=REL)
    got = [d.ratio("api.stu", "enroll").deff, d.ratio("api.stu", "enroll", deff="replace").deff]
    assert got == pytest.approx(R["deff_ratio_dstrat"], rel=REL)


CLUS1 = [str(DATA / "apiclus1.csv"), "--psu", "dnum", "--weight", "pw", "--fpc", "fpc"]


def test_cli_covariance_and_deff_replace(capsys):
    code = main(
        [
            *CLUS1,
            "--y",
            "api00",
            "--stat",
            "mean",
            "--by",
            "stype",
            "--covariance",
            "--deff-replace",
            "--format",
            "json",
        ]
    )
    body = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [d["stype"] for d in body["covariance"]["domains"]] == ["E", "H", "M"]
    flat = [v for row in body["covariance"]["matrix"] for v in row]
    assert flat == pytest.approx(R["vcov_mean_dclus1"], rel=REL)
    assert [e["deff"] for e in body["estimates"]] == pytest.approx(R["deff_by_dclus1"][3:], rel=REL)
    assert main([*CLUS1, "--y", "api00", "--stat", "mean", "--by", "stype", "--covariance"]) == 0
    table = capsys.readouterr().out
    assert "covariance" in table.splitlines()[-4]


def test_cli_covariance_without_by_is_one_line_exit_2(capsys):
    assert main([*CLUS1, "--y", "api00", "--stat", "mean", "--covariance"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("--covariance needs --by (the domains)")
    assert "\n" not in err
