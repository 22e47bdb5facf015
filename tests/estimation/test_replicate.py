"""Replicate-weight designs against R's ``svrepdesign`` and ``as.svrepdesign``.

Reference numbers: ``rref/replicate_results.py``, each beside its R call
(``rref/replicate.R``), which also wrote the replicate weights it used into ``data/``.
Every design is built both ways where R builds it deterministically: made from the
design (``Design.replicates``, R's ``as.svrepdesign``) and supplied as columns
(``ReplicateDesign``, R's ``svrepdesign``). R's bootstrap draws differ from ours, so the
bootstrap is compared with R's replicates supplied as columns.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pytest

from victimcare.estimation import Design, DesignError, ReplicateDesign
from victimcare.estimation.cli import main
from victimcare.estimation.io import read_table
from victimcare.estimation.replicate_weights import sylvester_hadamard

from .conftest import DATA, design
from .rref.replicate_results import R

REL = 1e-6


@cache
def _table(name: str) -> dict:
    return read_table(DATA / f"{name}.csv")


def data(name: str) -> dict:
    return dict(_table(name))


#: tag -> (variables y, z, numerator, denominator, domain, the domain of the subset quantile)
VARS = {
    "jk1_dclus1": ("api00", "yes", "api.stu", "enroll", "stype", "M"),
    "bootstrap_dclus1": ("api00", "yes", "api.stu", "enroll", "stype", "M"),
    "jkn_dstrat": ("api00", "yes", "api.stu", "enroll", "stype", "H"),
    "brr_pairs": ("api00", "yes", "api.stu", "enroll", "stype", "E"),
    "fay_pairs": ("api00", "yes", "api.stu", "enroll", "stype", "E"),
    "jkn_victims": ("contacts", "satisfied", "contacts", "score", "region", "South"),
    "jkn_victims_census": ("contacts", "satisfied", "contacts", "score", "region", "South"),
    "jk1_dclus2": ("api00", "yes", "api.stu", "enroll", "stype", "E"),
}


def victims_design(*, census: bool = False) -> Design:
    """The victim survey; with ``census``, force D's 5 areas are all it has (N = 5)."""
    cols = data("victims")
    if census:
        cols["N"] = np.where(cols["force"] == "D", 5.0, cols["N"])
    return Design(cols, strata="force", psu="area", weight="w", fpc="N", lonely_psu="adjust")


def build(tag: str, how: str, *, mse: bool = False) -> ReplicateDesign:
    """The design of ``tag``, made from the design ("made") or from columns ("supplied")."""
    scale, rscales = R[tag]["design"][0], R[tag]["rscales"]
    if how == "made":
        if tag == "jk1_dclus1":
            return design("dclus1").replicates("jk1", mse=mse)
        if tag == "jkn_dstrat":
            return design("dstrat").replicates("jkn", mse=mse)
        if tag == "jk1_dclus2":
            return design("dclus2").replicates("jk1", mse=mse)
        if tag == "jkn_victims_census":
            return victims_design(census=True).replicates("jkn", mse=mse)
        if tag in ("brr_pairs", "fay_pairs"):
            d = Design(data("apipairs"), strata="pair", psu="dnum", weight="pw")
            return d.replicates(tag[:3], rho=0.3, mse=mse)
        return victims_design().replicates("jkn", mse=mse)
    if tag == "jk1_dclus1":
        return ReplicateDesign(
            data("apiclus1_rep"), repweights="jk_*", weight="pw", type="JK1", scale=scale, mse=mse
        )
    if tag == "bootstrap_dclus1":
        return ReplicateDesign(
            data("apiclus1_rep"),
            repweights="bs_*",
            weight="pw",
            type="bootstrap",
            scale=scale,
            combined_weights=False,
            mse=mse,
        )
    if tag == "brr_pairs":
        return ReplicateDesign(
            data("apipairs"), repweights="brr_*", weight="pw", type="BRR", mse=mse
        )
    if tag == "fay_pairs":
        return ReplicateDesign(
            data("apipairs"), repweights="fay_*", weight="pw", type="Fay", rho=0.3, mse=mse
        )
    return ReplicateDesign(
        data("victims_rep"), repweights="jkn_*", weight="w", type="JKn", rscales=rscales, mse=mse
    )


