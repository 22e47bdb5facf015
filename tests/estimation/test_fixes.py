"""Disagreements with R fixed: numeric df, the normal in comparisons, "" as a domain,
chisq's zero rows, zero weights, and domains without a (proper) interval.

R's answers are in ``rref/fixes_results.py``, each beside the R call that made it
(``rref/fixes.R`` wrote that file and ``data/edges.csv``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from victimcare.estimation import Design, DesignError
from victimcare.estimation.cli import main
from victimcare.estimation.io import read_table

from .conftest import DATA, design
from .rref.fixes_results import R

REL = 1e-6
EDGES = str(DATA / "edges.csv")
EDGE_DESIGN = ["--strata", "stype", "--weight", "pw", "--fpc", "fpc"]


def edges(weight: str = "pw") -> Design:
    return Design(read_table(EDGES), strata="stype", weight=weight, fpc="fpc")


@pytest.mark.parametrize(
    ("df", "key"),
    [(3, "mean_df_3"), (10, "mean_df_10"), (1e6, "mean_df_1e+06"), ("inf", "mean_df_Inf")],
)
def test_numeric_df_sets_the_t_distribution_of_the_interval(df, key):
    e = design("dstrat").mean("api00", df=df)
    assert (e.ci_low, e.ci_high) == pytest.approx(R[key], rel=REL)
    assert e.df == 197  # the design df is still reported


def test_numeric_df_on_proportions():
    e = design("dclus1").proportion("ell0", ci="logit", df=10)
    assert (e.ci_low, e.ci_high) == pytest.approx(R["prop_logit_df10"], rel=REL)
    e = design("dclus1").proportion("ell0", ci="xlogit", df=3)
    assert (e.ci_low, e.ci_high) == pytest.approx(R["prop_xlogit_df3"], rel=REL)
    e = design("dclus1").proportion("ell0", ci="wald", df=math.inf)
    assert (e.ci_low, e.ci_high) == pytest.approx(R["prop_mean_dfinf"], rel=REL)


def test_numeric_df_on_the_command_line(capsys):
    args = [str(DATA / "apistrat.csv"), "--y", "api00", "--stat", "mean", *EDGE_DESIGN]
    assert main([*args, "--df", "3", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)["estimates"][0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(R["mean_df_3"], rel=REL)


@pytest.mark.parametrize("df", ["normal", "inf"])
def test_compare_with_the_normal_uses_the_normal(df):
    c = design("dclus1").compare("api00", "stype", "E", "H", stat="mean", df=df)
    est, se, lo, hi, p = R["contrast"]
    assert (c.difference, c.se) == pytest.approx((est, se), rel=REL)
    assert (c.ci_low, c.ci_high, c.p_value) == pytest.approx((lo, hi, p), rel=REL)


def test_compare_with_a_numeric_df():
    c = design("dclus1").compare("api00", "stype", "E", "H", stat="mean", df=5)
    assert (c.ci_low, c.ci_high, c.p_value) == pytest.approx(R["contrast_t5"], rel=REL)


@pytest.mark.parametrize("df", [0, -1, "zero", float("nan")])
def test_a_bad_df_is_refused(df):
    with pytest.raises(DesignError, match="df must be"):
        design("dstrat").mean("api00", df=df)


def test_an_empty_string_in_a_by_column_is_a_domain_as_in_r(capsys):
    assert (
        main(
            [
                EDGES,
                "--y",
                "api00",
                "--stat",
                "mean",
                "--by",
                "grp",
                *EDGE_DESIGN,
                "--format",
                "json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)["estimates"]
    assert [r["by"]["grp"] for r in rows] == R["empty_domain_labels"]
    k = len(rows)
    assert [r["estimate"] for r in rows] == pytest.approx(R["empty_domain"][:k], rel=REL)
    assert [r["se"] for r in rows] == pytest.approx(R["empty_domain"][k:], rel=REL)


def test_an_empty_cell_in_a_numeric_column_is_missing(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('y,g\n1.5,""\n,a\nNA,b\n2,\n')
    cols = read_table(path)
    y = np.ma.filled(np.ma.asarray(cols["y"], dtype=float), np.nan)
    assert [math.isnan(v) for v in y] == [False, True, True, False]
    assert list(cols["g"]) == ["", "a", "b", ""]


@pytest.mark.parametrize(("statistic", "key"), [("F", "chisq_F"), ("Chisq", "chisq_Chisq")])
def test_chisq_keeps_a_level_seen_only_where_the_other_column_is_missing(statistic, key):
    x = edges().chisq("r", "c", statistic=statistic)
    assert "Z" in x.rows
    got = (
        [x.statistic, x.ndf, x.p_value]
        if statistic == "Chisq"
        else [x.statistic, x.ndf, x.ddf, x.p_value]
    )
    assert got == pytest.approx(R[key], rel=REL)


def test_zero_weights_are_accepted_and_count_in_n_h_not_in_df():
    d = edges("w0")
    m = d.mean("api00")
    assert [m.estimate, m.se, d.degf()] == pytest.approx(R["zero_weight_mean"], rel=REL)
    assert m.df == R["zero_weight_mean"][2]
    t = d.total("api00")
    assert [t.estimate, t.se] == pytest.approx(R["zero_weight_total"], rel=REL)
    b = d.mean("api00", by="grp")
    assert [r.estimate for r in b] + [r.se for r in b] == pytest.approx(
        R["zero_weight_by"], rel=REL
    )
    assert any("weight 0" in n for n in b.notes)


def test_negative_weights_are_still_refused():
    data = {"y": [1.0, 2, 3], "w": [1.0, -1, 2]}
    with pytest.raises(DesignError, match="zero or positive"):
        Design(data, weight="w")


def test_an_all_missing_domain_has_no_estimate_se_or_interval_and_a_note(capsys):
    """R reports 0 (SE 0) for such a domain: a mean of nothing is not 0."""
    assert R["allna_domain"][0] == 0
    assert R["allna_domain"][2] == 0
    argv = [EDGES, "--y", "yna", "--stat", "mean", "--by", "dom", *EDGE_DESIGN, "--format", "csv"]
    assert main(argv) == 0
    out = capsys.readouterr()
    allna = out.out.splitlines()[1]
    assert allna.startswith("allna,0,,,,,")
    assert allna.split(",")[3] == ""  # the SE: empty, not 0.0
    assert "allna: no rows with a value of yna" in out.err
    some = edges().mean("yna", by="dom").get("some")
    assert (some.estimate, some.se) == pytest.approx(
        (R["allna_domain"][1], R["allna_domain"][3]), rel=REL
    )


def one_row_domain_design() -> Design:
    cols = read_table(DATA / "apistrat.csv")
    cols["one"] = ["single" if i == 0 else "rest" for i in range(len(cols["api00"]))]
    return Design(cols, strata="stype", weight="pw", fpc="fpc")


@pytest.mark.parametrize("df", ["inf", "design", 10])
def test_a_zero_se_domain_shows_no_zero_width_interval_and_says_why(df):
    est = one_row_domain_design().mean("api00", by="one", df=df)
    single = est.get("single")
    assert single.se == 0.0
    assert math.isnan(single.ci_low)
    assert math.isnan(single.ci_high)
    assert "the SE is 0" in single.note
    assert any(n.startswith("one=single: the SE is 0") for n in est.notes)
    assert not est.get("rest").note


def test_a_df_zero_domain_has_a_null_interval_and_a_note():
    # a domain within one PSU of a cluster design: design df 0
    d = design("dclus1")
    cols = dict(d._backend.cols._arrays)
    first = cols["dnum"][0]
    cols["inone"] = ["yes" if v == first else "no" for v in cols["dnum"]]
    est = Design(cols, psu="dnum", weight="pw", fpc="fpc").mean("api00", by="inone")
    yes = est.get("yes")
    assert yes.df == 0
    assert math.isnan(yes.ci_low)
    assert "0 degrees of freedom" in yes.note
    assert any("inone=yes" in n for n in est.notes)
