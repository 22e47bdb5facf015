"""Live cross-check of ``Design.glm`` with R's ``svyglm`` on random designs.

The random designs of ``test_rlive`` (strata, one- and two-stage clusters, fpc, weights,
lonely PSUs, missing values, a domain column); ONE Rscript call per batch fits
``svyglm(y ~ x + dom)`` (gaussian) and ``svyglm(z ~ x + dom, family=quasibinomial)``,
also within the domain ``dom == "a"``, and every coefficient, SE and df.residual must
agree to 1e-6 relative. Designs where R warns or gives an NA coefficient (separation,
a singular domain) or where a quasibinomial fit is near separation (fitted
probabilities within 1e-5 of 0 or 1: there the stopping rule, not the data, decides the
last digits) are skipped.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from victimcare.estimation import Design, ModelError

from .test_rlive import close, designs, designs_compared, rscript  # noqa: F401 - fixture

pytestmark = pytest.mark.rlive

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
man <- read.csv(args[1], stringsAsFactors = FALSE)
o <- function(id, key, v) cat(sprintf("%s\t%s\t%s\n", id, key,
                                      paste(sprintf("%.15g", as.numeric(v)), collapse = ",")))
fit <- function(id, key, expr) {
  warned <- FALSE
  m <- tryCatch(withCallingHandlers(expr, warning = function(w) {
    warned <<- TRUE; invokeRestart("muffleWarning")}), error = function(e) NULL)
  # near separation (fitted probabilities within 1e-5 of 0 or 1) the coefficients
  # depend on where the stopping rule falls: rounding moves them by more than 1e-6
  near <- !is.null(m) && m$family$family == "quasibinomial" &&
    min(pmin(fitted(m), 1 - fitted(m))) < 1e-5
  if (is.null(m) || warned || near || m$rank < ncol(model.matrix(m))) {
    o(id, paste0(key, ".skip"), 0); return()
  }
  s <- summary(m)$coefficients
  o(id, key, c(m$df.residual, s[, 1], s[, 2]))
}
one <- function(m) {
  d <- read.csv(m$file, stringsAsFactors = FALSE)
  d$dom <- factor(d$dom)
  options(survey.lonely.psu = m$lonely)
  ids <- switch(m$kind, element = ~1, cluster = ~psu, twostage = ~psu + ssu)
  strata <- if (m$strata == 1) ~h else NULL
  weights <- if (m$weight == 1) ~w else NULL
  fpc <- if (m$fpc == "none") NULL else if (m$kind == "twostage") ~fpc1 + fpc2 else ~fpc
  des <- svydesign(ids = ids, strata = strata, weights = weights, fpc = fpc, data = d)
  id <- m$id
  fit(id, "gaussian", svyglm(y ~ x + dom, des))
  fit(id, "quasibinomial", svyglm(z ~ x + dom, des, family = quasibinomial))
  fit(id, "domain", svyglm(y ~ x, subset(des, dom == "a")))
}
for (i in seq_len(nrow(man))) {
  tryCatch(one(man[i, ]), error = function(e)
    cat(sprintf("%s\terror\t%s\n", man$id[i], gsub("[\t\n]", " ", conditionMessage(e)))))
}
"""


def python_side(spec: dict) -> dict[str, list[float] | str]:
    kind = spec["kind"]
    d = Design(
        spec["data"],
        strata="h" if spec["strata"] else None,
        weight="w" if spec["weight"] else None,
        psu=None if kind == "element" else ("psu" if kind == "cluster" else ["psu", "ssu"]),
        fpc=None if spec["fpc"] == "none" else (["fpc1", "fpc2"] if kind == "twostage" else "fpc"),
        lonely_psu=spec["lonely"],
    )
    out: dict[str, list[float] | str] = {}
    calls = {
        "gaussian": lambda: d.glm("y ~ x + dom"),
        "quasibinomial": lambda: d.glm("z ~ x + dom", "quasibinomial"),
        "domain": lambda: d.glm("y ~ x", domain={"dom": "a"}),
    }
    for key, call in calls.items():
        try:
            m = call()
        except ModelError as exc:
            out[key] = str(exc)
            continue
        out[key] = [
            float(m.df),
            *[c.estimate for c in m.coefficients],
            *[c.se for c in m.coefficients],
        ]
    return out


@settings(
    max_examples=2, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
)
@given(st.lists(designs(), min_size=12, max_size=12))
def test_random_design_regressions_agree_with_r_svyglm(rscript, specs):  # noqa: F811 (the fixture imported above)
    compared = 0
    for i, theirs, ours, context in designs_compared(specs, R_SCRIPT, python_side):
        for key in ("gaussian", "quasibinomial", "domain"):
            if f"{key}.skip" in theirs:
                continue  # R warned (separation) or aliased a coefficient
            got = ours[key]
            assert not isinstance(got, str), (i, key, "we refused what R fitted", got, context)
            r_vals = theirs[key]
            assert len(got) == len(r_vals), (i, key, context)
            if r_vals[0] <= 0:
                continue  # no residual df: R's SEs are the same but nothing to test
            for a, b in zip(got, r_vals, strict=True):
                assert close(a, b), (i, key, repr(got), repr(r_vals), context)
            compared += 1
    assert compared >= len(specs) // 2  # (3 models per design; R refuses some)
