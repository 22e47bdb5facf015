"""The effect estimate: recovers a planted effect within its interval, says "too few
responses" (never a number) with the counts, and follows its stated verdict rule."""

import numpy as np
import pytest

from victimcare.training.effect import (
    OBSERVATIONAL,
    STEPPED_WEDGE,
    Effect,
    TooFewResponses,
    effect_fit,
    world_simulate,
)

PLANTED = 4.0  # points on the measure


def test_the_interval_covers_a_planted_effect_in_at_least_90_of_100_seeded_worlds():
    """A coverage test: small simulated stepped-wedge worlds in memory, each from its seed."""
    covered = 0
    for seed in range(100):
        columns = world_simulate(
            np.random.default_rng(seed),
            teams=8,
            waves=4,
            months=8,
            per_team_month=15,
            effect=PLANTED / 100,
        )
        effect = effect_fit(
            columns, module="m", measure="kept_informed", design=STEPPED_WEDGE, minimum=30
        )
        covered += effect.ci_low <= PLANTED <= effect.ci_high
    assert covered >= 90, f"the interval covered the planted effect in {covered} of 100 worlds"


def test_a_large_world_finds_the_planted_effect_near_its_value():
    columns = world_simulate(np.random.default_rng(1), per_team_month=200, effect=0.10)
    effect = effect_fit(columns, module="m", measure="m", design=STEPPED_WEDGE, minimum=30)
    assert effect.ci_low <= 10 <= effect.ci_high
    assert effect.direction == "higher"
    assert effect.n_trained + effect.n_untrained == len(columns["y"])


@pytest.mark.parametrize(("n_trained", "n_untrained"), [(29, 100), (100, 29), (0, 0)])
def test_too_few_responses_on_either_side_gives_the_counts_not_a_number(n_trained, n_untrained):
    n = n_trained + n_untrained
    columns = {
        "y": np.ones(n),
        "trained": np.array([1.0] * n_trained + [0.0] * n_untrained),
        "month": np.array(["2026-01"] * n),
        "team": np.array(["a"] * n),
        "w": np.ones(n),
        "stratum": np.ones(n),
        "N": np.full(n, 1000.0),
    }
    with pytest.raises(TooFewResponses) as caught:
        effect_fit(columns, module="m", measure="m", design=OBSERVATIONAL, minimum=30)
    assert caught.value.n_trained == n_trained
    assert caught.value.n_untrained == n_untrained
    assert f"{n_trained} surveyed victims of trained" in str(caught.value)


def _effect(low, high):
    return Effect("m", "kept_informed", (low + high) / 2, 1, low, high, 100, 50, 50, OBSERVATIONAL)


VERDICT_RULE = [
    (_effect(1, 7), "Higher"),
    (_effect(-7, -1), "Lower"),
    (_effect(-1, 7), "No detectable change"),
    (_effect(-7, 1), "No detectable change"),
]


@pytest.mark.parametrize(("effect", "start"), VERDICT_RULE)
def test_a_change_is_reported_only_when_the_interval_excludes_zero(effect, start):
    assert effect.verdict("Kept informed").startswith(start)


def test_the_json_keys_are_those_the_issue_names():
    assert set(_effect(1, 2).as_dict()) == {
        "module",
        "measure",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "df",
        "n_trained",
        "n_untrained",
        "design",
    }
