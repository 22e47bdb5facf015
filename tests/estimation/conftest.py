"""Fixtures for the estimation library's tests: R's api data (copied into data/)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("victimcare") is None:  # running from a bare checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from victimcare.estimation.io import read_table

DATA = Path(__file__).resolve().parent / "data"
_CACHE: dict[str, dict[str, np.ndarray]] = {}


def api(name: str) -> dict[str, np.ndarray]:
    """A fresh copy of one of R's api data sets, with 0/1 helper columns added."""
    if name not in _CACHE:
        cols = read_table(DATA / f"{name}.csv")
        cols["yes"] = (cols["sch.wide"] == "Yes").astype(np.float64)
        cols["ell0"] = (np.asarray(cols["ell"]) == 0).astype(np.float64)
        _CACHE[name] = cols
    return dict(_CACHE[name])


@pytest.fixture
def apistrat() -> dict[str, np.ndarray]:
    return api("apistrat")


@pytest.fixture
def apiclus1() -> dict[str, np.ndarray]:
    return api("apiclus1")


@pytest.fixture
def apiclus2() -> dict[str, np.ndarray]:
    return api("apiclus2")


@pytest.fixture
def apisrs() -> dict[str, np.ndarray]:
    return api("apisrs")


#: R's designs on the api data: svydesign(...) arguments in our terms
DESIGNS: dict[str, tuple[str, dict]] = {
    "dstrat": ("apistrat", {"strata": "stype", "weight": "pw", "fpc": "fpc"}),
    "dclus1": ("apiclus1", {"psu": "dnum", "weight": "pw", "fpc": "fpc"}),
    "dclus2": ("apiclus2", {"psu": ["dnum", "snum"], "fpc": ["fpc1", "fpc2"]}),
    "dclus2w": ("apiclus2", {"psu": ["dnum", "snum"], "weight": "pw"}),
    "dsrs": ("apisrs", {"fpc": "fpc"}),
}


def design(name: str, **overrides):
    """One of R's reference designs (see DESIGNS)."""
    from victimcare.estimation import Design

    data_name, kw = DESIGNS[name]
    return Design(api(data_name), **{**kw, **overrides})