WAYS = [
    ("jk1_dclus1", "made"),
    ("jk1_dclus1", "supplied"),
    ("bootstrap_dclus1", "supplied"),
    ("jkn_dstrat", "made"),
    ("brr_pairs", "made"),
    ("brr_pairs", "supplied"),
    ("fay_pairs", "made"),
    ("fay_pairs", "supplied"),
    ("jkn_victims", "made"),
    ("jkn_victims", "supplied"),
    ("jkn_victims_census", "made"),
    ("jk1_dclus2", "made"),
]


def ours(d: ReplicateDesign, tag: str, key: str) -> list[float]:
    y, z, num, den, dom, ydom = VARS[tag]
    if key == "design":
        return [d.scale, d.degf(), d.n_replicates]
    if key == "rscales":
        return sorted(d.rscales)
    if key in ("mean", "mean_mse"):
        e = d.mean(y)
        extra = [e.deff, e.ci_low, e.ci_high] if key == "mean" else []
        return [e.estimate, e.se, *extra]
    if key == "mean_replace":
        return [d.estimates("mean", y, deff="replace")[0].deff]
    if key == "total":
        e = d.total(y)
        return [e.estimate, e.se, e.deff]
    if key in ("ratio", "ratio_mse"):
        e = d.ratio(num, den)
        return [e.estimate, e.se]
    if key.startswith("prop_by"):
        est = d.proportion(z, by=dom, ci="logit")
        return [r.estimate for r in est] + [r.ci_low for r in est] + [r.ci_high for r in est]
    if key.startswith("prop_"):
        m = key[5:]
        e = d.proportion(z, ci="wald" if m == "mean" else m)
        return [e.estimate, e.se, e.ci_low, e.ci_high]
    if key.endswith("_by") and key != "degf_by":
        stat = key[:-3]
        est = d.ratio(num, den, by=dom) if stat == "ratio" else getattr(d, stat)(y, by=dom)
        return [r.estimate for r in est] + [r.se for r in est]
    if key == "degf_by":
        return [r.df for r in d.mean(y, by=dom)]
    if key.startswith("glm_"):
        formula = f"{y} ~ {den} + C({dom})" if "gaussian" in key else f"{z} ~ {den}"
        m = d.glm(formula, "quasibinomial" if "quasi" in key else "gaussian")
        c = m.coefficients
        return [k.estimate for k in c] + [k.se for k in c] + [m.df]
    if key.startswith("quantile_"):
        rule = key.rsplit("_", 1)[1]
        if "_dom_" in key:
            rows = [
                r for r in d.quantile(y, [0.25, 0.5, 0.9], by=dom, qrule=rule) if r.by[dom] == ydom
            ]
        else:
            rows = list(d.quantile(y, [0.25, 0.5, 0.9], qrule=rule))
        return [getattr(r, k) for k in ("estimate", "ci_low", "ci_high", "se") for r in rows]
    raise AssertionError(key)


