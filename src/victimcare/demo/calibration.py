"""The demo world's calibration: volumes, mixes and patterns, read from data/world.json.

Everything the generator draws from is here as data, so changing how the synthetic
world looks means editing the JSON file, not code.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

WORLD_FILE = Path(__file__).resolve().parent / "data" / "world.json"


class Weighted:
    """A weighted choice among values, drawn with one call to ``rng.random()``."""

    __slots__ = ("cumulative", "total", "values", "weights")

    def __init__(self, weights: Mapping) -> None:
        self.values = [value for value, weight in weights.items() if weight > 0]
        self.weights = [float(weights[value]) for value in self.values]
        if not self.values:
            raise ValueError("a weighted choice needs at least one positive weight")
        self.cumulative: list[float] = []
        total = 0.0
        for weight in self.weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: Random):
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]

    def shares(self) -> dict:
        """Each value's expected share, 0 to 1."""
        return {
            value: weight / self.total
            for value, weight in zip(self.values, self.weights, strict=True)
        }


def _public(mapping: Mapping) -> dict:
    """A JSON object without its explanatory keys (those starting with an underscore)."""
    return {key: value for key, value in mapping.items() if not key.startswith("_")}


class Calibration:
    """The parameters of the synthetic world, with the weighted choices precomputed."""

    def __init__(self, data: dict, *, as_of: date) -> None:
        self.data = data
        window = data["window"]
        self.time_zone = ZoneInfo(window["time_zone"])
        # The world's activity: the months before the as-of day, that day included.
        self.as_of = self.last_day = as_of
        self.first_day = months_before(as_of, int(window["months"])) + timedelta(days=1)
        self.staff_joined = datetime.combine(
            self.first_day - timedelta(days=int(window["staff_joined_days_before"])),
            datetime.min.time(),
            self.time_zone,
        )
        # The first moment after the window (midnight after the as-of day, London time).
        self.window_end = datetime.combine(
            self.last_day + timedelta(days=1), datetime.min.time(), self.time_zone
        )
        self.scales: dict[str, dict] = data["scales"]
        self.annual_cases: dict[str, int] = data["annual_cases"]
        timing = data["reporting_time"]
        self.hours = Weighted(dict(enumerate(timing["hour"])))
        self.weekday_factors: list[float] = timing["weekday"]
        self.month_factors: list[float] = timing["month"]
        self.status = data["status"]
        self.follow_up = data["follow_up"]
        self.officers = data["officers"]
        victims = data["victims"]
        self.equality = victims["equality"]
        self.contact = victims["contact"]
        self.preferred_contact = Weighted(self.contact["preferred_contact"])
        self.summaries: dict[str, list[str]] = _public(data["summaries"])
        self.demo_accounts: list[dict] = data["demo_logins"]["accounts"]
        self.support_organisation: str = data["support_organisation"]
        self._choices: dict[tuple, Weighted] = {}

    # --- where and what ---------------------------------------------------------------

    def scale_force_codes(self, scale: str, all_codes: list[str]) -> list[str]:
        forces = self.scales[scale]["forces"]
        return list(all_codes) if forces == "all" else list(forces)

    def area_weight(self, force_code: str, area_name: str) -> float:
        return float(self.data["area_weights"].get(force_code, {}).get(area_name, 1))

    def crime_mix(self, force_code: str) -> dict[str, float]:
        mix = self.data["crime_mix"]
        return {**mix["default"], **mix["force_overrides"].get(force_code, {})}

    def channels(self, crime_code: str) -> Weighted:
        return self._memo(("channels", crime_code), lambda: self.channel_weights(crime_code))

    def channel_weights(self, crime_code: str) -> dict[str, float]:
        mix = self.data["channel_mix"]
        return mix["crime_overrides"].get(crime_code, mix["default"])

    def occurred_mean_hours(self, crime_code: str) -> float:
        lag = self.data["occurred_before_report"]
        return float(lag["mean_hours"].get(crime_code, lag["default_mean_hours"]))

    @property
    def occurred_unknown_share(self) -> float:
        return float(self.data["occurred_before_report"]["unknown_share"])

    # --- who the victims are ----------------------------------------------------------

    def recorded_ground_chances(self, crime_code: str) -> dict[str, float]:
        """Chance a victim of the crime type is recorded with each enhanced ground (those
        derived from the report come from the real rules, not from here)."""
        recorded = self.data["victims"]["enhanced"]["recorded"]
        return {**recorded["default"], **recorded["crime_overrides"].get(crime_code, {})}

    def hate_element_share(self, crime_code: str) -> float:
        """Share of reports of the crime type recorded with a hate element."""
        return float(self.data["victims"]["enhanced"]["hate_element"].get(crime_code, 0.0))

    def equality_choice(self, question: str, crime_code: str) -> Weighted:
        """Age band, sex or disability answers for victims of a crime type."""
        spec = self.equality[question]
        return self._memo(
            (question, crime_code),
            lambda: spec["crime_overrides"].get(crime_code, spec["default"]),
        )

    def ethnicity_choice(self, force_code: str, area_name: str, crime_code: str) -> Weighted:
        spec = self.equality["ethnicity"]
        return self._memo(
            ("ethnicity", force_code, area_name, crime_code),
            lambda: (
                spec["crime_overrides"].get(crime_code)
                or spec["areas"].get(force_code, {}).get(area_name)
                or spec["forces"].get(force_code)
                or spec["default"]
            ),
        )

    def phone_safety(self, crime_code: str) -> Weighted:
        spec = self.contact["phone_is_safe"]
        return self._memo(
            ("phone_is_safe", crime_code),
            lambda: spec["crime_overrides"].get(crime_code, spec["default"]),
        )

    def _memo(self, key: tuple, weights: Callable[[], Mapping]) -> Weighted:
        """The weighted choice for ``key``, built once: the generator asks millions of times."""
        choice = self._choices.get(key)
        if choice is None:
            choice = self._choices[key] = Weighted(weights())
        return choice


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def demo_as_of(as_of: date | None = None) -> date:
    """The last day of the demo world's activity: ``as_of`` if given, else the
    ``VICTIMCARE_DEMO_AS_OF`` setting, else today in London."""
    if as_of is not None:
        return as_of
    pinned = getattr(settings, "DEMO_AS_OF", None)
    if pinned is not None:
        return pinned
    return timezone.localdate(timezone=ZoneInfo(_world_data()["window"]["time_zone"]))


@cache
def _world_data() -> dict:
    with WORLD_FILE.open(encoding="utf-8") as file:
        return json.load(file)


@cache
def _calibration_on(as_of: date) -> Calibration:
    return Calibration(_world_data(), as_of=as_of)


def calibration(as_of: date | None = None) -> Calibration:
    """The calibration in data/world.json (read once per process) for a world whose
    activity runs up to ``as_of`` (default: ``demo_as_of()``)."""
    return _calibration_on(demo_as_of(as_of))
