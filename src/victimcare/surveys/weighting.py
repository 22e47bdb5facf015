"""Response rates (AAPOR) and survey weights. Plain Python: no database here.

Dispositions: a completed interview is I; a refusal R; a non-contact NC (a known,
eligible victim never reached: no answer after every attempt, or a web link that
expired unused); a wrong number, and any case still in the field, is of unknown
eligibility U; a victim found to be out of scope is not eligible (NE).

    RR1 = I / (I + R + NC + U)
    RR3 = I / (I + R + NC + e U),  e = (I + R + NC) / (I + R + NC + NE)

(The AAPOR Standard Definitions, with no partial interviews or 'other' non-response.)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from victimcare.surveys.constants import Outcome

DISPOSITION: dict[str, str] = {
    Outcome.COMPLETED: "I",
    Outcome.REFUSED: "R",
    Outcome.NON_CONTACT: "NC",
    Outcome.UNKNOWN_ELIGIBILITY: "U",
    Outcome.ISSUED: "U",
    Outcome.INELIGIBLE: "NE",
}


@dataclass(frozen=True)
class ResponseRates:
    """Outcome counts of an issued sample and its AAPOR response rates (None when empty)."""

    issued: int
    completed: int
    refused: int
    non_contact: int
    unknown: int
    ineligible: int
    open: int

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> ResponseRates:
        by: Counter[str] = Counter()
        for outcome, count in counts.items():
            by[DISPOSITION[outcome]] += count
        return cls(
            issued=sum(counts.values()),
            completed=by["I"],
            refused=by["R"],
            non_contact=by["NC"],
            unknown=by["U"],
            ineligible=by["NE"],
            open=counts.get(Outcome.ISSUED, 0),
        )

    @property
    def eligibility(self) -> float | None:
        """e: the share of cases of known eligibility that are eligible."""
        known = self.completed + self.refused + self.non_contact
        if known + self.ineligible == 0:
            return None
        return known / (known + self.ineligible)

    @property
    def rr1(self) -> float | None:
        base = self.completed + self.refused + self.non_contact + self.unknown
        return self.completed / base if base else None

    @property
    def rr3(self) -> float | None:
        e = self.eligibility
        if e is None:
            return None
        base = self.completed + self.refused + self.non_contact + e * self.unknown
        return self.completed / base if base else None


def design_weights(strata: Sequence[Hashable], populations: Mapping[Hashable, int]) -> list[float]:
    """N_h / m_h for each respondent, m_h being the respondents in stratum h."""
    m = Counter(strata)
    return [populations[h] / m[h] for h in strata]


def lonely_strata_groups(
    respondents: Mapping[Hashable, int], keys: Mapping[Hashable, str]
) -> list[list[Hashable]]:
    """The variance strata of one month's sample: its strata (ids, with their number of
    respondents and their key) grouped so that none has a single respondent.

    A stratum with fewer than two respondents has no variance of its own (a "lonely
    PSU"): every such stratum joins the other stratum with two or more that has the
    fewest respondents (ties by key); if no stratum has two or more, all the lonely
    strata join together. Each group lists its host first. The one rule for the
    survey microdata (``surveys.selectors``) and the oversight figures
    (``oversight.selectors``); the caller sums the groups' populations."""
    lonely = [pk for pk in respondents if respondents[pk] < 2]
    groups = {pk: [pk] for pk in respondents if respondents[pk] >= 2}
    if lonely:
        if groups:
            host = min(groups, key=lambda pk: (respondents[pk], keys[pk]))
            groups[host].extend(lonely)
        else:
            groups = {lonely[0]: lonely}
    return list(groups.values())


def nonresponse_weights(
    strata: Sequence[Hashable],
    cells: Sequence[Hashable],
    issued: Mapping[tuple[Hashable, Hashable], int],
    populations: Mapping[Hashable, int],
    *,
    minimum_respondents: int = 5,
) -> list[float]:
    """Weights adjusted for non-response within cells of each stratum:
    (N_h / n_h) * (n_hc / m_hc), n counting issued and m responding victims.

    A cell with fewer than ``minimum_respondents`` respondents is pooled with the other
    small cells of its stratum, and the pool with the whole stratum if still too small,
    so no respondent carries an extreme weight. Weights in a stratum add up to N_h.
    """
    n_h: Counter = Counter()
    for (stratum, _cell), count in issued.items():
        n_h[stratum] += count
    m_hc = Counter(zip(strata, cells, strict=True))
    # Which adjustment class each (stratum, cell) falls in.
    cls_of: dict[tuple, tuple] = {}
    by_stratum: dict[Hashable, list[Hashable]] = defaultdict(list)
    for stratum, cell in set(issued) | set(m_hc):
        by_stratum[stratum].append(cell)
    for stratum, stratum_cells in by_stratum.items():
        small = [c for c in stratum_cells if m_hc[(stratum, c)] < minimum_respondents]
        pooled = sum(m_hc[(stratum, c)] for c in small)
        pool_name = ("pool",) if pooled >= minimum_respondents else ("stratum",)
        for cell in stratum_cells:
            if cell in small:
                cls_of[(stratum, cell)] = (stratum, pool_name)
            else:
                cls_of[(stratum, cell)] = (stratum, ("cell", cell))
        if pool_name == ("stratum",) and small:
            for cell in stratum_cells:
                cls_of[(stratum, cell)] = (stratum, ("stratum",))
    issued_cls: Counter = Counter()
    for key, count in issued.items():
        issued_cls[cls_of[key]] += count
    responded_cls: Counter = Counter()
    for key, count in m_hc.items():
        responded_cls[cls_of[key]] += count
    weights = []
    for stratum, cell in zip(strata, cells, strict=True):
        cls = cls_of[(stratum, cell)]
        base = populations[stratum] / n_h[stratum] if n_h[stratum] else 0.0
        weights.append(base * issued_cls[cls] / responded_cls[cls])
    # Rounding of pooled classes aside, make each stratum add up to N_h exactly.
    sums: defaultdict[Hashable, float] = defaultdict(float)
    for stratum, weight in zip(strata, weights, strict=True):
        sums[stratum] += weight
    return [
        w * populations[h] / sums[h] if sums[h] else w for h, w in zip(strata, weights, strict=True)
    ]


class RakingError(ValueError):
    pass


def rake(
    weights: Sequence[float],
    margins: Mapping[str, Sequence[Hashable]],
    targets: Mapping[str, Mapping[Hashable, float]],
    *,
    max_iterations: int = 100,
    tolerance: float = 1e-7,
) -> list[float]:
    """Iterative proportional fitting: adjust ``weights`` until, for every margin, the
    weighted count of each category matches its population total.

    ``margins[name]`` gives each respondent's category; ``targets[name]`` the population
    total of each category. Categories without respondents cannot be matched: their
    population is spread over the margin's other categories (so totals still agree).
    """
    w = [float(x) for x in weights]
    prepared = {}
    for name, values in margins.items():
        present = set(values)
        wanted = {c: float(t) for c, t in targets[name].items() if c in present and t > 0}
        missing = [c for c in present if c not in wanted]
        if missing:
            raise RakingError(
                f"margin {name!r}: no population total for {sorted(map(str, missing))}"
            )
        total = sum(float(t) for t in targets[name].values())
        kept = sum(wanted.values())
        prepared[name] = (values, {c: t * total / kept for c, t in wanted.items()})
    for _ in range(max_iterations):
        worst = 0.0
        for values, wanted in prepared.values():
            sums: defaultdict[Hashable, float] = defaultdict(float)
            for category, weight in zip(values, w, strict=True):
                sums[category] += weight
            factors = {c: wanted[c] / sums[c] for c in wanted}
            worst = max([worst, *(abs(f - 1) for f in factors.values())])
            w = [weight * factors[c] for c, weight in zip(values, w, strict=True)]
        if worst < tolerance:
            return w
    return w
