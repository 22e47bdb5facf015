"""Comparisons between domains and the Rao-Scott chi-square, against R."""

from __future__ import annotations

import pytest

from victimcare.estimation import DesignError

from .conftest import design

REL = 1e-6


def test_domain_difference_includes_covariance_shared_psus():
    # svycontrast(svyby(~api00, ~stype, dclus1, svymean, covmat=TRUE), c(E=1, H=-1, M=0))
    c = design("dclus1").compare("api00", "stype", "E", "H", stat="mean")
    assert c.difference == pytest.approx(30.296627, rel=1e-7)
    assert c.se == pytest.approx(30.02761, rel=1e-6)


def test_domain_difference_stratified():
    c = design("dstrat").compare("api00", "stype", "E", "M", stat="mean")
    assert (c.difference, c.se) == pytest.approx((37.83, 20.4020229128539), rel=REL)


# svyttest(y ~ group, design): t, df, p, CI
TTESTS = [
    (
        "dstrat",
        "api00",
        "sch.wide",
        "Yes",
        "No",
        "mean",
        3.8683819,
        196,
        0.0001490545,
        40.57965491,
        124.98751598,
    ),
    (
        "dclus1",
        "api00",
        "sch.wide",
        "Yes",
        "No",
        "mean",
        2.10898984779292,
        13,
        0.0549088170890467,
        -1.00660613164295,
        83.6446496099038,
    ),
]


@pytest.mark.parametrize(("name", "y", "by", "a", "b", "stat", "t", "df", "p", "lo", "hi"), TTESTS)
def test_two_group_comparison_matches_svyttest(name, y, by, a, b, stat, t, df, p, lo, hi):
    c = design(name).compare(y, by, a, b, stat=stat)
    assert c.t == pytest.approx(t, rel=REL)
    assert c.df == df
    assert c.p_value == pytest.approx(p, rel=1e-5)
    assert (c.ci_low, c.ci_high) == pytest.approx((lo, hi), rel=REL)


def test_verdicts_in_plain_english():
    d = design("dstrat")
    gap = d.compare("yes", "stype", "E", "H", stat="proportion")
    assert gap.verdict.startswith("E is 39.0 points higher than H, 95% CI ")
    assert gap.verdict.endswith(")")
    assert ": significant (p = " in gap.verdict
    change = d.compare("yes", "stype", "H", "M", stat="proportion", kind="change")
    assert change.verdict.startswith("a fall of 18.0 points from M to H, 95% CI ")
    assert "not significant" in change.verdict
    assert change.as_dict()["significant"] is False


def test_compare_needs_known_domains():
    with pytest.raises(DesignError, match="no rows in domain"):
        design("dstrat").compare("api00", "stype", "E", "X", stat="mean")


# svychisq(~sch.wide + stype, design[, statistic]): statistic, ndf, ddf, p
CHISQ = [
    ("dclus1", "F", 5.1933695, 1.4946398, 20.9249569, 0.02174746),
    ("dstrat", "F", 17.2474439638888, 1.82867150416358, 360.248286320226, 2.03504635946512e-07),
]


@pytest.mark.parametrize(("name", "statistic", "value", "ndf", "ddf", "p"), CHISQ)
def test_rao_scott_f(name, statistic, value, ndf, ddf, p):
    r = design(name).chisq("sch.wide", "stype", statistic=statistic)
    assert r.statistic == pytest.approx(value, rel=1e-6)
    assert (r.ndf, r.ddf) == pytest.approx((ndf, ddf), rel=1e-6)
    assert r.p_value == pytest.approx(p, rel=1e-5)


def test_rao_scott_two_stage():
    r = design("dclus2").chisq("stype", "awards")
    assert (r.statistic, r.ndf, r.ddf, r.p_value) == pytest.approx(
        (10.0814991288761, 1.80450366652146, 70.3756429943371, 0.000234239195969022), rel=1e-6
    )


def test_rao_scott_first_order():
    r = design("dclus1").chisq("sch.wide", "stype", statistic="Chisq")
    assert r.statistic == pytest.approx(11.9408920807453, rel=REL)
    assert r.ndf == 2
    assert r.p_value == pytest.approx(0.00555326330311322, rel=1e-6)
