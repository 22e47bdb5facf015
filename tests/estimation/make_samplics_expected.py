"""Make the frozen expected values of ``test_sae.py`` with samplics 0.6.1.

Writes ``data/boroughs.csv`` (SYNTHETIC: 32 made-up London-like boroughs with a direct
satisfaction estimate, its sampling variance from a made-up sample size, and two
made-up covariates; a seeded generator, so the same file every run) and
``rref/samplics_expected.json``: for each method (REML, ML, FH) samplics'
``EblupAreaModel`` sigma2_u, coefficients and per-area EBLUP, MSE and gamma.

Run once, in a throwaway environment (the tests do not need samplics):

    python -m venv /tmp/s && /tmp/s/bin/pip install samplics==0.6.1 duckdb
    /tmp/s/bin/python tests/estimation/make_samplics_expected.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "boroughs.csv"
OUT = HERE / "rref" / "samplics_expected.json"


def make_data() -> list[dict]:
    rng = np.random.default_rng(20261202)
    rows = []
    for i in range(32):
        burglary = round(float(rng.uniform(0.05, 0.35)), 4)
        violence = round(float(rng.uniform(0.10, 0.45)), 4)
        truth = 0.78 - 0.4 * burglary - 0.25 * violence + rng.normal(0, 0.04)
        n = int(rng.integers(3, 120))  # thin samples in some boroughs
        p = min(max(truth + rng.normal(0, np.sqrt(truth * (1 - truth) / n)), 0.02), 0.98)
        rows.append(
            {
                "borough": f"Borough {i + 1:02d}",
                "p": round(float(p), 6),
                "var": round(float(p * (1 - p) / n * 1.3), 8),  # a design effect of 1.3
                "n": n,
                "burglary_share": burglary,
                "violence_share": violence,
            }
        )
    return rows


def main() -> None:
    from samplics.sae import EblupAreaModel
    from samplics.utils.types import FitMethod

    rows = make_data()
    with DATA.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    area = np.array([r["borough"] for r in rows])
    y = np.array([r["p"] for r in rows])
    psi = np.array([r["var"] for r in rows])
    x = np.array([[r["burglary_share"], r["violence_share"]] for r in rows])
    out = {"samplics": "0.6.1", "data": "data/boroughs.csv", "methods": {}}
    for method in ("REML", "ML", "FH"):
        model = EblupAreaModel(method=FitMethod(method))
        model.fit(yhat=y, X=x, area=area, error_std=np.sqrt(psi), tol=1e-12, maxiter=500)
        model.predict(X=x, area=area)
        s2 = float(np.ravel(model.re_std)[0] ** 2)
        out["methods"][method.lower()] = {
            "sigma2_u": s2,
            "beta": [float(b) for b in np.ravel(model.fixed_effects)],
            "converged": bool(model.convergence["achieved"]),
            "areas": {
                str(a): {
                    "eblup": float(np.ravel(model.area_est[a])[0]),
                    "mse": float(np.ravel(model.area_mse[a])[0]),
                    "gamma": s2 / (s2 + float(v)),
                }
                for a, v in zip(area, psi, strict=True)
            },
        }
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
