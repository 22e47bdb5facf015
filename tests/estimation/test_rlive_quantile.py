"""Live cross-check of ``Design.quantile`` with R's ``svyquantile(..., ci=TRUE)``.

The random designs of ``test_rlive``; ONE Rscript call per batch computes the 0.1,
0.5 and 0.9 quantiles of ``y`` (with missing values, ``na.rm=TRUE``) with their Woodruff
intervals and SEs, for ``qrule="math"`` and ``"hf7"``; every number must agree to 1e-6
relative (NaN limits on both sides count as agreement).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from victimcare.estimation import Design

from .test_rlive import close, designs, designs_compared, rscript  # noqa: F401 - fixture

pytestmark = pytest.mark.rlive

PROBS = (0.1, 0.5, 0.9)

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
man <- read.csv(args[1], stringsAsFactors = FALSE)
o <- function(id, key, v) cat(sprintf("%s\t%s\t%s\n", id, key,
                                      paste(sprintf("%.15g", as.numeric(v)), collapse = ",")))
one <- function(m) {
  d <- read.csv(m$file, stringsAsFactors = FALSE)
  options(survey.lonely.psu = m$lonely)
  ids <- switch(m$kind, element = ~1, cluster = ~psu, twostage = ~psu + ssu)
  strata <- if (m$strata == 1) ~h else NULL
  weights <- if (m$weight == 1) ~w else NULL
  fpc <- if (m$fpc == "none") NULL else if (m$kind == "twostage") ~fpc1 + fpc2 else ~fpc
  des <- svydesign(ids = ids, strata = strata, weights = weights, fpc = fpc, data = d)
  for (rule in c("math", "hf7")) {
    q <- svyquantile(~y, des, c(0.1, 0.5, 0.9), ci = TRUE, na.rm = TRUE, qrule = rule)[[1]]
    o(m$id, rule, c(q[, 1], q[, 2], q[, 3], q[, 4]))
  }
}
for (i in seq_len(nrow(man))) {
  tryCatch(one(man[i, ]), error = function(e)
    cat(sprintf("%s\terror\t%s\n", man$id[i], gsub("[\t\n]", " ", conditionMessage(e)))))
}
"""


def python_side(spec: dict) -> dict[str, list[float]]:
    kind = spec["kind"]
    d = Design(
        spec["data"],
        strata="h" if spec["strata"] else None,
        weight="w" if spec["weight"] else None,
        psu=None if kind == "element" else ("psu" if kind == "cluster" else ["psu", "ssu"]),
        fpc=None if spec["fpc"] == "none" else (["fpc1", "fpc2"] if kind == "twostage" else "fpc"),
        lonely_psu=spec["lonely"],
    )
    out = {}
    for rule in ("math", "hf7"):
        rows = list(d.quantile("y", PROBS, qrule=rule))
        out[rule] = [getattr(r, k) for k in ("estimate", "ci_low", "ci_high", "se") for r in rows]
        out[rule + ".zero"] = [float("zero width" in r.note) for r in rows]
    return out


@settings(
    max_examples=2, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
)
@given(st.lists(designs(), min_size=12, max_size=12))
def test_random_design_quantiles_agree_with_r_svyquantile(rscript, specs):  # noqa: F811 (the fixture imported above)
    compared = 0
    for i, theirs, ours, context in designs_compared(specs, R_SCRIPT, python_side):
        for rule in ("math", "hf7"):
            got, want = ours[rule], theirs[rule]
            k = len(PROBS)
            for j in range(k):
                # a zero SE for the proportion: ours shows no interval (with a note); R
                # a zero-width one, or one NaN limit where rounding pushed 1 + 0 past 1
                if ours[rule + ".zero"][j]:
                    for o in (k, 2 * k, 3 * k):
                        got[o + j] = want[o + j]
            for a, b in zip(got, want, strict=True):
                assert close(a, b), (i, rule, repr(got), repr(want), context)
            compared += 1
    assert compared >= len(specs)
