"""Quantiles (``Design.quantile``, ``--stat quantile``) against R's ``svyquantile``.

Reference numbers: ``rref/quantile_results.py``, each beside the R call that made it
(``rref/quantile.R``): ``svyquantile(..., ci=TRUE)`` with its defaults (``qrule="math"``,
``interval.type="mean"``) and with ``qrule="hf7"``. NaN limits are R's too (the interval
for the proportion leaves [0, 1]).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from victimcare.estimation import Design, DesignError
from victimcare.estimation.cli import main
from victimcare.estimation.io import read_table

from .conftest import DATA, design
from .rref.quantile_results import CASES

REL = 1e-6
TYPES = {"E": 4421, "H": 755, "M": 1018}


def victims() -> Design:
    data = read_table(DATA / "victims.csv")
    return Design(data, strata="force", psu="area", weight="w", fpc="N", lonely_psu="adjust")


def ours(case: str):
    ref = CASES[case]
    rule = "hf7" if case.endswith("_hf7") else "math"
    qs = ref["quantiles"]
    if case.startswith("victims"):
        y = "contacts" if "contacts" in case else "score"
        return list(victims().quantile(y, qs, qrule=rule))
    if "_domain_" in case:
        stype = case.split("_")[2]
        est = design("dclus1").quantile("api00", qs, by="stype", qrule=rule)
        return [e for e in est if e.by["stype"] == stype]
    if "poststratified" in case:
        d = design("dclus1").poststratify("stype", TYPES)
        return list(d.quantile("api00", qs, qrule=rule))
    name = case.split("_")[0]
    y = "enroll" if "missing" in case else "api00"
    return list(design(name).quantile(y, qs, qrule=rule))


def same(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(
        (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=REL)
        for a, b in zip(got, want, strict=True)
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_quantiles_and_woodruff_intervals_agree_with_r_svyquantile(case):
    ref = CASES[case]
    rows = ours(case)
    assert [r.quantile for r in rows] == pytest.approx(ref["quantiles"])
    for key in ("estimate", "ci_low", "ci_high", "se"):
        got = [getattr(r, key) for r in rows]
        assert same(got, ref[key]), (key, got, ref[key], ref["call"])


def test_an_undefined_limit_has_a_note():
    est = design("dclus1").quantile("api00", [0.25, 0.5, 0.9], by="stype")
    h = [e for e in est if e.by["stype"] == "H"]
    assert math.isnan(h[0].ci_low)
    assert "leaves [0, 1]" in h[0].note
    assert any(n.startswith("stype=H, quantile 0.25:") for n in est.notes)


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, "x"])
def test_a_quantile_outside_zero_one_is_refused(bad):
    with pytest.raises(DesignError, match=r"outside|not a number"):
        design("dstrat").quantile("api00", [0.5, bad])


def test_an_unknown_qrule_is_refused():
    with pytest.raises(DesignError, match="qrule must be one of math, hf7"):
        design("dstrat").quantile("api00", 0.5, qrule="hf4")


STRAT = [str(DATA / "apistrat.csv"), "--strata", "stype", "--weight", "pw", "--fpc", "fpc"]


@pytest.mark.parametrize("rule", ["math", "hf7"])
def test_cli_quantiles_agree_with_r(capsys, rule):
    ref = CASES[f"dstrat_{rule}"]
    argv = [*STRAT, "--y", "api00", "--stat", "quantile", "--quantiles", "0.25,0.5,0.9"]
    argv += ["--format", "json"] + (["--qrule", "hf7"] if rule == "hf7" else [])
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["estimates"]
    assert [r["quantile"] for r in rows] == [0.25, 0.5, 0.9]
    assert [r["estimate"] for r in rows] == pytest.approx(ref["estimate"], rel=REL)
    assert [r["se"] for r in rows] == pytest.approx(ref["se"], rel=REL)


def test_cli_quantile_table_has_a_quantile_column(capsys):
    argv = [*STRAT, "--y", "api00", "--stat", "quantile", "--quantiles", "0.5", "--by", "stype"]
    assert main([*argv, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("stype,quantile,n,estimate,se,ci_low,ci_high,df")
    assert len(lines) == 4


@pytest.mark.parametrize("value", ["0", "1", "0.5,1.2", "half"])
def test_cli_refuses_a_quantile_outside_zero_one_with_exit_2(value):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "victimcare.estimation.cli",
            *STRAT,
            "--y",
            "api00",
            "--stat",
            "quantile",
            "--quantiles",
            value,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "quantile" in proc.stderr