def same(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(
        (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=REL, abs=1e-9)
        for a, b in zip(got, want, strict=True)
    )


CASES = [
    (tag, how, key)
    for tag, how in WAYS
    for key in R[tag]
    if not (key == "rscales" and how == "supplied" and tag == "jkn_victims")
]


@pytest.mark.parametrize(("tag", "how", "key"), CASES)
def test_replicate_statistics_agree_with_r(tag, how, key):
    d = build(tag, how, mse=key.endswith("_mse"))
    got = ours(d, tag, key)
    want = R[tag][key]
    if key == "rscales":
        want = sorted(want)
    if key == "prop_by":
        # a replicate whose domain proportion is 0 or 1 has no finite log-odds: R's glm
        # stops at an arbitrary large one, ours gives no logit interval (NaN): not compared
        k = len(got) // 3
        keep = [j for j in range(k) if not math.isnan(got[k + j])]
        got = [got[j + o] for o in (0, k, 2 * k) for j in keep]
        want = [want[j + o] for o in (0, k, 2 * k) for j in keep]
    if key.startswith("quantile"):
        # a zero-width interval: ours shows none (with a note), R a point
        k = len(got) // 4
        for j in range(k):
            if (
                math.isnan(got[k + j])
                and not math.isnan(want[k + j])
                and want[k + j] == want[2 * k + j]
            ):
                for o in (k, 2 * k, 3 * k):
                    got[o + j] = want[o + j]
    assert same(got, want), (key, got, want)


def test_jkn_with_a_lonely_psu_follows_r_adjust():
    """Force E has one area: with lonely_psu='adjust' R makes one replicate that drops
    force E and weights the other strata H/(H-1), with rscale (H-1)/H."""
    d = victims_design().replicates("jkn")
    assert d.n_replicates == 28
    assert d.rscales[-1] == pytest.approx(4 / 5) or (4 / 5) in list(np.round(d.rscales, 12))
    with pytest.raises(DesignError, match="only one PSU"):
        Design(data("victims"), strata="force", psu="area", weight="w", fpc="N").replicates("jkn")


def test_brr_drops_the_fpc_as_r_with_a_note():
    """R's as.svrepdesign(type="BRR") warns "Finite population correction dropped in
    conversion" and gives the numbers without it (replicate.R checks that)."""
    cols = data("apipairs")
    cols["N"] = np.full(cols["pw"].shape[0], 6.0)
    d = Design(cols, strata="pair", psu="dnum", weight="pw", fpc="N").replicates("brr")
    e = d.total("api00")
    assert same([e.estimate, e.se, e.deff], R["brr_pairs"]["total"])
    assert any("finite population correction is dropped for BRR" in n for n in d.notes)


def test_a_second_stage_fpc_is_dropped_with_a_note():
    d = design("dclus2").replicates("jk1")
    assert any("second-stage finite population correction" in n for n in d.notes)


def test_a_census_gives_no_jackknife_replicates_and_variance_zero_as_r():
    """Every district sampled (N = 15): R's JK1 has no replicates, degf -1, and svymean,
    svytotal (and svyglm) give SE 0 (its svyratio fails there)."""
    cols = data("apiclus1")
    cols["N"] = np.full(cols["pw"].shape[0], 15.0)
    d = Design(cols, psu="dnum", weight="pw", fpc="N").replicates("jk1")
    assert (d.n_replicates, d.degf()) == (0, -1)
    assert d.mean("api00").se == 0.0
    assert d.total("api00").se == 0.0
    assert d.ratio("api.stu", "enroll").se == 0.0
    assert [c.se for c in d.glm("api00 ~ enroll").coefficients] == [0.0, 0.0]


def test_an_mse_total_with_a_census_stratum_is_centred_on_the_same_rows():
    """R's svytotal leaves the census rows out of the replicate totals but, with
    mse=TRUE, centres them at the total with those rows (so their squared total enters
    the variance: here R gives 18,886 with mse=TRUE against 5,454 without). Ours
    centres at the total of the same rows, 5,573 (README, replicate.py)."""
    d = victims_design(census=True).replicates("jkn", mse=True)
    y = np.asarray(data("victims")["contacts"], dtype=float)
    keep = ~d.selfrep & ~np.isnan(y)
    reps = d.analysis[keep].T @ y[keep]
    centre = d.pweights[keep] @ y[keep]
    want = math.sqrt(d.scale * float(d.rscales @ (reps - centre) ** 2))
    assert d.total("contacts").se == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(5572.8487746571, rel=1e-9)


def test_bootstrap_keeps_a_census_stratum_whole():
    """With an fpc, Rao-Wu draws n_h of a census stratum's n_h PSUs without replacement:
    each is drawn once in every replicate."""
    cols = data("victims")
    cols["N"] = np.where(cols["force"] == "D", 5.0, cols["N"])
    d = Design(cols, strata="force", psu="area", weight="w", fpc="N", lonely_psu="adjust")
    b = d.replicates("bootstrap", replicates=20, seed=3)
    mult = b.analysis / b.pweights[:, None]
    assert np.all(mult[cols["force"] == "D"] == 1.0)


def test_bootstrap_replicates_are_rao_wu_draws_and_repeat_with_a_seed():
    d = design("dstrat")
    a = d.replicates("bootstrap", replicates=30, seed=7)
    b = d.replicates("bootstrap", replicates=30, seed=7)
    assert np.array_equal(a.analysis, b.analysis)
    assert a.n_replicates == 30
    mult = a.analysis / a.pweights[:, None]
    # without an fpc each stratum draws n_h of its n_h PSUs with replacement
    rows = read_table(DATA / "apistrat.csv")
    for s in ("E", "H", "M"):
        mine = np.asarray(rows["stype"]) == s
        assert np.allclose(mult[mine].sum(axis=0), mine.sum())
    n_h = np.array([100, 50, 50])
    m = 1 / np.mean(1 / n_h)
    assert a.scale == pytest.approx(m / ((m - 1) * 29))


def test_sylvester_hadamard_is_rs_for_few_strata():
    h = sylvester_hadamard(8)
    assert h[0].tolist() == [1] * 8
    assert h[1].tolist() == [1, 0, 1, 0, 1, 0, 1, 0]
    assert h[4].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    pm = 2 * h - 1
    assert np.array_equal(pm @ pm.T, 8 * np.eye(8))


REP = str(DATA / "apiclus1_rep.csv")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repweights", "brr_*", "--rep-type", "BRR"], "no column matches"),
        (["--repweights", "jk_1,jk_2,jk_3", "--rep-type", "BRR"], "Hadamard"),
        (["--repweights", "jk_1,jk_2,jk_3,jk_4", "--rep-type", "BRR"], "multipliers are 0 or 2"),
        (["--repweights", "jk_*", "--rep-type", "JKn"], "rscales"),
        (["--repweights", "jk_*", "--rep-type", "JK1", "--rscales", "1,2"], "rscales has 2"),
        (["--repweights", "jk_*", "--rep-type", "Fay"], "rho"),
        (["--repweights", "jk_*", "--strata", "stype"], "take no --strata"),
        (["--replicates", "jkn"], "need strata"),
    ],
)
def test_replicate_columns_that_do_not_match_the_type_are_one_line_and_exit_2(
    capsys, args, message
):
    code = main([REP, "--y", "api00", "--stat", "mean", "--weight", "pw", *args])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err
    assert "Traceback" not in err
    assert message in err


