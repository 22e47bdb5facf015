"""The drivers model is R's svyglm(family = quasibinomial): same coefficients and
linearisation standard errors on R's api data (recorded here, and run live against R)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.estimation.conftest import DATA, api
from victimcare.oversight.drivers import logistic_fit

# R 4.x, survey 4.1:
#   dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
#   svyglm(I(sch.wide=="Yes") ~ ell + meals, design=dstrat, family=quasibinomial)
#   dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
R_STRAT = {
    "coef": (1.56040842358661269, -0.00683105655469601, 0.00352476103353518),
    "se": (0.31553039213230161, 0.01314706882718616, 0.00865013764272951),
}
R_CLUS = {
    "coef": (1.8995569111363253, 0.0399254107978012, -0.0191146824661448),
    "se": (0.50991483175176333, 0.01244266973909005, 0.00882544370226142),
}
REL = 1e-6


@pytest.mark.parametrize(
    ("name", "design", "expected"),
    [
        ("apistrat", {"strata": "stype", "fpc": "fpc"}, R_STRAT),
        ("apiclus1", {"psu": "dnum", "fpc": "fpc"}, R_CLUS),
    ],
)
def test_matches_recorded_svyglm(name, design, expected):
    fit = logistic_fit(api(name), "yes", ["ell", "meals"], weight="pw", **design)
    assert [c.estimate for c in fit.coefficients] == pytest.approx(expected["coef"], rel=REL)
    assert [c.se for c in fit.coefficients] == pytest.approx(expected["se"], rel=REL)


def test_marginal_effects_lie_inside_their_intervals():
    fit = logistic_fit(api("apistrat"), "yes", ["ell0"], weight="pw", strata="stype", fpc="fpc")
    effect = fit.effect("ell0")
    assert effect.ci_low < effect.estimate < effect.ci_high
    assert fit.df == 200 - 3 + 1 - 2


R_LIVE = r"""
suppressMessages(library(survey))
d <- read.csv(file.path(commandArgs(TRUE)[1], "apistrat.csv"))
dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=d, fpc=~fpc)
m <- svyglm(I(sch.wide=="Yes") ~ ell + meals + mobility, design=dstrat, family=quasibinomial)
cat(sprintf("%.15g", c(coef(m), SE(m), m$df.residual)), sep="\n")
"""


@pytest.mark.rlive
def test_matches_svyglm_run_live(tmp_path):
    if shutil.which("Rscript") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Rscript is missing")
        pytest.skip("Rscript is missing (apt-get install r-cran-survey)")
    script = Path(tmp_path) / "glm.R"
    script.write_text(R_LIVE)
    out = subprocess.run(
        ["Rscript", str(script), str(DATA)], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    values = [float(v) for v in out]
    fit = logistic_fit(
        api("apistrat"), "yes", ["ell", "meals", "mobility"], weight="pw", strata="stype", fpc="fpc"
    )
    assert [c.estimate for c in fit.coefficients] == pytest.approx(values[:4], rel=REL)
    assert [c.se for c in fit.coefficients] == pytest.approx(values[4:8], rel=REL)
    assert fit.df == int(values[8])
