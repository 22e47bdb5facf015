"""Design-based survey estimation that agrees with R's ``survey`` package.

No Django here: this package is a standalone library used by the rest of victimcare.

    from victimcare.estimation import Design
    d = Design(rows, weight="w", strata="stratum", psu="psu", fpc="N")
    d.proportion("satisfied", by=["force", "quarter"], ci="logit")

See README.md beside this file for the design, lonely-PSU choices, interval methods and
the push-down of the aggregation to DuckDB, SQLite or PostgreSQL.
"""

from .design import Design
from .errors import DesignError, NotEnoughDataError
from .formula import FormulaError
from .regression import Coefficient, ModelDataError, ModelError, Regression
from .replicate import ReplicateDesign
from .results import ChiSquareTest, Comparison, Covariance, Estimate, Estimates

__all__ = [
    "ChiSquareTest",
    "Coefficient",
    "Comparison",
    "Covariance",
    "Design",
    "DesignError",
    "Estimate",
    "Estimates",
    "FormulaError",
    "ModelDataError",
    "ModelError",
    "NotEnoughDataError",
    "Regression",
    "ReplicateDesign",
]
