"""The demo world's victims are enhanced (Victims' Code) in the proportions a force would
see, through the real rules, and the clock gives them the enhanced deadlines."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from victimcare.care.models import Obligation
from victimcare.cases.constants import EnhancedGround, EventKind, GroundSource
from victimcare.cases.models import CaseEvent, Victim
from victimcare.core.timezones import LONDON
from victimcare.demo.calibration import calibration
from victimcare.demo.services import demo_world_build
from victimcare.forces.models import CrimeType

pytestmark = pytest.mark.django_db

CASES_PER_FORCE = 400
FORCES = ("MPS", "GMP", "WMP")
# Under 18 at the offence among victims in the 16-24 band with a date of birth: ages 16
# and 17, and half of those drawn as 18 (their birthday is still to come that year).
UNDER_18_OF_16_24 = 5 / 18
# Victims with no age band answer get a date of birth 18 to 80 years back: half of the
# 18-year-olds are 17 at the offence.
UNDER_18_OF_UNANSWERED = 0.5 / 63
DATE_OF_BIRTH_SHARE = 0.9


def expected_shares() -> dict[str, float]:
    """Each ground's share (and the enhanced share) that data/world.json implies for the
    small world (the three forces equally, as cases_per_force builds them)."""
    world = calibration()
    most_serious = dict(CrimeType.objects.values_list("code", "most_serious_crime"))
    equality = world.equality
    unanswered = equality["blank_share"] + equality["prefer_not_to_say_share"]
    totals = dict.fromkeys([*EnhancedGround.values, "enhanced"], 0.0)
    for force in FORCES:
        mix = world.crime_mix(force)
        mix_total = sum(mix.values())
        for crime, weight in mix.items():
            share = weight / mix_total / len(FORCES)
            bands = world.equality_choice("age_band", crime).shares()
            under_18 = (1 - unanswered) * (
                bands["under_16"] + bands["16_24"] * DATE_OF_BIRTH_SHARE * UNDER_18_OF_16_24
            ) + unanswered * DATE_OF_BIRTH_SHARE * UNDER_18_OF_UNANSWERED
            recorded = world.recorded_ground_chances(crime)
            grounds = {
                EnhancedGround.MOST_SERIOUS_CRIME: 1.0
                if most_serious[crime]
                else world.hate_element_share(crime),
                EnhancedGround.VULNERABLE: 1 - (1 - under_18) * (1 - recorded["vulnerable"]),
                EnhancedGround.PERSISTENTLY_TARGETED: recorded["persistently_targeted"],
                EnhancedGround.INTIMIDATED: recorded["intimidated"],
            }
            for ground, chance in grounds.items():
                totals[ground] += share * chance
            totals["enhanced"] += share * (1 - math.prod(1 - c for c in grounds.values()))
    return totals


def _working_days_between(start, end) -> int:
    """Weekdays from the day after ``start`` up to ``end`` (London days)."""
    first, last = start.astimezone(LONDON).date(), end.astimezone(LONDON).date()
    days, day = 0, first
    while day < last:
        day += timedelta(days=1)
        days += day.weekday() < 5
    return days


def test_enhanced_victims_come_in_the_proportions_the_calibration_gives():
    """About a third of victims are enhanced, most for the crime (domestic abuse, sexual
    offences, hate), then the young; each ground's share is within four standard errors
    of what data/world.json implies."""
    demo_world_build(scale="small", seed=3, cases_per_force=CASES_PER_FORCE)
    victims = list(Victim.objects.all())
    total = len(victims)
    expected = expected_shares()
    observed = {ground: sum(getattr(v, ground) for v in victims) for ground in EnhancedGround}
    observed["enhanced"] = sum(v.is_enhanced for v in victims)
    for name, share in expected.items():
        error = math.sqrt(share * (1 - share) / total)
        assert abs(observed[name] / total - share) < 4 * error + 0.01, (name, observed[name])
    assert 0.25 < observed["enhanced"] / total < 0.4
    # Domestic abuse: about one victim in six.
    abuse = Victim.objects.filter(case__crime_type__code="domestic-abuse").count()
    assert 0.1 < abuse / total < 0.2


def test_grounds_are_derived_or_recorded_and_the_clock_gives_the_enhanced_deadlines():
    demo_world_build(scale="small", seed=3, cases_per_force=CASES_PER_FORCE)
    victims = Victim.objects.select_related("case__crime_type", "personal_details")
    sources = set()
    for victim in victims:
        entries = victim.enhanced_grounds or []
        held = {e["ground"] for e in entries}
        # The booleans the clock reads are the summary of the entries.
        assert {g for g in EnhancedGround.values if getattr(victim, g)} == held
        if victim.case.crime_type.most_serious_crime or victim.case.hate_element:
            assert EnhancedGround.MOST_SERIOUS_CRIME in held
        for entry in entries:
            sources.add((entry["ground"], entry["source"]))
            if entry["source"] == GroundSource.RECORDED:
                assert entry["by"]
                assert entry["reason"]
    assert (EnhancedGround.VULNERABLE, GroundSource.DERIVED) in sources  # under 18
    assert (EnhancedGround.VULNERABLE, GroundSource.RECORDED) in sources
    assert (EnhancedGround.INTIMIDATED, GroundSource.RECORDED) in sources
    assert (EnhancedGround.PERSISTENTLY_TARGETED, GroundSource.RECORDED) in sources
    # A hate element added to another crime makes it one of the most serious.
    assert Victim.objects.filter(
        case__hate_element=True, case__crime_type__most_serious_crime=False, most_serious_crime=True
    ).exists()
    # Grounds recorded at the needs assessment change the entitlement with an event, as
    # victim_enhanced_grounds_record does.
    changed = CaseEvent.objects.filter(kind=EventKind.ENHANCED_GROUNDS_CHANGED)
    assert changed.exists()
    for event in changed[:20]:
        victim = Victim.objects.get(pk=event.detail["victim"])
        assert victim.case_id == event.case_id
        assert set(event.detail["after"]) - set(event.detail["before"])
    # The clock gives enhanced victims their deadlines: told of a decision within one
    # working day when enhanced, five otherwise (weekdays counted: a weekend start or a
    # bank holiday between adds a day or two).
    updates = Obligation.objects.filter(code="decision_update").select_related("victim")
    enhanced = [o for o in updates if o.victim.is_enhanced]
    standard = [o for o in updates if not o.victim.is_enhanced]
    assert enhanced
    assert standard
    assert all(_working_days_between(o.triggered_at, o.due_at) <= 3 for o in enhanced)
    assert all(_working_days_between(o.triggered_at, o.due_at) >= 5 for o in standard)
