"""Enhanced entitlements under the Victims' Code: which grounds a victim has, and why.

The Code gives an enhanced service (1-working-day timings, special measures) to victims of
the most serious crime, persistently targeted victims, vulnerable victims and intimidated
victims. Some grounds follow from facts the report already holds (the crime type, a hate
element, a date of birth under 18 at the time of the offence): those are *derived*. The
rest are *recorded* by someone (the victim on the online form, a member of staff, a
records system, a needs assessment). Each ground a victim has is kept as an entry saying
where it came from, by whom and when, on ``Victim.enhanced_grounds``; the four booleans
on ``Victim`` are their summary, which the Victims' Code clock reads.

Pure functions: nothing here reads or writes the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from victimcare.cases.constants import AgeBand, EnhancedGround, GroundSource

# Reasons for derived grounds, in words a victim or an officer can read.
REASON_CRIME_TYPE = "The crime ({crime}) is one of the most serious crimes in the Victims' Code"
REASON_HATE = "A hate element was recorded: a hate crime is one of the most serious crimes"
REASON_UNDER_18 = "Under 18 at the time of the offence (from the date of birth)"
REASON_UNDER_16_BAND = "Under 18 at the time of the offence (age band under 16)"
ADULT_AGE = 18


def age_on(*, born: date, on: date) -> int:
    """Whole years of age on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def grounds_derive(
    *,
    crime_type_name: str,
    crime_type_most_serious: bool,
    hate_element: bool,
    date_of_birth: date | None,
    age_band: str,
    offence_day: date,
) -> list[tuple[str, str]]:
    """The grounds that follow from the report's facts: (ground, reason) pairs, at most
    one per ground.

    Every victim under 18 at the time of the offence is vulnerable: from the date of birth
    when it is known (it decides, even against the age band), else from an age band that
    lies wholly under 18.
    """
    derived: list[tuple[str, str]] = []
    if crime_type_most_serious:
        derived.append(
            (EnhancedGround.MOST_SERIOUS_CRIME, REASON_CRIME_TYPE.format(crime=crime_type_name))
        )
    elif hate_element:
        derived.append((EnhancedGround.MOST_SERIOUS_CRIME, REASON_HATE))
    if date_of_birth is not None:
        if age_on(born=date_of_birth, on=offence_day) < ADULT_AGE:
            derived.append((EnhancedGround.VULNERABLE, REASON_UNDER_18))
    elif age_band == AgeBand.UNDER_16:
        derived.append((EnhancedGround.VULNERABLE, REASON_UNDER_16_BAND))
    return derived


def grounds_entries(
    *,
    derived: Iterable[tuple[str, str]],
    recorded: Iterable[str],
    recorded_by: str,
    at: datetime,
    recorded_reason: str = "",
    kept: Iterable[dict] = (),
) -> list[dict]:
    """The entries stored on a victim: each derived ground with its reason, then each
    recorded ground (not already derived) saying who recorded it.

    ``kept`` are earlier recorded entries to keep as they are (with their own who and
    when) when the same ground is recorded again.
    """
    stamp = at.isoformat()
    entries = [
        {"ground": str(g), "source": GroundSource.DERIVED, "reason": reason, "by": "", "at": stamp}
        for g, reason in derived
    ]
    have = {e["ground"] for e in entries}
    earlier = {e["ground"]: e for e in kept if e.get("source") == GroundSource.RECORDED}
    for ground in recorded:
        ground = str(ground)
        if ground in have:
            continue
        have.add(ground)
        entries.append(
            earlier.get(ground)
            or {
                "ground": ground,
                "source": GroundSource.RECORDED,
                "reason": recorded_reason,
                "by": recorded_by,
                "at": stamp,
            }
        )
    return entries


def grounds_flags(entries: Iterable[dict]) -> dict[str, bool]:
    """The four booleans on Victim for a list of entries."""
    held = {e["ground"] for e in entries}
    return {ground: ground in held for ground in EnhancedGround.values}


def grounds_recorded(entries: Iterable[dict] | None) -> list[str]:
    """The recorded (not derived) grounds among the entries."""
    return [e["ground"] for e in entries or () if e.get("source") == GroundSource.RECORDED]


def grounds_unknown(grounds: Iterable[str]) -> list[str]:
    """Those of ``grounds`` that are not enhanced grounds."""
    return [g for g in grounds if g not in EnhancedGround.values]
