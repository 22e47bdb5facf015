"""The effect of a care practice trial on what victims say: a survey-weighted regression.

For each surveyed victim whose case the trial allocated: ``y`` is 1 if they were satisfied
with the trial's measure, 0 if not; ``treated`` is 1 for the treated arm. The model is
``y ~ treated + C(month)`` (month fixed effects for the period), fitted by the estimation
library's ``Design.glm`` with the Gaussian family (R's ``svyglm(..., family =
gaussian())``) on the survey's design: strata (lonely ones joined by the one rule), each
respondent a PSU, design weights and the finite population correction; the responses of
cases the trial did not allocate stay in the design with no outcome. The coefficient of
``treated`` is the difference in the proportion satisfied, in points, an unbiased
estimate of the practice's effect because the arms were randomised.

With fewer than ``minimum`` surveyed victims in either arm there is no number, only "too
few responses" with the counts. No Django here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from victimcare.estimation import Design, NotEnoughDataError
from victimcare.training.effect import LEVEL, EffectError
from victimcare.training.trials.constants import RANDOMISED


class TrialTooFewResponses(EffectError):
    def __init__(self, *, n_treated: int, n_control: int, minimum: int) -> None:
        super().__init__(
            f"too few responses: {n_treated} surveyed victims of treated cases and "
            f"{n_control} of control cases (at least {minimum} needed in each arm)"
        )
        self.n_treated = n_treated
        self.n_control = n_control
        self.minimum = minimum


@dataclass(frozen=True)
class TrialEffect:
    trial: str
    measure: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    n_treated: int
    n_control: int
    design: str = RANDOMISED

    def as_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "measure": self.measure,
            "estimate": round(self.estimate, 4),
            "se": round(self.se, 4),
            "ci_low": round(self.ci_low, 4),
            "ci_high": round(self.ci_high, 4),
            "df": self.df,
            "n_treated": self.n_treated,
            "n_control": self.n_control,
            "design": self.design,
        }

    @property
    def p_value(self) -> float | None:
        """The two-sided p of the design-based t test of no effect (on ``df``)."""
        if self.se <= 0 or self.df < 1:
            return None
        return float(2 * stats.t.sf(abs(self.estimate / self.se), self.df))

    def verdict(self, measure_label: str) -> str:
        interval = (
            f"{self.estimate:+.1f} points (95% interval {self.ci_low:+.1f} to {self.ci_high:+.1f})"
        )
        what = measure_label.lower()
        if self.ci_low > 0:
            return f"Higher: victims of treated cases were more often satisfied with {what}, by {interval}."
        if self.ci_high < 0:
            return f"Lower: victims of treated cases were less often satisfied with {what}, by {interval}."
        return f"No detectable change in {what}: {interval}; the interval includes zero."


def trial_effect_fit(
    columns: Mapping[str, Any], *, trial: str, measure: str, minimum: int
) -> TrialEffect:
    """Fit the trial's model to ``columns``: ``y`` (1, 0 or NaN), ``treated`` (1/0),
    ``month`` (text), ``w`` (weight), ``stratum``, ``N`` (stratum population). Raises
    ``TrialTooFewResponses`` or ``EffectError``."""
    y = np.asarray(columns["y"], dtype=float)
    treated = np.asarray(columns["treated"], dtype=float)
    answered = ~np.isnan(y)
    n_treated = int(np.sum(answered & (treated == 1)))
    n_control = int(np.sum(answered & (treated == 0)))
    if n_treated < minimum or n_control < minimum:
        raise TrialTooFewResponses(n_treated=n_treated, n_control=n_control, minimum=minimum)
    data = {
        "y": y,
        "treated": treated,
        "month": np.asarray(columns["month"]).astype(str),
        "w": np.asarray(columns["w"], dtype=float),
        "stratum": np.asarray(columns["stratum"]),
        "N": np.asarray(columns["N"], dtype=float),
    }
    survey = Design(data, weight="w", strata="stratum", fpc="N", lonely_psu="certainty")
    try:
        fit = survey.glm("y ~ treated + C(month)", "gaussian", level=LEVEL)
    except NotEnoughDataError as error:
        raise EffectError(
            f"the trial's arms cannot be told apart in these responses: {error}"
        ) from None
    c = fit.coefficient("treated")
    if not all(math.isfinite(v) for v in (c.estimate, c.se, c.ci_low, c.ci_high)):
        raise EffectError("the model gives no finite estimate for these responses")
    return TrialEffect(
        trial=trial,
        measure=measure,
        estimate=100 * c.estimate,
        se=100 * c.se,
        ci_low=100 * c.ci_low,
        ci_high=100 * c.ci_high,
        df=int(fit.df),
        n_treated=n_treated,
        n_control=n_control,
    )


def trial_world_simulate(
    rng: np.random.Generator,
    *,
    months: int = 6,
    per_month: int = 120,
    strata: int = 4,
    base: float = 0.7,
    effect: float = 0.08,
) -> dict[str, np.ndarray]:
    """A small simulated trial in memory (for the recovery test): each month's surveyed
    victims in ``strata`` strata (populations 10 to 40 times their respondents), half of
    the cases treated at random, satisfied with probability ``base`` + a month trend +
    ``effect`` when treated."""
    cols: dict[str, list[Any]] = {k: [] for k in ("y", "treated", "month", "w", "stratum", "N")}
    n = per_month // strata
    trend = np.linspace(-0.03, 0.03, months)
    for m in range(months):
        for s in range(strata):
            population = n * int(rng.integers(10, 41))
            treated = (rng.random(n) < 0.5).astype(float)
            p = np.clip(base + trend[m] + 0.02 * s + effect * treated, 0.01, 0.99)
            cols["y"].extend((rng.random(n) < p).astype(float))
            cols["treated"].extend(treated)
            cols["month"].extend([f"m{m:02d}"] * n)
            cols["w"].extend([population / n] * n)
            cols["stratum"].extend([f"{m}-{s}"] * n)
            cols["N"].extend([float(population)] * n)
    return {k: np.asarray(v) for k, v in cols.items()}
