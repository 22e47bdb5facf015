"""When a Victims' Code obligation falls due: working days in Europe/London.

"Within N working days of T" means by 23:59:59 Europe/London on the Nth working day
after the calendar day (in London) of T. Working days are Monday to Friday, less the
bank holidays of England and Wales, substitute days included. ``holidays.UK`` names
England's calendar ``subdiv="ENG"`` (Wales, ``"WLS"``, has the same bank holidays) and
lists substitute days as "... (observed)" entries.

"Every N days" (recurring obligations) counts calendar days from the calendar day of T,
due at 23:59:59 London on the last day.

One table serves both the single-case clock and the bulk rebuild: ``WorkingDayTable``
holds, for every calendar day in its range, how many working days have passed up to and
including that day, and the dates of the working days in order, so "the Nth working day
after D" is two array look-ups (numpy for whole columns, plain indexing for one value).
The same numbers fill the ``care.CalendarDay`` table that the PostgreSQL rebuild joins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
import numpy as np

from victimcare.core.timezones import LONDON

END_OF_DAY = time(23, 59, 59)
FIRST_YEAR, LAST_YEAR = 2000, 2060


@lru_cache(maxsize=8)
def bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> frozenset[date]:
    """England and Wales bank holidays (substitute days included) in the years given."""
    calendar = holidays.UK(subdiv="ENG", years=range(first_year, last_year + 1))
    return frozenset(calendar.keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays()


class WorkingDayTable:
    """Working-day arithmetic over a fixed range of calendar days, as numpy arrays."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.base = first.toordinal()
        count = last.toordinal() - self.base + 1
        days = np.arange(count, dtype=np.int64) + self.base
        weekday = (days - 1) % 7  # date.fromordinal(1) is a Monday
        holiday_ordinals = np.array(
            [d.toordinal() for d in bank_holidays() if first <= d <= last], dtype=np.int64
        )
        self.is_working = (weekday < 5) & ~np.isin(days, holiday_ordinals)
        # working days up to and including each calendar day
        self.working_index = np.cumsum(self.is_working).astype(np.int64)
        # ordinal of the k-th working day of the range (k from 1), at position k - 1
        self.working_ordinals = days[self.is_working]

    def rows(self) -> Iterator[tuple[date, bool, int]]:
        """(day, is_working, working_index) for every calendar day: the CalendarDay table."""
        for offset, (working, index) in enumerate(
            zip(self.is_working.tolist(), self.working_index.tolist(), strict=True)
        ):
            yield date.fromordinal(self.base + offset), working, index

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth working day after ``day`` (n >= 1); ``day`` itself never counts."""
        if n < 1:
            raise ValueError("n must be at least 1 working day")
        position = self.working_index[day.toordinal() - self.base] + n - 1
        return date.fromordinal(int(self.working_ordinals[position]))

    def add_working_days_many(self, day_ordinals: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """Vectorised ``add_working_days`` over date ordinals; returns date ordinals."""
        positions = self.working_index[np.asarray(day_ordinals) - self.base] + np.asarray(n) - 1
        return self.working_ordinals[positions]


@lru_cache(maxsize=1)
def working_day_table() -> WorkingDayTable:
    return WorkingDayTable(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31))


def london_day(at: datetime) -> date:
    """The calendar day in London of an aware datetime."""
    if at.tzinfo is None:
        raise ValueError("Deadlines need an aware datetime")
    return at.astimezone(LONDON).date()


def end_of_london_day(day: date) -> datetime:
    """23:59:59 in London on ``day``, as an aware datetime in UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON).astimezone(UTC)


def add_working_days(day: date, n: int) -> date:
    return working_day_table().add_working_days(day, n)


def due_within_working_days(at: datetime, n: int) -> datetime:
    """The deadline of "within ``n`` working days of ``at``", in UTC."""
    return end_of_london_day(add_working_days(london_day(at), n))


def due_after_days(at: datetime, days: int) -> datetime:
    """The deadline of "within ``days`` calendar days of ``at``", in UTC."""
    return end_of_london_day(london_day(at) + timedelta(days=days))
