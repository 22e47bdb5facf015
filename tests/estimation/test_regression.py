"""Survey regression (``Design.glm``) against R's ``svyglm`` (survey 4.1-1), to 1e-6.

The reference numbers are in ``rref/glm_results.py``, each beside the R call that made
it; ``rref/glm.R`` is the script that wrote that file (``Rscript glm.R > glm_results.py``).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from victimcare.estimation import Design, DesignError, FormulaError, ModelError
from victimcare.estimation.io import read_table
from victimcare.estimation.regression import marginal_effect_values

from .conftest import DATA, design
from .rref.glm_results import CASES

REL = 1e-6
TYPES = {"E": 4421, "H": 755, "M": 1018}


def victims(lonely: str) -> Design:
    data = read_table(DATA / "victims.csv")
    return Design(data, strata="force", psu="area", weight="w", fpc="N", lonely_psu=lonely)


# case in rref/glm_results.py -> how to fit the same model here
FITS = {
    "dstrat_gaussian": (
        lambda: design("dstrat"),
        "api00 ~ ell + meals + C(stype)",
        "gaussian",
        None,
    ),
    "dstrat_quasibinomial": (
        lambda: design("dstrat"),
        "sch.wide ~ ell + meals + stype",
        "quasibinomial",
        None,
    ),
    "dclus1_gaussian": (
        lambda: design("dclus1"),
        "api00 ~ ell + meals + mobility + C(stype)",
        "gaussian",
        None,
    ),
    "dclus1_quasibinomial": (
        lambda: design("dclus1"),
        "sch.wide ~ api99 + C(stype)",
        "quasibinomial",
        None,
    ),
    "dclus1_missing": (
        lambda: design("dclus1"),
        "api00 ~ avg.ed + meals + C(stype)",
        "gaussian",
        None,
    ),
    "dclus1_no_intercept": (
        lambda: design("dclus1"),
        "api00 ~ 0 + C(stype) + ell",
        "gaussian",
        None,
    ),
    "dclus1_domain_E": (
        lambda: design("dclus1"),
        "api00 ~ ell + meals",
        "gaussian",
        ("stype", "E"),
    ),
    "dclus1_domain_M": (
        lambda: design("dclus1"),
        "api00 ~ ell + meals",
        "gaussian",
        ("stype", "M"),
    ),
    "dclus1_poststratified": (
        lambda: design("dclus1").poststratify("stype", TYPES),
        "api00 ~ ell + meals",
        "gaussian",
        None,
    ),
    "dclus2_gaussian": (
        lambda: design("dclus2"),
        "api00 ~ ell + meals + C(stype)",
        "gaussian",
        None,
    ),
    "dclus2_missing": (lambda: design("dclus2"), "api00 ~ pcttest + meals", "gaussian", None),
    "dclus2_quasibinomial": (
        lambda: design("dclus2"),
        "sch.wide ~ meals + C(stype)",
        "quasibinomial",
        None,
    ),
    **{
        f"victims_{fam}_{lonely}": (
            (lambda lonely=lonely: victims(lonely)),
            f"{'score' if fam == 'gaussian' else 'satisfied'} ~ C(age) + contacts + ethnicity",
            fam,
            None,
        )
        for fam in ("gaussian", "quasibinomial")
        for lonely in ("adjust", "average", "certainty")
    },
    "victims_domain_South": (
        lambda: victims("adjust"),
        "satisfied ~ C(age) + contacts",
        "quasibinomial",
        ("region", "South"),
    ),
}


def r_name(term: str) -> str:
    """Our patsy-style name in R's spelling: Intercept -> (Intercept), g[T.x] -> gx."""
    if term == "Intercept":
        return "(Intercept)"
    if "[" in term:
        col, level = term[:-1].split("[", 1)
        return col + level.removeprefix("T.")
    return term


def fit(case: str):
    make, formula, family, domain = FITS[case]
    d = make()
    if domain is None:
        return d.glm(formula, family)
    col, value = domain
    one = d.glm(formula, family, domain={col: value})
    assert one == next(m for m in d.glm(formula, family, by=col) if m.by[col] == value)
    return one


def test_every_frozen_case_is_checked():
    assert set(FITS) == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_glm_agrees_with_r_svyglm(case):
    ref = CASES[case]
    m = fit(case)
    assert [r_name(t) for t in m.terms] == ref["terms"], ref["call"]
    assert m.df == ref["df"]
    assert m.n == ref["n"]
    for key in ("estimate", "se", "t", "p", "ci_low", "ci_high"):
        got = [getattr(c, key) for c in m.coefficients]
        assert got == pytest.approx(ref[key], rel=REL, abs=1e-300), (key, ref["call"])


