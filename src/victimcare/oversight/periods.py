"""Quarters and months: the periods oversight reports on.

A period is a calendar quarter (``2026Q3``: July to September 2026). Survey months are
the months of the reports sampled (``Response.month``), kept as ``"YYYY-MM"`` text in
frames so that they sort and print as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from victimcare.core.periods import PeriodError as PeriodError  # re-exported
from victimcare.core.periods import year_check

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
QUARTER_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


def month_shift(first: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``first``'s month."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def month_label(key: str) -> str:
    """``"2026-09"`` -> ``"Sep 2026"``."""
    year, month = key.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"


def months_between(first: date, last: date) -> list[str]:
    """Month keys from ``first`` to ``last`` inclusive."""
    out, day = [], date(first.year, first.month, 1)
    while day <= last:
        out.append(month_key(day))
        day = month_shift(day, 1)
    return out


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"2026Q3"`` (also ``2026-Q3``, ``2026q3``); the year from 2000 to next year
        (``PeriodError`` otherwise, so a quarter before or after is always a real date)."""
        match = QUARTER_PATTERN.match(text or "")
        if not match:
            shown = text if len(text or "") <= 20 else f"{text[:20]}..."
            raise PeriodError(f"a period is a quarter such as 2026Q3, not {shown!r}")
        year_check(int(match.group(1)), what="The quarter's year")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_month(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_month(self) -> date:
        return date(self.year, 3 * self.number, 1)

    @property
    def months(self) -> list[str]:
        return months_between(self.first_month, self.last_month)

    @property
    def label(self) -> str:
        """``"Jul to Sep 2026"``."""
        first, last = self.first_month.month, self.last_month.month
        return f"{MONTH_NAMES[first - 1]} to {MONTH_NAMES[last - 1]} {self.year}"

    @property
    def end(self) -> date:
        """The last day of the quarter."""
        return date.fromordinal(month_shift(self.last_month, 1).toordinal() - 1)

    def shift(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> Quarter:
        return self.shift(-1)

    def year_before(self) -> Quarter:
        return self.shift(-4)

    def __str__(self) -> str:
        return self.code


def twelve_months_to(last_month: date) -> list[str]:
    """The 12 month keys ending with ``last_month`` (a rolling year)."""
    return months_between(month_shift(last_month, -11), last_month)
