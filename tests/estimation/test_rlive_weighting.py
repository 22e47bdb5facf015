"""Live cross-check of calibration functions, trimming, domain covariances and design
effects with R's survey package on the random designs of ``test_rlive``.

ONE Rscript call per batch computes, per design: ``vcov(svyby(~x, ~dom, svymean,
covmat=TRUE))`` (x has no missing values: R's covmat=TRUE fails with na.rm=TRUE), ``deff(svymean(~y, deff="replace"))``, ``svymean(~y)`` after
``calibrate(~x, calfun="raking")`` and after ``calibrate(~x, calfun="linear",
bounds=c(0.5, 2))`` to totals 3% and 5% above the sample's, and after
``trimWeights(upper = the 90th percentile of the weights)``. Every number must agree to
1e-6 relative; a calibration R refuses must be refused here too. (A design where
R's ``svyby(..., covmat=TRUE)`` fails is not compared there.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from victimcare.estimation import DesignError

from .test_rlive import close, designs, designs_compared, rscript  # noqa: F401 - fixture
from .test_rlive_replicate import base_design

pytestmark = pytest.mark.rlive

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
man <- read.csv(args[1], stringsAsFactors = FALSE)
o <- function(id, key, v) cat(sprintf("%s\t%s\t%s\n", id, key,
                                      paste(sprintf("%.15g", as.numeric(v)), collapse = ",")))
one <- function(m) {
  d <- read.csv(m$file, stringsAsFactors = FALSE)
  d$dom <- as.character(d$dom)
  options(survey.lonely.psu = m$lonely)
  ids <- switch(m$kind, element = ~1, cluster = ~psu, twostage = ~psu + ssu)
  strata <- if (m$strata == 1) ~h else NULL
  weights <- if (m$weight == 1) ~w else NULL
  fpc <- if (m$fpc == "none") NULL else if (m$kind == "twostage") ~fpc1 + fpc2 else ~fpc
  des <- svydesign(ids = ids, strata = strata, weights = weights, fpc = fpc, data = d)
  id <- m$id
  tryCatch(o(id, "vcov", vcov(svyby(~x, ~dom, des, svymean, covmat = TRUE))),
           error = function(e) o(id, "vcov.error", 0))
  o(id, "deff", deff(svymean(~y, des, na.rm = TRUE, deff = "replace")))
  w <- weights(des)
  pop <- c(`(Intercept)` = sum(w) * 1.03, x = sum(w * d$x) * 1.05)
  for (cf in c("raking", "linear")) {
    b <- if (cf == "linear") c(0.5, 2) else c(-Inf, Inf)
    r <- tryCatch(suppressWarnings(calibrate(des, ~x, pop, calfun = cf, bounds = b)),
                  error = function(e) NULL)
    if (is.null(r)) o(id, paste0("cal.", cf), NA)
    else { m2 <- svymean(~y, r, na.rm = TRUE); o(id, paste0("cal.", cf), c(coef(m2), SE(m2))) }
  }
  t <- trimWeights(des, upper = quantile(w, 0.9, type = 1))
  m3 <- svymean(~y, t, na.rm = TRUE); o(id, "trim", c(coef(m3), SE(m3)))
}
for (i in seq_len(nrow(man))) {
  tryCatch(one(man[i, ]), error = function(e)
    cat(sprintf("%s\terror\t%s\n", man$id[i], gsub("[\t\n]", " ", conditionMessage(e)))))
}
"""


def python_side(spec: dict) -> dict[str, list[float]]:
    d = base_design(spec)
    out: dict[str, list[float]] = {}
    out["vcov"] = list(np.ravel(d.vcov("mean", "x", "dom").matrix))
    out["deff"] = [d.mean("y", deff="replace").deff]
    w = d.weights
    x = np.asarray(spec["data"]["x"], dtype=float)
    margins = {"population_size": float(w.sum()) * 1.03, "numeric": {"x": float(w @ x) * 1.05}}
    for cf, bounds in (("raking", (-math.inf, math.inf)), ("linear", (0.5, 2.0))):
        try:
            m = d.calibrate(**margins, calfun=cf, bounds=bounds).mean("y")
            out[f"cal.{cf}"] = [m.estimate, m.se]
        except DesignError:
            out[f"cal.{cf}"] = [math.nan]
    upper = float(np.sort(w)[math.ceil(0.9 * w.shape[0]) - 1])  # R's quantile type 1
    m = d.trim_weights(upper=upper).mean("y")
    out["trim"] = [m.estimate, m.se]
    return out


@settings(
    max_examples=2, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
)
@given(st.lists(designs(), min_size=12, max_size=12))
def test_random_design_weighting_agrees_with_r(rscript, specs):  # noqa: F811 (the fixture imported above)
    compared = 0
    for i, theirs, ours, context in designs_compared(specs, R_SCRIPT, python_side):
        for key, want in theirs.items():
            if key == "vcov.error":
                continue  # R's svyby(covmat=TRUE) failed on this design
            got = ours[key]
            if key == "deff" and not math.isfinite(got[0]):
                continue  # no deff where n <= 1 or no variation (R: NaN or Inf)
            if key == "vcov":
                # a domain whose y are all missing: R's 0, ours NaN
                got = [0.0 if math.isnan(g) else g for g in got]
            assert len(got) == len(want), (i, key, got, want, context)
            for a, b in zip(got, want, strict=True):
                assert close(a, b), (i, key, repr(got), repr(want), context)
        compared += 1
    assert compared >= len(specs) // 2