@pytest.mark.parametrize("case", sorted(c for c in CASES if "ame" in CASES[c]))
def test_average_marginal_effects_agree_with_manual_r_delta_method(case):
    ref = CASES[case]
    m = fit(case)
    ame = m.marginal_effects()
    assert [r_name(a.term) for a in ame] == ref["ame_terms"]
    assert [a.estimate for a in ame] == pytest.approx(ref["ame"], rel=REL)
    assert [a.se for a in ame] == pytest.approx(ref["ame_se"], rel=1e-5)


@pytest.mark.parametrize("case", ["dstrat_quasibinomial", "victims_quasibinomial_adjust"])
def test_marginal_effect_gradient_matches_numeric_derivative(case):
    """The analytic delta-method gradient equals a central-difference derivative."""
    from victimcare.estimation.regression import _effects

    m = fit(case)
    state = m._fit
    analytic = np.array([g for _, _, g in _effects(state, state.beta, gradient=True)])
    numeric = np.zeros_like(analytic)
    for k in range(state.beta.shape[0]):
        h = 1e-6 * max(1.0, abs(state.beta[k]))
        up, down = state.beta.copy(), state.beta.copy()
        up[k] += h
        down[k] -= h
        numeric[:, k] = (
            marginal_effect_values(state, up)[1] - marginal_effect_values(state, down)[1]
        ) / (2 * h)
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_gaussian_marginal_effects_are_the_coefficients():
    m = design("dstrat").glm("api00 ~ ell + C(stype)")
    ame = m.marginal_effects()
    assert [a.estimate for a in ame] == pytest.approx([c.estimate for c in m.coefficients[1:]])
    assert [a.se for a in ame] == pytest.approx([c.se for c in m.coefficients[1:]])


def test_terms_use_treatment_coding_with_first_sorted_level_as_reference():
    m = design("dclus1").glm("api00 ~ C(stype) + C(awards)")
    assert m.terms == ("Intercept", "stype[T.H]", "stype[T.M]", "awards[T.Yes]")


def test_numeric_column_in_c_is_categorical_sorted_numerically():
    data = {
        "y": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        "g": [10, 2, 2, 10, 3, 3, 10, 2, 3, 10, 2, 3],
        "x": [0.5, 1, 3, 2, 5, 1, 2, 0, 4, 3, 1, 2],
    }
    m = Design(data).glm("y ~ x + C(g)")
    assert m.terms == ("Intercept", "x", "g[T.3]", "g[T.10]")


def test_regression_by_domain_gives_one_model_per_domain_in_sorted_order():
    fits = design("dclus1").glm("api00 ~ ell", by="stype")
    assert [f.by for f in fits] == [{"stype": "E"}, {"stype": "H"}, {"stype": "M"}]


# -- bad input: a typed error, one line, naming what is wrong -----------------------------
BAD = [
    ("api00 ~ ell + nosuch", "gaussian", FormulaError, "term column 'nosuch' not found"),
    ("nosuch ~ ell", "gaussian", FormulaError, "outcome column 'nosuch' not found"),
    ("api00 ~ ell * meals", "gaussian", FormulaError, "not supported"),
    ("api00 ~ log(ell)", "gaussian", FormulaError, "log() is not supported"),
    ("api00 ell", "gaussian", FormulaError, "needs an outcome"),
    ("api00 ~ ell", "poisson", ModelError, "family must be one of gaussian, quasibinomial"),
    ("api00 ~ ell", "quasibinomial", ModelError, "must lie between 0 and 1"),
    ("stype ~ ell", "quasibinomial", ModelError, "3 value(s)"),
    ("stype ~ ell", "gaussian", ModelError, "holds text"),
    ("api00 ~ ell + ell2", "gaussian", ModelError, "singular: column 'ell2'"),
    ("api00 ~ C(stype) + C(stype2)", "gaussian", ModelError, "singular: column 'stype2[T.H]'"),
]


@pytest.mark.parametrize(("formula", "family", "error", "message"), BAD)
def test_bad_regression_input_raises_a_typed_one_line_error(formula, family, error, message):
    d = design("dstrat")
    data = dict(d._backend.cols._arrays)
    data["ell2"] = 2 * np.asarray(data["ell"], dtype=float) + 1
    data["stype2"] = data["stype"]
    d = Design(data, strata="stype", weight="pw", fpc="fpc")
    with pytest.raises(error) as info:
        d.glm(formula, family)
    assert isinstance(info.value, DesignError)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_quasibinomial_accepts_proportions_between_zero_and_one():
    d = design("dstrat")
    data = dict(d._backend.cols._arrays)
    data["share"] = np.asarray(data["api00"], dtype=float) / 1000
    m = Design(data, strata="stype", weight="pw", fpc="fpc").glm("share ~ ell", "quasibinomial")
    assert math.isfinite(m.coefficients[1].se)


