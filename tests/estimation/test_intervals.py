"""Intervals for proportions (R's svyciprop) and for means, against R's figures."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from victimcare.estimation.intervals import critical_value, proportion_interval

from .conftest import design

REL = 1e-6

# svyciprop(~I(ell==0), dclus1, method=m): estimate, SE, interval
WHOLE = [
    ("logit", 0.002304691299, 0.177747766514),
    ("xlogit", 0.002304691284, 0.177747766823),
    ("beta", 0.0002161468327, 0.1375077639150),
    ("wald", -0.02666240796, 0.07037825495),  # R's method="mean"
]


@pytest.mark.parametrize(("method", "lo", "hi"), WHOLE)
def test_svyciprop_whole_sample(method, lo, hi):
    e = design("dclus1").proportion("ell0", ci=method)
    assert e.estimate == pytest.approx(0.021857923497, rel=REL)
    assert e.se == pytest.approx(0.0226224508611, rel=REL)
    assert (e.ci_low, e.ci_high) == pytest.approx((lo, hi), rel=REL)


# svyby(~yes, ~stype, design, svyciprop, vartype="ci", method=m[, level=0.9])
BY = [
    (
        "dclus1",
        0.95,
        "logit",
        [0.859206537056401, 0.503687967865637, 0.412455444697252],
        [0.95198680147212, 0.929812572364626, 0.86545626165112],
    ),
    (
        "dclus1",
        0.95,
        "xlogit",
        [0.859206537056403, 0.503687967865702, 0.412455444697329],
        [0.951986801472126, 0.92981257236472, 0.865456261651188],
    ),
    (
        "dclus1",
        0.95,
        "beta",
        [0.859765358737351, 0.521760971207249, 0.40570899167224],
        [0.955816623310151, 0.943907693670807, 0.885241289543765],
    ),
    (
        "dclus1",
        0.95,
        "wald",
        [0.871659864513811, 0.569441235257656, 0.438987176279234],
        [0.961673468819523, 1.00198733617092, 0.921012823720766],
    ),
    (
        "dstrat",
        0.90,
        "logit",
        [0.850325582323178, 0.405353039612806, 0.583618814799153],
        [0.947355514032542, 0.632578564517103, 0.795263352963912],
    ),
    (
        "dstrat",
        0.90,
        "xlogit",
        [0.850325582323179, 0.405353039613024, 0.583618814799379],
        [0.947355514032542, 0.632578564517322, 0.795263352964141],
    ),
    (
        "dstrat",
        0.90,
        "beta",
        [0.848697213892717, 0.398515799589994, 0.578341423751465],
        [0.952010290567608, 0.63972646063736, 0.803607740461892],
    ),
    (
        "dstrat",
        0.90,
        "wald",
        [0.86278645169934, 0.404372250108479, 0.592973299169064],
        [0.95721354830066, 0.635627749891521, 0.807026700830936],
    ),
]


@pytest.mark.parametrize(("name", "level", "method", "lo", "hi"), BY)
def test_svyciprop_by_domain(name, level, method, lo, hi):
    rows = design(name).proportion("yes", by="stype", ci=method, level=level)
    assert [r.ci_low for r in rows] == pytest.approx(lo, rel=REL)
    assert [r.ci_high for r in rows] == pytest.approx(hi, rel=REL)


# svyciprop(~yes, dstrat, method=m, df=Inf)
NORMAL = [
    ("logit", 0.77490101064867, 0.870581756116294),
    ("xlogit", 0.77490101064867, 0.870581756116294),
    ("wald", 0.78023311918265, 0.875662903648997),
]


@pytest.mark.parametrize(("method", "lo", "hi"), NORMAL)
def test_normal_on_request(method, lo, hi):
    e = design("dstrat").proportion("yes", ci=method, df="inf")
    assert (e.ci_low, e.ci_high) == pytest.approx((lo, hi), rel=REL)
    assert e.distribution == "normal"


def test_beta_uses_design_df_like_r_whatever_is_asked():
    # R's beta ignores df=; ours follows R with df="design"
    e = design("dstrat").proportion("yes", ci="beta")
    assert (e.ci_low, e.ci_high) == pytest.approx((0.77417132860, 0.87343159262), rel=REL)


def test_wilson_is_the_score_interval_on_the_effective_sample_size():
    p, se, df = 0.3, 0.04, 25.0
    lo, hi = proportion_interval(p, se, 0.95, df, "wilson")
    n = p * (1 - p) / se**2
    q = stats.t.ppf(0.975, df)
    # the Wilson interval solves |p - pi| = q * sqrt(pi (1 - pi) / n)
    for pi in (lo, hi):
        assert abs(p - pi) == pytest.approx(q * math.sqrt(pi * (1 - pi) / n), rel=1e-10)
    assert lo < p < hi


def test_wilson_from_design_is_inside_unit_interval():
    e = design("dclus1").proportion("ell0", ci="wilson")
    assert 0 < e.ci_low < e.estimate < e.ci_high < 1


@pytest.mark.parametrize("method", ["logit", "xlogit", "beta", "wilson"])
def test_zero_or_one_gives_no_interval(method):
    assert all(
        math.isnan(v)
        for v in proportion_interval(0.0, 0.0, 0.95, 10, method, n_rows=20, design_df=10)
    )


def test_no_df_no_interval():
    assert math.isnan(critical_value(0.95, 0))
    assert critical_value(0.95, math.inf) == pytest.approx(1.959963984540054)


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99, 0.999])
def test_t_quantiles_without_scipy_agree_with_scipy(level):
    """student_t (whole df, exact tail sums below 1000 df, Cornish-Fisher from there)
    gives scipy's stdtrit to 1e-12 relative, in both tails; a fractional df uses scipy."""
    from scipy.special import stdtrit

    from victimcare.estimation.intervals import t_quantile

    for df in [*range(1, 1100), 1999, 5000, 123_457, 10**7]:
        for q in (0.5 + level / 2, 0.5 - level / 2):
            assert t_quantile(q, df) == pytest.approx(float(stdtrit(df, q)), rel=1e-12), df
    assert t_quantile(0.975, 2.5) == float(stdtrit(2.5, 0.975))
    assert t_quantile(0.975, math.inf) == pytest.approx(1.959963984540054, rel=1e-15)
