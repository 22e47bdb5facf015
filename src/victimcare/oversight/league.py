"""League tables of forces: each force against the other forces of its group, and an
interval for its rank.

The estimates come from the estimation library: one domain per force for the estimates,
the pooled group for the peer average, and ``Design.compare`` of each force with the
other forces of the group (a design-based t test; the force is significantly above or
below the peer average exactly when it is significantly above or below the others, as
the average lies between the force and the others). Ranks (1 = most satisfied) get an
interval by parametric simulation: each force's estimate is drawn from a normal
distribution with its standard error, ``draws`` times with a fixed seed (stated on the
page), and the 2.5th and 97.5th percentiles of the ranks are reported.

Pure Python and numpy; no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

RANK_SEED = 20120701
RANK_DRAWS = 10_000
ABOVE, BELOW, LEVEL_WITH, NO_TEST = "above", "below", "level", "no_test"
FLAG_LABELS = {
    ABOVE: "Significantly above its peers",
    BELOW: "Significantly below its peers",
    LEVEL_WITH: "Not significantly different from its peers",
    NO_TEST: "No test possible",
}


@dataclass(frozen=True)
class ForceEstimate:
    """One force's estimate as the estimation library gave it."""

    code: str
    name: str
    n: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    weight_total: float


@dataclass(frozen=True)
class LeagueRow:
    force: ForceEstimate
    rank: int
    rank_low: int
    rank_high: int
    versus: float  # force minus the other forces of the group (proportion scale)
    versus_low: float
    versus_high: float
    p_value: float
    flag: str

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS[self.flag]


def rank_intervals(
    estimates: Sequence[float],
    ses: Sequence[float],
    *,
    level: float = 0.95,
    draws: int = RANK_DRAWS,
    seed: int = RANK_SEED,
) -> list[tuple[int, int, int]]:
    """(rank, low, high) for each estimate, 1 the highest; the interval from ``draws``
    normal draws around each estimate with its standard error (seeded)."""
    est = np.asarray(estimates, dtype=float)
    se = np.nan_to_num(np.asarray(ses, dtype=float), nan=0.0)
    k = est.shape[0]
    if k == 0:
        return []
    order = np.argsort(-est, kind="stable")
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(1, k + 1)
    rng = np.random.default_rng(seed)
    sims = est[None, :] + rng.standard_normal((draws, k)) * se[None, :]
    sim_rank = (-sims).argsort(axis=1).argsort(axis=1) + 1
    tail = (1 - level) / 2
    low = np.floor(np.quantile(sim_rank, tail, axis=0, method="lower")).astype(int)
    high = np.ceil(np.quantile(sim_rank, 1 - tail, axis=0, method="higher")).astype(int)
    return [(int(rank[i]), int(min(low[i], rank[i])), int(max(high[i], rank[i]))) for i in range(k)]


@dataclass(frozen=True)
class Versus:
    """A force minus the other forces of its group, as ``Design.compare`` gave it."""

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool


def league_table(
    forces: Sequence[ForceEstimate],
    versus: Mapping[str, Versus],
    *,
    level: float = 0.95,
    draws: int = RANK_DRAWS,
    seed: int = RANK_SEED,
) -> list[LeagueRow]:
    """The group's forces, most satisfied first, each with its rank interval and its
    difference from the other forces (flagged when significant)."""
    usable = [f for f in forces if f.n > 0 and math.isfinite(f.estimate)]
    ranks = rank_intervals(
        [f.estimate for f in usable],
        [f.se for f in usable],
        level=level,
        draws=draws,
        seed=seed,
    )
    rows = []
    for force, (rank, low, high) in zip(usable, ranks, strict=True):
        v = versus.get(force.code)
        if v is None or math.isnan(v.p_value):
            flag = NO_TEST
        elif v.significant:
            flag = ABOVE if v.difference > 0 else BELOW
        else:
            flag = LEVEL_WITH
        rows.append(
            LeagueRow(
                force=force,
                rank=rank,
                rank_low=low,
                rank_high=high,
                versus=v.difference if v else math.nan,
                versus_low=v.ci_low if v else math.nan,
                versus_high=v.ci_high if v else math.nan,
                p_value=v.p_value if v else math.nan,
                flag=flag,
            )
        )
    rows.sort(key=lambda row: (row.rank, row.force.code))
    return rows
