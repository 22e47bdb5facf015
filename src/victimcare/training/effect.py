"""The effect of a training module on what victims say: a survey-weighted regression.

For each surveyed victim whose case had an officer in charge: ``y`` is 1 if they were
satisfied with the module's measure (the survey stage it aims at), 0 if not; ``trained``
is 1 if the victim was exposed to the training before they reported:

- **stepped wedge** (a randomised rollout): the officer in charge's team had reached its
  wave (intention to treat: the team was due to be trained, whether or not each officer
  had completed it yet). The model is ``y ~ trained + C(month) + C(team)``: month fixed
  effects for the period, team fixed effects for the clusters (the analysis of a
  stepped-wedge trial, Hussey and Hughes 2007, with fixed cluster effects);
- **observational** (any other rollout): the officer in charge had completed the module
  before the victim reported. The model is ``y ~ trained + C(month)``.

Both are fitted by the estimation library's ``Design.glm`` with the Gaussian family (a
linear probability model, R's ``svyglm(..., family = gaussian())``), so the coefficient
of ``trained`` is the difference in the proportion satisfied, in points, adjusted for
month (and team), with the survey's design: strata (the month's sample strata, lonely
ones joined by the one rule), each respondent a PSU, design weights and the finite
population correction. Its interval is on the model's residual degrees of freedom.

The verdict's rule: the difference is reported as a change only when its 95% interval
excludes zero ("higher" or "lower"); otherwise "no detectable change". With fewer than
``MIN_RESPONSES_PER_SIDE`` surveyed victims on either side there is no number, only
"too few responses" with the counts.

No Django here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from victimcare.estimation import Design, NotEnoughDataError

STEPPED_WEDGE = "stepped_wedge"
OBSERVATIONAL = "observational"
LEVEL = 0.95


class EffectError(ValueError):
    """The effect cannot be estimated; the message says why, in words."""


class TooFewResponses(EffectError):
    def __init__(self, *, n_trained: int, n_untrained: int, minimum: int) -> None:
        super().__init__(
            f"too few responses: {n_trained} surveyed victims of trained officers and "
            f"{n_untrained} of untrained ones (at least {minimum} needed on each side)"
        )
        self.n_trained = n_trained
        self.n_untrained = n_untrained
        self.minimum = minimum


@dataclass(frozen=True)
class Effect:
    module: str
    measure: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    n_trained: int
    n_untrained: int
    design: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "measure": self.measure,
            "estimate": round(self.estimate, 4),
            "se": round(self.se, 4),
            "ci_low": round(self.ci_low, 4),
            "ci_high": round(self.ci_high, 4),
            "df": self.df,
            "n_trained": self.n_trained,
            "n_untrained": self.n_untrained,
            "design": self.design,
        }

    @property
    def direction(self) -> str:
        if self.ci_low > 0:
            return "higher"
        if self.ci_high < 0:
            return "lower"
        return "none"

    def verdict(self, measure_label: str) -> str:
        interval = (
            f"{self.estimate:+.1f} points (95% interval {self.ci_low:+.1f} to {self.ci_high:+.1f})"
        )
        who = (
            "victims of teams that had reached their wave"
            if self.design == STEPPED_WEDGE
            else "victims whose officer had completed the module"
        )
        if self.direction == "higher":
            return f"Higher: {who} were more often satisfied with {measure_label.lower()}, by {interval}."
        if self.direction == "lower":
            return f"Lower: {who} were less often satisfied with {measure_label.lower()}, by {interval}."
        return (
            f"No detectable change in {measure_label.lower()}: {interval}; "
            "the interval includes zero."
        )


VERDICT_RULE = (
    "A change is reported only when the 95% interval of the difference excludes zero; "
    'otherwise the verdict is "no detectable change".'
)


def effect_fit(
    columns: Mapping[str, Any],
    *,
    module: str,
    measure: str,
    design: str,
    minimum: int,
) -> Effect:
    """Fit the effect model to ``columns``: ``y`` (1, 0 or NaN), ``trained`` (1/0),
    ``month`` (text), ``team`` (text), ``w`` (weight), ``stratum``, ``N`` (stratum
    population). Raises ``TooFewResponses`` or ``EffectError``."""
    y = np.asarray(columns["y"], dtype=float)
    trained = np.asarray(columns["trained"], dtype=float)
    answered = ~np.isnan(y)
    n_trained = int(np.sum(answered & (trained == 1)))
    n_untrained = int(np.sum(answered & (trained == 0)))
    if n_trained < minimum or n_untrained < minimum:
        raise TooFewResponses(n_trained=n_trained, n_untrained=n_untrained, minimum=minimum)
    data = {
        "y": y,
        "trained": trained,
        "month": np.asarray(columns["month"]).astype(str),
        "team": np.asarray(columns["team"]).astype(str),
        "w": np.asarray(columns["w"], dtype=float),
        "stratum": np.asarray(columns["stratum"]),
        "N": np.asarray(columns["N"], dtype=float),
    }
    formula = "y ~ trained + C(month)"
    if design == STEPPED_WEDGE:
        formula += " + C(team)"
    survey = Design(data, weight="w", strata="stratum", fpc="N", lonely_psu="certainty")
    try:
        fit = survey.glm(formula, "gaussian", level=LEVEL)
    except NotEnoughDataError as error:
        raise EffectError(
            "the training cannot be told apart from the months (or teams) in these "
            f"responses: {error}"
        ) from None
    c = fit.coefficient("trained")
    if not all(math.isfinite(v) for v in (c.estimate, c.se, c.ci_low, c.ci_high)):
        raise EffectError("the model gives no finite estimate for these responses")
    return Effect(
        module=module,
        measure=measure,
        estimate=100 * c.estimate,
        se=100 * c.se,
        ci_low=100 * c.ci_low,
        ci_high=100 * c.ci_high,
        df=int(fit.df),
        n_trained=n_trained,
        n_untrained=n_untrained,
        design=design,
    )


def world_simulate(
    rng: np.random.Generator,
    *,
    teams: int = 8,
    waves: int = 4,
    months: int = 10,
    per_team_month: int = 30,
    base: float = 0.7,
    effect: float = 0.04,
) -> dict[str, np.ndarray]:
    """A small simulated stepped-wedge world in memory (for the coverage test and the
    method's documentation): ``teams`` teams in a random order, ``waves`` waves starting
    after the first month and one each ``months // (waves + 1)`` months; each team-month's
    surveyed victims satisfied with probability ``base`` + a team effect + a month trend +
    ``effect`` once their team has reached its wave. A month's responses form one stratum
    per team-month with a population of 10 to 40 times the respondents (unequal weights)."""
    order = rng.permutation(teams)
    wave_of = np.empty(teams, dtype=int)
    for i, team in enumerate(order):
        wave_of[team] = i * waves // teams
    step = max(1, months // (waves + 1))
    starts = [1 + k * step for k in range(waves)]
    team_effect = rng.normal(0, 0.05, teams)
    trend = np.linspace(-0.02, 0.02, months)
    cols: dict[str, list[float | str]] = {
        k: [] for k in ("y", "trained", "month", "team", "w", "stratum", "N")
    }
    for t in range(teams):
        for m in range(months):
            exposed = m >= starts[wave_of[t]]
            p = np.clip(base + team_effect[t] + trend[m] + (effect if exposed else 0.0), 0.01, 0.99)
            n = per_team_month
            population = n * rng.integers(10, 41)
            cols["y"].extend((rng.random(n) < p).astype(float))
            cols["trained"].extend([float(exposed)] * n)
            cols["month"].extend([f"m{m:02d}"] * n)
            cols["team"].extend([f"t{t:02d}"] * n)
            cols["w"].extend([population / n] * n)
            cols["stratum"].extend([f"{m}-{t}"] * n)
            cols["N"].extend([float(population)] * n)
    return {k: np.asarray(v) for k, v in cols.items()}
