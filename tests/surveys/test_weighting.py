"""Design weights, non-response adjustment within cells, and raking."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from victimcare.surveys.weighting import (
    design_weights,
    lonely_strata_groups,
    nonresponse_weights,
    rake,
)


def test_the_design_weight_is_N_over_respondents_in_the_stratum():
    weights = design_weights(["a", "a", "b"], {"a": 100, "b": 30})
    assert weights == [50, 50, 30]


@given(
    st.lists(st.sampled_from("abc"), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=10_000),
)
def test_design_weights_add_up_to_each_stratums_population(strata, population):
    populations = dict.fromkeys("abc", population)
    weights = design_weights(strata, populations)
    for h in set(strata):
        assert sum(w for s, w in zip(strata, weights, strict=True) if s == h) == pytest.approx(
            population
        )


def test_non_response_adjustment_weights_up_cells_that_answered_less():
    # Stratum of N = 200, 100 issued: 50 young (10 answered), 50 old (40 answered).
    strata = ["h"] * 50
    cells = ["young"] * 10 + ["old"] * 40
    issued = {("h", "young"): 50, ("h", "old"): 50}
    weights = nonresponse_weights(strata, cells, issued, {"h": 200}, minimum_respondents=5)
    assert weights[0] == pytest.approx(2 * 50 / 10)  # base 200/100, times 50/10
    assert weights[-1] == pytest.approx(2 * 50 / 40)
    assert sum(weights) == pytest.approx(200)


def test_small_cells_are_pooled_so_no_weight_explodes():
    strata = ["h"] * 12
    cells = ["a"] * 10 + ["b"] * 1 + ["c"] * 1
    issued = {("h", "a"): 20, ("h", "b"): 10, ("h", "c"): 10}
    weights = nonresponse_weights(strata, cells, issued, {"h": 80}, minimum_respondents=5)
    # b and c pool to 2 respondents (< 5): the whole stratum is one class.
    assert len({round(w, 9) for w in weights}) == 1
    assert sum(weights) == pytest.approx(80)


def test_raking_matches_every_margin():
    sex = ["f", "f", "m", "m", "m", "f"]
    age = ["young", "old", "young", "old", "old", "young"]
    targets = {"sex": {"f": 60, "m": 40}, "age": {"young": 30, "old": 70}}
    weights = rake([1.0] * 6, {"sex": sex, "age": age}, targets)
    for name, values in (("sex", sex), ("age", age)):
        totals = Counter()
        for value, weight in zip(values, weights, strict=True):
            totals[value] += weight
        for category, total in targets[name].items():
            assert totals[category] == pytest.approx(total, rel=1e-6)


def test_a_population_category_without_respondents_is_spread_over_the_others():
    weights = rake([1.0, 1.0], {"sex": ["f", "m"]}, {"sex": {"f": 50, "m": 30, "unknown": 20}})
    assert sum(weights) == pytest.approx(100)


@pytest.mark.parametrize(
    ("respondents", "expected"),
    [
        # no lonely stratum: each stratum is its own variance stratum
        ({"a": 3, "b": 2}, [["a"], ["b"]]),
        # a lonely stratum joins the stratum with two or more that has the fewest respondents
        ({"a": 5, "b": 2, "c": 1}, [["a"], ["b", "c"]]),
        # every lonely stratum joins that same host; a stratum without respondents too
        ({"a": 4, "b": 1, "c": 0, "d": 3}, [["a"], ["d", "b", "c"]]),
        # ties between hosts go to the smaller key
        ({"b": 2, "a": 2, "c": 1}, [["b"], ["a", "c"]]),
        # no stratum with two or more: all the lonely strata join together
        ({"a": 1, "b": 1}, [["a", "b"]]),
    ],
)
def test_a_lonely_stratum_joins_the_smallest_stratum_with_two_or_more(respondents, expected):
    assert lonely_strata_groups(respondents, {k: k for k in respondents}) == expected


def test_the_survey_microdata_and_the_oversight_frame_share_the_one_collapse_rule():
    """Both selectors call the same function: neither keeps a copy of the rule."""
    import inspect

    from victimcare.oversight import selectors as oversight_selectors
    from victimcare.surveys.selectors import microdata as survey_selectors

    for module in (survey_selectors, oversight_selectors):
        source = inspect.getsource(module._lonely_strata_collapse)
        assert "lonely_strata_groups(" in source
        assert "< 2" not in source
