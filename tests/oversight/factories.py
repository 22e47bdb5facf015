"""Builders for oversight tests: forces in a peer group with synthetic survey responses."""

from __future__ import annotations

from datetime import date

from tests.factories import force_make
from victimcare.demo.synthetic import responses_bulk_create
from victimcare.forces.models import Force
from victimcare.oversight.periods import Quarter, month_shift

QUARTER = Quarter(2026, 3)


def forces_make() -> list[Force]:
    return [
        force_make("MPS", "Metropolitan Police Service"),
        force_make("GMP", "Greater Manchester Police"),
        force_make("WMP", "West Midlands Police"),
    ]


def responses_make(
    forces: list[Force] | None = None,
    *,
    per_month: int = 60,
    months: int = 24,
    seed: int = 3,
    first_month: date | None = None,
) -> list[Force]:
    """Synthetic responses for the ``months`` to September 2026 (by default the 24 that a
    dashboard of 2026Q3 uses; the Met about 10 points below its peers)."""
    forces = forces or forces_make()
    first_month = first_month or month_shift(QUARTER.last_month, -(months - 1))
    responses_bulk_create(
        forces=forces,
        first_month=first_month,
        months=months,
        per_month=per_month,
        areas=4,
        seed=seed,
    )
    return forces
