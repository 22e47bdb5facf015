"""Post-stratification, raking and linear calibration, against R (survey 4.1-1)."""

from __future__ import annotations

import pytest

from victimcare.estimation import DesignError

from .conftest import design

REL = 1e-6
TYPES = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1072, "Yes": 5122}


def calibrated(kind: str):
    d = design("dclus1")
    if kind == "rake":
        return d.rake({"stype": TYPES, "sch.wide": SCHWIDE})
    if kind == "poststratify":
        return d.poststratify("stype", TYPES)
    if kind == "calibrate":
        return d.calibrate(population_size=6194, categorical={"stype": TYPES})
    return d.calibrate(
        population_size=6194, categorical={"stype": TYPES}, numeric={"api99": 3914069}
    )


WHOLE = [
    ("rake", "mean", "api00", 641.2302469, 23.70364124),
    ("poststratify", "mean", "api00", 642.3107882, 23.92048645),
    ("poststratify", "total", "enroll", 3680892.945, 406292.6363),
    ("calibrate", "mean", "api00", 642.3107882, 23.92048645),
    ("calibrate3", "mean", "api00", 665.3090712, 3.441753116),
    ("rake", "total", "enroll", 3647300.03131431, 400602.719733619),
    ("calibrate3", "total", "enroll", 3638487.20413188, 385524.427352479),
]


@pytest.mark.parametrize(("kind", "stat", "y", "est", "se"), WHOLE)
def test_whole_sample(kind, stat, y, est, se):
    e = getattr(calibrated(kind), stat)(y)
    assert (e.estimate, e.se) == pytest.approx((est, se), rel=REL)


# svyby(~api00, ~sch.wide, calibrated design, svymean, deff=TRUE)
BY = [
    (
        "rake",
        [611.845212995137, 647.380335949577],
        [27.5052934144517, 24.283493797139],
        [2.25448149607335, 8.47122536060155],
    ),
    (
        "poststratify",
        [612.062614938388, 647.161128404389],
        [27.3731955191233, 24.397066901528],
        [2.23815625676427, 8.53533618616317],
    ),
    (
        "calibrate3",
        [626.721780184336, 671.581043023697],
        [16.6943685676236, 4.46031458286185],
        [0.92445898365362, 0.299286993390323],
    ),
]


@pytest.mark.parametrize(("kind", "est", "se", "deff"), BY)
def test_domains_of_calibrated_designs(kind, est, se, deff):
    rows = calibrated(kind).mean("api00", by="sch.wide")
    assert [r.estimate for r in rows] == pytest.approx(est, rel=REL)
    assert [r.se for r in rows] == pytest.approx(se, rel=REL)
    assert [r.deff for r in rows] == pytest.approx(deff, rel=REL)


OTHER = [  # proportion (logit), ratio, chisq on calibrated designs
    (
        "poststratify",
        (0.861807817088728, 0.0222314948519717, 0.806904339213643, 0.902977479752741),
        (0.847989789518013, 0.00718825862540332),
        (4.71173822420016, 1.62902495449919, 22.8063493629887, 0.0250898362410908),
    ),
    (
        "calibrate3",
        (0.860185579054718, 0.0249864697867267, 0.797579207258596, 0.905717501285392),
        (0.848827380422162, 0.00736985824056277),
        (6.07560421843793, 1.75039600421556, 24.5055440590179, 0.00919604669364125),
    ),
    (
        "rake",
        None,
        (0.848231515274436, 0.00723252069462437),
        (4.09395343351002, 1.63888070222145, 22.9443298311003, 0.0370562467849498),
    ),
]


@pytest.mark.parametrize(("kind", "prop", "ratio", "chisq"), OTHER)
def test_proportion_ratio_chisq_on_calibrated(kind, prop, ratio, chisq):
    d = calibrated(kind)
    if prop is not None:
        p = d.proportion("yes")
        assert (p.estimate, p.se, p.ci_low, p.ci_high) == pytest.approx(prop, rel=1e-6)
    r = d.ratio("api.stu", "enroll")
    assert (r.estimate, r.se) == pytest.approx(ratio, rel=REL)
    x = d.chisq("sch.wide", "stype")
    assert (x.statistic, x.ndf, x.ddf, x.p_value) == pytest.approx(chisq, rel=1e-6)


def test_raked_margin_is_exact():
    p = calibrated("rake").proportion("yes")
    assert p.estimate == pytest.approx(5122 / 6194, rel=1e-9)
    assert p.se < 1e-8


def test_poststratify_stratified_design():
    d = design("dstrat").poststratify("sch.wide", SCHWIDE)
    e = d.mean("api00")
    assert (e.estimate, e.se) == pytest.approx((662.203029450444, 9.2725438999078), rel=REL)


def test_calibrate_two_stage():
    d = design("dclus2").calibrate(population_size=6194, categorical={"stype": TYPES})
    e = d.mean("api00")
    assert (e.estimate, e.se) == pytest.approx((673.002311274467, 28.8318088122979), rel=REL)


def test_rake_stopping_rule_follows_r():
    with pytest.warns(UserWarning, match="did not converge"):
        d = design("dclus1").rake({"stype": TYPES, "sch.wide": SCHWIDE}, max_iter=3, epsilon=1e-9)
    e = d.mean("api00")
    assert (e.estimate, e.se) == pytest.approx((641.229399394788, 23.70392045883), rel=REL)


def test_poststratum_without_population_count_is_an_error():
    with pytest.raises(DesignError, match="no population count"):
        design("dclus1").poststratify("stype", {"E": 4421, "H": 755})


def test_weights_after_calibration_hit_the_totals():
    d = calibrated("calibrate3")
    assert d.weights.sum() == pytest.approx(6194)
    assert d.total("api99").estimate == pytest.approx(3914069, rel=1e-9)
