"""Drivers of whole-experience satisfaction: a survey-weighted logistic regression.

The model is the estimation library's ``Design.glm`` with ``family="quasibinomial"``
(R's ``svyglm(y ~ ..., design, family = quasibinomial())``): the whole-experience answer
(1 satisfied, 0 not) on one term per stage, each entered as a factor ``C(sat_<stage>)``
so that the stage's coefficient is the log odds ratio of having it go well rather than
not, and its average marginal effect is the discrete change: the weighted mean over the
respondents of ``mu(stage = 1) - mu(stage = 0)`` (points of satisfaction), with a
delta-method standard error from the design-based covariance. Rows with a missing
answer in any model column leave the design, as in R.

The statistics (fitting, variance, degrees of freedom, intervals) live in
``victimcare.estimation``; this module only says which model the drivers are. No Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from victimcare.estimation import Coefficient, Design, ModelDataError, Regression

__all__ = ["DriversFit", "StageDriver", "drivers_fit", "drivers_formula"]


@dataclass(frozen=True)
class StageDriver:
    """One stage's part in the model: its log-odds coefficient and its average marginal
    effect (proportion scale), both with their design-based inference."""

    stage: str
    coefficient: Coefficient
    effect: Coefficient

    @property
    def odds_ratio(self) -> float:
        return math.exp(self.coefficient.estimate)

    @property
    def odds_ratio_low(self) -> float:
        return math.exp(self.coefficient.ci_low)

    @property
    def odds_ratio_high(self) -> float:
        return math.exp(self.coefficient.ci_high)


@dataclass(frozen=True)
class DriversFit:
    """The fitted drivers model: ``regression`` is the estimation library's result."""

    regression: Regression
    stages: tuple[StageDriver, ...]

    @property
    def n(self) -> int:
        return self.regression.n

    @property
    def df(self) -> int:
        return self.regression.df

    def stage(self, name: str) -> StageDriver:
        for s in self.stages:
            if s.stage == name:
                return s
        raise KeyError(f"no stage {name!r} in the drivers model")


def drivers_formula(outcome: str, stages: Sequence[str]) -> str:
    """``outcome ~ C(stage1) + C(stage2) + ...``: each stage a 0/1 factor."""
    return f"{outcome} ~ " + " + ".join(f"C({s})" for s in stages)


def drivers_fit(
    data: Mapping[str, Any],
    outcome: str,
    stages: Sequence[str],
    *,
    weight: str,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    level: float = 0.95,
) -> DriversFit:
    """Fit the drivers model to a survey held as columns (R's quasibinomial ``svyglm``).

    Raises the estimation library's ``NotEnoughDataError`` when the responses are too
    few for the model: none, or a stage with a single answer among the complete
    responses (every respondent satisfied, say: ``ModelDataError``), so that its effect
    cannot be estimated; any other ``DesignError`` is bad input.
    """
    design = Design(data, weight=weight, strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely_psu)
    regression = design.glm(drivers_formula(outcome, stages), "quasibinomial", level=level)
    effects = {e.term: e for e in regression.marginal_effects()}
    out = []
    for stage in stages:
        term = f"{stage}[T.1]"
        if term not in effects:
            raise ModelDataError(
                f"column {stage!r} has a single answer among the complete responses: "
                "its effect cannot be estimated",
                column=stage,
            )
        out.append(StageDriver(stage, regression.coefficient(term), effects[term]))
    return DriversFit(regression=regression, stages=tuple(out))
