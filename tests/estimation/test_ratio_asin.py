"""The arcsine and profile-likelihood proportion intervals (R's ``svyciprop``) and ratios on the
command line (``--stat ratio --y NUM --x DEN``, R's ``svyratio``).

Reference numbers: ``rref/ratio_asin_results.py``, each beside its R call
(``rref/ratio_asin.R``).
"""

from __future__ import annotations

import json
import math

import pytest

from victimcare.estimation.cli import main

from .conftest import DATA, design
from .rref.ratio_asin_results import R

REL = 1e-6


@pytest.mark.parametrize(
    ("name", "data", "y", "kw"),
    [
        ("asin_dstrat_yes", "dstrat", "yes", {}),
        ("asin_dclus2_yes", "dclus2", "yes", {}),
        ("asin_dclus1_ell0_level90", "dclus1", "ell0", {"level": 0.9}),
    ],
)
def test_asin_interval_agrees_with_r(name, data, y, kw):
    e = design(data).proportion(y, ci="asin", **kw)
    assert [e.estimate, e.se, e.ci_low, e.ci_high] == pytest.approx(R[name], rel=REL)


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("asin_dclus1_ell0", {}),
        ("asin_dclus1_ell0_df_inf", {"df": "inf"}),
    ],
)
def test_asin_lower_limit_is_zero_where_the_angle_is_negative(name, kw):
    """R squares the sine of a negative angle (a small positive artefact); the limit of
    an interval for a proportion whose angle falls below 0 is 0."""
    e = design("dclus1").proportion("ell0", ci="asin", **kw)
    est, se, r_lo, r_hi = R[name]
    assert [e.estimate, e.se, e.ci_high] == pytest.approx([est, se, r_hi], rel=REL)
    theta = math.asin(math.sqrt(est))
    assert r_lo == pytest.approx(math.sin(2 * theta - math.asin(math.sqrt(r_hi))) ** 2, rel=1e-6)
    assert e.ci_low == 0.0


def test_asin_by_domain_agrees_with_r():
    est = design("dclus1").proportion("yes", by="stype", ci="asin")
    got = [r.estimate for r in est] + [r.ci_low for r in est] + [r.ci_high for r in est]
    assert got == pytest.approx(R["asin_by_dclus1"], rel=REL)


STRAT = [str(DATA / "apistrat.csv"), "--strata", "stype", "--weight", "pw", "--fpc", "fpc"]
CLUS1 = [str(DATA / "apiclus1.csv"), "--psu", "dnum", "--weight", "pw", "--fpc", "fpc"]


@pytest.mark.parametrize(("args", "name"), [(STRAT, "ratio_dstrat"), (CLUS1, "ratio_dclus1")])
def test_cli_ratio_agrees_with_r_svyratio(capsys, args, name):
    argv = [*args, "--stat", "ratio", "--y", "api.stu", "--x", "enroll", "--format", "json"]
    assert main(argv) == 0
    (row,) = json.loads(capsys.readouterr().out)["estimates"]
    got = [row["estimate"], row["se"], row["ci_low"], row["ci_high"]]
    assert got == pytest.approx(R[name], rel=REL)


def test_cli_ratio_by_domain_agrees_with_r(capsys):
    argv = [*CLUS1, "--stat", "ratio", "--y", "api.stu", "--x", "enroll", "--by", "stype"]
    assert main([*argv, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["estimates"]
    got = [r["estimate"] for r in rows] + [r["se"] for r in rows]
    assert got == pytest.approx(R["ratio_by_dclus1"], rel=REL)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--stat", "ratio", "--y", "api.stu"], "--stat ratio needs --x"),
        (["--stat", "mean", "--y", "api.stu", "--x", "enroll"], "--x applies to --stat ratio"),
    ],
)
def test_cli_ratio_needs_x_and_only_ratio_takes_x(capsys, extra, message):
    assert main([*STRAT, *extra]) == 2
    assert message in capsys.readouterr().err


def test_cli_asin_interval_agrees_with_r(capsys, tmp_path):
    lines = (DATA / "apistrat.csv").read_text().splitlines()
    col = lines[0].split(",").index('"sch.wide"')
    rows = [lines[0] + ',"met"'] + [
        r + "," + ("1" if r.split(",")[col] == '"Yes"' else "0") for r in lines[1:]
    ]
    path = tmp_path / "apistrat.csv"
    path.write_text("\n".join(rows) + "\n")
    argv = [str(path), *STRAT[1:], "--stat", "proportion", "--y", "met", "--ci", "asin"]
    assert main([*argv, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["estimates"]
    got = [row["estimate"], row["se"], row["ci_low"], row["ci_high"]]
    assert got == pytest.approx(R["asin_dstrat_yes"], rel=REL)


@pytest.mark.parametrize(
    ("name", "data", "y", "kw"),
    [
        ("likelihood_dclus1_ell0", "dclus1", "ell0", {}),
        ("likelihood_dstrat_yes", "dstrat", "yes", {}),
        ("likelihood_dclus2_yes_level90", "dclus2", "yes", {"level": 0.9}),
    ],
)
def test_likelihood_interval_agrees_with_r(name, data, y, kw):
    """R's profile-likelihood interval (svyciprop method="likelihood"), grid and spline
    included (see profile.py)."""
    e = design(data).proportion(y, ci="likelihood", **kw)
    assert [e.estimate, e.se, e.ci_low, e.ci_high] == pytest.approx(R[name], rel=REL)


def test_likelihood_interval_by_domain_agrees_with_r():
    est = design("dclus1").proportion("yes", by="stype", ci="likelihood")
    got = [r.estimate for r in est] + [r.ci_low for r in est] + [r.ci_high for r in est]
    assert got == pytest.approx(R["likelihood_by_dclus1"], rel=REL)


def test_likelihood_interval_needs_the_data_in_memory():
    import sqlite3

    from victimcare.estimation import Design, DesignError

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (y REAL, w REAL)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i % 2, 1.0 + i) for i in range(8)])
    with pytest.raises(DesignError, match="needs the data in memory"):
        Design.from_sql(con, "t", weight="w").proportion("y", ci="likelihood")
