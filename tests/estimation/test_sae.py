"""Fay-Herriot small-area estimates (``sae.fay_herriot``, ``victimcare sae``).

REML and FH are checked against samplics 0.6.1's ``EblupAreaModel`` (frozen in
``rref/samplics_expected.json`` by ``make_samplics_expected.py``; samplics is not needed
here) on the synthetic ``data/boroughs.csv``. samplics' ML stops after two Fisher steps
(its variance estimate is updated in place, so the change it measures is 0): its
sigma2_u is not a root of the ML score equation. So ML is checked against the textbook:
our sigma2_u zeroes the ML score and maximises the profile likelihood, at samplics'
sigma2_u our EBLUP and gamma equal samplics', and our MSE equals ``g1 + g2 + 2 g3 -
b_ML (1 - gamma)^2`` computed here from Rao and Molina (2015), section 6.2.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from victimcare.estimation import DesignError
from victimcare.estimation.io import read_table
from victimcare.estimation.sae import fay_herriot
from victimcare.estimation.sae_cli import main

from .conftest import DATA

EXPECTED = json.loads((DATA.parent / "rref" / "samplics_expected.json").read_text())
COVS = "burglary_share,violence_share"
REL = 1e-6


def boroughs() -> dict:
    return read_table(DATA / "boroughs.csv")


def fit(method: str, **kw):
    return fay_herriot(
        boroughs(), area="borough", direct="p", variance="var", covariates=COVS, method=method, **kw
    )


@pytest.mark.parametrize("method", ["reml", "fh"])
def test_reml_and_fh_agree_with_samplics(method):
    want = EXPECTED["methods"][method]
    got = fit(method)
    assert got.sigma2_u == pytest.approx(want["sigma2_u"], rel=REL)
    assert [b for _, b in got.beta] == pytest.approx(want["beta"], rel=REL)
    for a in got.areas:
        ref = want["areas"][a.area]
        assert [a.eblup, a.mse, a.gamma] == pytest.approx(
            [ref["eblup"], ref["mse"], ref["gamma"]], rel=REL
        ), a.area


def _profile(a: float, y, x, psi) -> tuple[float, float]:
    """ML profile log-likelihood and score at sigma2_u = a."""
    v = a + psi
    xtv = x.T / v
    beta = np.linalg.solve(xtv @ x, xtv @ y)
    r = y - x @ beta
    loglik = -0.5 * float(np.sum(np.log(v)) + np.sum(r * r / v))
    score = -0.5 * float(np.sum(1 / v)) + 0.5 * float(np.sum(r * r / (v * v)))
    return loglik, score


def test_ml_sigma2_u_is_the_maximum_likelihood_estimate():
    t = boroughs()
    y, psi = t["p"], t["var"]
    x = np.column_stack([np.ones(len(y)), t["burglary_share"], t["violence_share"]])
    got = fit("ml").sigma2_u
    loglik, score = _profile(got, y, x, psi)
    assert abs(score) < 1e-6 * float(np.sum(1 / (got + psi)))
    for other in np.linspace(0.2 * got, 3 * got, 57):
        assert _profile(float(other), y, x, psi)[0] <= loglik + 1e-12
    # samplics' ML value is not a stationary point (see the module docstring)
    assert abs(_profile(EXPECTED["methods"]["ml"]["sigma2_u"], y, x, psi)[1]) > 1


def test_ml_eblup_and_mse_follow_the_textbook():
    want = EXPECTED["methods"]["ml"]
    fixed = fit("ml", sigma2_u=want["sigma2_u"])
    for a in fixed.areas:
        ref = want["areas"][a.area]
        assert [a.eblup, a.gamma] == pytest.approx([ref["eblup"], ref["gamma"]], rel=REL)
    t = boroughs()
    res = fit("ml")
    a_hat, psi = res.sigma2_u, t["var"]
    x = np.column_stack([np.ones(len(psi)), t["burglary_share"], t["violence_share"]])
    v = a_hat + psi
    inv = np.linalg.inv((x.T / v) @ x)
    gamma = a_hat / v
    g1 = gamma * psi
    g2 = (1 - gamma) ** 2 * np.array([xi @ inv @ xi for xi in x])
    g3 = psi**2 / v**3 * 2 / np.sum(v**-2)
    b_ml = -np.trace(inv @ ((x.T / v**2) @ x)) / np.sum(v**-2)
    mse = g1 + g2 + 2 * g3 - b_ml * (1 - gamma) ** 2
    assert [a.mse for a in res.areas] == pytest.approx(list(mse), rel=1e-9)


def test_thin_areas_lean_on_the_model_and_gain_precision():
    res = fit("reml")
    t = boroughs()
    n = dict(zip(t["borough"], t["n"], strict=True))
    for a in res.areas:
        assert 0 < a.gamma < 1
        assert a.mse < a.variance  # the EBLUP's MSE is below the direct variance
        assert min(a.direct, a.synthetic) - 1e-12 <= a.eblup <= max(a.direct, a.synthetic) + 1e-12
    thin = min(res.areas, key=lambda a: n[a.area])
    thick = max(res.areas, key=lambda a: n[a.area])
    assert thin.gamma < thick.gamma


def write(tmp_path, rows: list[str]) -> str:
    path = tmp_path / "areas.csv"
    path.write_text("\n".join(["area,p,var,x", *rows]) + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["a,0.5,0.01,1", "b,0.6,0,2", "c,0.7,0.02,3", "d,0.4,0.01,2"],
            "must be positive; area 'b'",
        ),
        (["a,0.5,0.01,1", "b,0.6,-0.1,2", "c,0.7,0.02,3", "d,0.4,0.01,2"], "must be positive"),
        (["a,0.5,0.01,1", "b,0.6,NA,2", "c,0.7,0.02,3", "d,0.4,0.01,2"], "missing values"),
        (["a,0.5,0.01,1", "a,0.6,0.01,2", "c,0.7,0.02,3", "d,0.4,0.01,2"], "repeats an area"),
        (["a,0.5,0.01,1", "b,0.6,0.01,2"], "needs at least 3"),
    ],
)
def test_bad_areas_are_one_line_and_exit_2(tmp_path, capsys, rows, message):
    code = main(
        [
            write(tmp_path, rows),
            "--area",
            "area",
            "--direct",
            "p",
            "--var",
            "var",
            "--covariates",
            "x",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err
    assert message in err


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_cli_prints_every_area_with_eblup_mse_direct_gamma_and_sigma2_u(capsys, fmt):
    args = [
        str(DATA / "boroughs.csv"),
        "--area",
        "borough",
        "--direct",
        "p",
        "--var",
        "var",
        "--covariates",
        COVS,
        "--method",
        "reml",
        "--format",
        fmt,
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    want = EXPECTED["methods"]["reml"]
    if fmt == "json":
        body = json.loads(out)
        assert body["sigma2_u"] == pytest.approx(want["sigma2_u"], rel=REL)
        first = body["areas"][0]
        assert set(first) >= {"area", "eblup", "mse", "direct", "gamma"}
        assert first["eblup"] == pytest.approx(want["areas"][first["area"]]["eblup"], rel=REL)
    elif fmt == "csv":
        lines = out.strip().splitlines()
        assert lines[0] == "area,direct,variance,eblup,mse,gamma,synthetic,sigma2_u"
        assert len(lines) == 33
    else:
        assert out.startswith("method reml, sigma2_u ")
        assert "Borough 32" in out


def test_victimcare_sae_is_forwarded_by_the_top_level_command(capsys):
    from victimcare.cli import main as top

    args = [
        "sae",
        str(DATA / "boroughs.csv"),
        "--area",
        "borough",
        "--direct",
        "p",
        "--var",
        "var",
        "--format",
        "json",
    ]
    assert top(args) == 0
    assert math.isfinite(json.loads(capsys.readouterr().out)["sigma2_u"])


def test_a_negative_fixed_sigma2_u_is_refused():
    with pytest.raises(DesignError, match="sigma2_u"):
        fit("reml", sigma2_u=-1.0)
