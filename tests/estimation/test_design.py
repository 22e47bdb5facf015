"""Designs and estimators against R survey's figures on the api data (survey 4.1-1).

Figures from ``svymean``, ``svytotal``, ``svyratio``, ``svyby`` and ``degf`` on the api
data in tests/estimation/data (the same figures as the survey package's own
tests/api.Rout.save).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from victimcare.estimation import Design, DesignError, Estimate, Estimates

from .conftest import api, design

REL = 1e-6

# design, stat, y, x, by, estimates, SEs, design effects (None: not checked)
REFERENCE = [
    ("dstrat", "mean", "api00", None, None, [662.2873632], [9.408940803], [1.20446]),
    ("dstrat", "total", "enroll", None, None, [3687177.532], [114641.7161], [0.362018122363404]),
    ("dclus1", "mean", "api00", None, None, [644.1693989], [23.54224069], [9.34586945059095]),
    ("dclus1", "total", "enroll", None, None, [3404940.135], [932235.027], [31.3106560943494]),
    ("dsrs", "mean", "api00", None, None, [656.585], [9.249722039], None),
    ("dsrs", "total", "enroll", None, None, [3621074.34], [169519.654344059], [1.0]),
    ("dclus2", "mean", "api00", None, None, [670.8118081], [30.09902738], None),
    ("dclus2", "total", "enroll", None, None, [2639272.93], [799637.773648358], [24.1940093065593]),
    (
        "dclus2w",
        "mean",
        "api00",
        None,
        None,
        [670.811808118081],
        [30.7115763093288],
        [6.5075124361641],
    ),
    (
        "dstrat",
        "ratio",
        "api.stu",
        "enroll",
        None,
        [0.8369568869],
        [0.007757103167],
        [0.593125044012401],
    ),
    (
        "dclus1",
        "ratio",
        "api.stu",
        "enroll",
        None,
        [0.849708741724488],
        [0.00838629716939109],
        [4.33931144088747],
    ),
    (
        "dstrat",
        "mean",
        "api00",
        None,
        "stype",
        [674.43, 625.82, 636.60],
        [12.38247979, 14.93712919, 16.21470731],
        None,
    ),
    (
        "dclus1",
        "mean",
        "api00",
        None,
        "stype",
        [648.8680556, 618.5714286, 631.44],
        [22.36240889, 38.02024936, 31.60946523],
        None,
    ),
    (
        "dclus2",
        "mean",
        "api00",
        None,
        "stype",
        [692.810400866739, 598.340659340659, 642.352],
        [29.926604237403, 17.694167126091, 45.0913163003311],
        [3.94603594062854, 0.662910794885177, 2.6749944213688],
    ),
    (
        "dclus2",
        "total",
        "enroll",
        None,
        "stype",
        [1161343.98, 715486.12, 762442.83],
        [334451.848375505, 338720.988139057, 291735.041830149],
        None,
    ),
    (
        "dclus1",
        "ratio",
        "api.stu",
        "enroll",
        "stype",
        [0.853267234602365, 0.830068250758342, 0.853673751281023],
        [0.0125336085965047, 0.0147260732432733, 0.0111420286695725],
        None,
    ),
    (
        "dclus1",
        "mean",
        "api00",
        None,
        ["stype", "sch.wide"],
        # R's svyby orders E.No H.No M.No E.Yes H.Yes M.Yes; ours sorts by stype, then sch.wide
        [
            596.333333333333,
            653.643939393939,
            659.333333333333,
            607.454545454545,
            606.375,
            643.235294117647,
        ],
        [
            43.4901028026247,
            20.3171960180465,
            27.0027533102635,
            43.7046815711782,
            41.1168635805377,
            42.128496343887,
        ],
        [
            2.98718282363323,
            4.93814290005243,
            0.721447050897244,
            1.98501991954694,
            1.30926321263834,
            2.44354715550814,
        ],
    ),
    (
        "dclus1",
        "mean",
        "yes",
        None,
        "stype",
        [0.916666666666667, 0.785714285714286, 0.68],
        [0.0209842789524908, 0.0914619099888493, 0.109502248398045],
        [0.849412051533821, 0.665565020516984, 1.36277104108308],
    ),
]


def _run(d: Design, stat: str, y: str, x: str | None, by):
    res = d.ratio(y, x, by=by) if stat == "ratio" else getattr(d, stat)(y, by=by)
    return [res] if isinstance(res, Estimate) else list(res)


@pytest.mark.parametrize(
    ("name", "stat", "y", "x", "by", "est", "se", "deff"),
    REFERENCE,
    ids=[f"{r[0]}-{r[1]}-{r[2]}-{r[4]}" for r in REFERENCE],
)
def test_matches_r(name, stat, y, x, by, est, se, deff):
    rows = _run(design(name), stat, y, x, by)
    assert [r.estimate for r in rows] == pytest.approx(est, rel=REL)
    assert [r.se for r in rows] == pytest.approx(se, rel=REL)
    if deff is not None:
        # R prints the whole-sample svymean deff to 6 digits in ref.out
        assert [r.deff for r in rows] == pytest.approx(deff, rel=5e-6)


def test_confint_with_design_df_and_normal():
    d = design("dstrat")
    t = d.mean("api00")
    assert (t.ci_low, t.ci_high) == pytest.approx((643.7321883, 680.842538), rel=REL)
    assert t.df == 197
    assert t.distribution == "t"
    z = d.mean("api00", df="inf")
    assert (z.ci_low, z.ci_high) == pytest.approx((643.8461781, 680.7285483), rel=REL)
    tot = design("dclus1").total("enroll", df="inf")
    assert (tot.ci_low, tot.ci_high) == pytest.approx((1577793.056, 5232087.213), rel=REL)


@pytest.mark.parametrize(
    ("name", "degf"), [("dstrat", 197), ("dclus1", 14), ("dclus2", 39), ("dsrs", 199)]
)
def test_degf(name, degf):
    assert design(name).degf() == degf


@pytest.mark.parametrize(("name", "domain_df"), [("dstrat", [99, 49, 49]), ("dclus1", [14, 7, 11])])
def test_domain_degf_counts_psus_holding_the_domain(name, domain_df):
    assert [e.df for e in design(name).mean("api00", by="stype")] == domain_df


def test_sampling_fractions_give_the_same_design():
    data = api("apistrat")
    n_h = {s: int((data["stype"] == s).sum()) for s in ("E", "H", "M")}
    data["frac"] = np.array([n_h[s] for s in data["stype"]]) / data["fpc"]
    d = Design(data, strata="stype", fpc="frac")  # weights derived from the fractions
    e = d.mean("api00")
    assert (e.estimate, e.se) == pytest.approx((662.287363577656, 9.40894087943401), rel=REL)


# lonely PSUs: counties as strata in apistrat (svydesign(id=~1, strata=~cname, weights=~pw))
LONELY = [
    (
        "certainty",
        8.92538234619791,
        104655.054126645,
        [11.9489554410766, 14.5194717659977, 15.22269369558],
        7.81825635335149,
    ),
    (
        "remove",
        8.92538234619791,
        104655.054126645,
        [11.9489554410766, 14.5194717659977, 15.22269369558],
        7.81825635335149,
    ),
    (
        "adjust",
        9.02670568277317,
        116699.16428832,
        [12.0572187138177, 15.0950584352497, 15.9435751119205],
        22.0684757015184,
    ),
    (
        "average",
        10.8636294341577,
        127382.075337972,
        [12.457647211951, 16.1557767487342, 17.2609122012923],
        14.9708211361739,
    ),
]


@pytest.mark.parametrize(("option", "se_mean", "se_total", "se_by", "se_clus"), LONELY)
def test_lonely_psu_options_match_r(option, se_mean, se_total, se_by, se_clus):
    d = Design(api("apistrat"), strata="cname", weight="pw", lonely_psu=option)
    assert d.mean("api00").se == pytest.approx(se_mean, rel=REL)
    assert d.total("enroll").se == pytest.approx(se_total, rel=REL)
    assert [e.se for e in d.mean("api00", by="stype")] == pytest.approx(se_by, rel=REL)
    assert d.degf() == 160
    d2 = Design(api("apiclus1"), psu="dnum", strata="cname", weight="pw", lonely_psu=option)
    assert d2.mean("api00").se == pytest.approx(se_clus, rel=REL)


def test_lonely_psu_fail_is_the_default_and_names_the_stratum():
    d = Design(api("apistrat"), strata="cname", weight="pw")
    with pytest.raises(DesignError, match="has only one PSU"):
        d.mean("api00")


def test_missing_y_is_left_out_as_na_rm():
    e = design("dstrat").total("acs.core")
    assert e.n_missing > 0
    assert e.n == 200 - e.n_missing
    with pytest.raises(DesignError, match="na_rm=True"):
        design("dstrat").total("acs.core", na_rm=False)


@pytest.mark.parametrize("form", ["dict", "rows", "pandas"])
def test_input_forms_agree(form):
    data = api("apiclus1")
    cols = {k: data[k] for k in ("dnum", "pw", "fpc", "api00", "stype")}
    if form == "rows":
        keys = list(cols)
        n = len(cols["dnum"])
        source = [
            {k: cols[k][i].item() if hasattr(cols[k][i], "item") else cols[k][i] for k in keys}
            for i in range(n)
        ]
    elif form == "pandas":
        pd = pytest.importorskip("pandas")
        source = pd.DataFrame(cols)
    else:
        source = {k: list(v) for k, v in cols.items()}
    res = Design(source, psu="dnum", weight="pw", fpc="fpc").mean("api00", by="stype")
    assert isinstance(res, Estimates)
    assert res.get("E").estimate == pytest.approx(648.8680556, rel=REL)
    assert res.get(stype="H").se == pytest.approx(38.02024936, rel=REL)


def test_estimate_is_frozen_and_serialisable():
    e = design("dstrat").mean("api00", by="stype")[0]
    assert e.as_dict().keys() == {"by", "n", "estimate", "se", "ci_low", "ci_high", "df", "deff"}
    with pytest.raises(AttributeError):
        e.estimate = 0  # type: ignore[misc]
    assert not math.isnan(e.deff)


def test_equal_weights_without_weight_or_fpc_note():
    d = Design({"y": [1.0, 2.0, 3.0, 4.0]})
    e = d.mean("y")
    assert e.estimate == pytest.approx(2.5)
    assert e.se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
    assert any("equal weights" in n for n in d.notes)
