"""The demo world's window: a year of activity up to its as-of day."""

from __future__ import annotations

from datetime import date

import pytest

from victimcare.demo.calibration import calibration, demo_as_of, months_before


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 9, 30), 12, date(2025, 9, 30)),
        (date(2026, 12, 2), 12, date(2025, 12, 2)),
        (date(2028, 2, 29), 12, date(2027, 2, 28)),  # no 29 February that year
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


@pytest.mark.parametrize(
    ("as_of", "first_day"),
    [(date(2026, 9, 30), date(2025, 10, 1)), (date(2026, 12, 2), date(2025, 12, 3))],
)
def test_the_window_is_the_year_up_to_the_as_of_day(as_of, first_day):
    window = calibration(as_of)
    assert (window.first_day, window.last_day) == (first_day, as_of)
    assert window.staff_joined.date() < first_day


def test_the_as_of_day_is_given_else_the_setting_else_today(settings, monkeypatch):
    assert demo_as_of(date(2026, 1, 5)) == date(2026, 1, 5)
    settings.DEMO_AS_OF = date(2026, 9, 30)
    assert demo_as_of() == date(2026, 9, 30)
    settings.DEMO_AS_OF = None
    monkeypatch.setattr(
        "victimcare.demo.calibration.timezone.localdate", lambda timezone=None: date(2026, 12, 2)
    )
    assert demo_as_of() == date(2026, 12, 2)
    assert calibration().last_day == date(2026, 12, 2)