def test_separation_is_fitted_as_r_does_with_a_note():
    """R's quasibinomial svyglm fits a separated outcome without complaint; we fit it too
    and say that the coefficients are not meaningful."""
    data = {"y": [0, 0, 0, 1, 1, 1.0], "x": [1, 2, 3, 4, 5, 6.0], "w": [1.0] * 6}
    m = Design(data, weight="w").glm("y ~ x", "quasibinomial")
    assert any("perfect separation" in n for n in m.notes)


def test_database_designs_are_refused_for_regression():
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (y REAL, x REAL, w REAL)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, i % 3, 1.0) for i in range(6)])
    d = Design.from_sql(con, "t", weight="w")
    with pytest.raises(DesignError, match="needs the data in memory"):
        d.glm("y ~ x")


# -- the CLI: victimcare estimate FILE --glm ... ----------------------------------------
STRAT_ARGS = ["--strata", "stype", "--weight", "pw", "--fpc", "fpc"]


def test_cli_glm_json_agrees_with_r(capsys):
    from victimcare.estimation.cli import main

    ref = CASES["dstrat_gaussian"]
    args = [str(DATA / "apistrat.csv"), "--glm", "api00 ~ ell + meals + C(stype)", *STRAT_ARGS]
    assert main([*args, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["df"] == ref["df"]
    assert [r_name(c["term"]) for c in out["coefficients"]] == ref["terms"]
    assert set(out["coefficients"][0]) == {"term", "estimate", "se", "t", "p", "ci_low", "ci_high"}
    for key in ("estimate", "se", "t", "p", "ci_low", "ci_high"):
        assert [c[key] for c in out["coefficients"]] == pytest.approx(ref[key], rel=REL)


def test_cli_quasibinomial_with_marginal_effects(capsys):
    from victimcare.estimation.cli import main

    ref = CASES["dstrat_quasibinomial"]
    args = [str(DATA / "apistrat.csv"), "--glm", "sch.wide ~ ell + meals + C(stype)"]
    args += ["--family", "quasibinomial", "--ame", *STRAT_ARGS, "--format", "json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert [c["estimate"] for c in out["coefficients"]] == pytest.approx(ref["estimate"], rel=REL)
    assert [c["estimate"] for c in out["marginal_effects"]] == pytest.approx(ref["ame"], rel=REL)
    assert "'Yes' counted as 1" in captured.err


def test_cli_glm_by_domain_gives_one_model_per_domain(capsys):
    from victimcare.estimation.cli import main

    args = [str(DATA / "apiclus1.csv"), "--glm", "api00 ~ ell + meals", "--by", "stype"]
    args += ["--psu", "dnum", "--weight", "pw", "--fpc", "fpc", "--format", "json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [m["by"] for m in out["models"]] == [{"stype": "E"}, {"stype": "H"}, {"stype": "M"}]
    ref = CASES["dclus1_domain_E"]
    assert [c["se"] for c in out["models"][0]["coefficients"]] == pytest.approx(ref["se"], rel=REL)


CLI_BAD = [
    (["--glm", "api00 ~ ell + nosuch"], "term column 'nosuch' not found"),
    (["--glm", "api00 ~ ell", "--family", "quasibinomial"], "must lie between 0 and 1"),
    (["--glm", "api00 ~ ell + ell_again"], "singular: column 'ell_again'"),
    (["--glm", "api00 ~ ell", "--df", "zero"], "--df"),
]


@pytest.mark.parametrize(("extra", "message"), CLI_BAD)
def test_cli_glm_bad_input_is_one_line_and_exit_2(extra, message, tmp_path):
    lines = (DATA / "apistrat.csv").read_text().splitlines()
    ell = lines[0].split(",").index('"ell"')
    with_copy = [lines[0] + ',"ell_again"'] + [r + "," + r.split(",")[ell] for r in lines[1:]]
    path = tmp_path / "apistrat.csv"
    path.write_text("\n".join(with_copy) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "victimcare.estimation.cli", str(path), *extra, *STRAT_ARGS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if "error" in x]
    assert len(lines) == 1, proc.stderr
    assert message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