def test_brr_needs_two_psus_per_stratum():
    with pytest.raises(DesignError, match="exactly two PSUs"):
        design("dstrat").replicates("brr")


def test_cli_replicate_designs_agree_with_r(capsys):
    scale = str(R["jk1_dclus1"]["design"][0])
    code = main(
        [
            REP,
            "--y",
            "api00",
            "--stat",
            "mean",
            "--by",
            "stype",
            "--weight",
            "pw",
            "--repweights",
            "jk_*",
            "--rep-type",
            "JK1",
            "--scale",
            scale,
            "--format",
            "json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    want = R["jk1_dclus1"]["mean_by"]
    got = [r["estimate"] for r in out["estimates"]] + [r["se"] for r in out["estimates"]]
    assert same(got, want)
    apiclus1 = str(DATA / "apiclus1.csv")
    code = main(
        [
            apiclus1,
            "--y",
            "api00",
            "--stat",
            "quantile",
            "--quantiles",
            "0.25,0.5,0.9",
            "--psu",
            "dnum",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--replicates",
            "jk1",
            "--format",
            "json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["estimate"] for r in out["estimates"]] == R["jk1_dclus1"]["quantile_math"][:3]
    assert any("replicate weights: JK1" in n for n in out["notes"])


def test_cli_bootstrap_with_a_seed_is_repeatable(capsys):
    args = [
        str(DATA / "apistrat.csv"),
        "--y",
        "api00",
        "--stat",
        "mean",
        "--strata",
        "stype",
        "--weight",
        "pw",
        "--replicates",
        "bootstrap",
        "--seed",
        "3",
        "--format",
        "json",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first


def test_cli_glm_on_replicate_weights_agrees_with_r(capsys):
    scale = str(R["jk1_dclus1"]["design"][0])
    code = main(
        [
            REP,
            "--glm",
            "api00 ~ enroll + C(stype)",
            "--weight",
            "pw",
            "--repweights",
            "jk_*",
            "--rep-type",
            "JK1",
            "--scale",
            scale,
            "--format",
            "json",
        ]
    )
    body = json.loads(capsys.readouterr().out)
    assert code == 0
    got = [c["estimate"] for c in body["coefficients"]] + [c["se"] for c in body["coefficients"]]
    assert same([*got, body["df"]], R["jk1_dclus1"]["glm_gaussian"])
    code = main(
        [
            REP,
            "--glm",
            "api00 ~ enroll",
            "--by",
            "stype",
            "--weight",
            "pw",
            "--repweights",
            "jk_*",
            "--rep-type",
            "JK1",
        ]
    )
    assert code == 2
    assert "need a Taylor design" in capsys.readouterr().err
