"""Synthetic people and cases, drawn from seeded random streams.

Nothing here writes to the database: the generator hands back unsaved rows, a day at
a time, and services.py stores them in batches. The same seed gives the same rows.

``random`` is used on purpose (not ``secrets``): this is reproducible synthetic data,
not anything secret, hence the ``noqa: S311`` markers.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from random import Random

from faker import Faker

from victimcare.cases.constants import (
    PREFER_NOT_TO_SAY,
    AgeBand,
    Channel,
    ContactMethod,
    EventKind,
)
from victimcare.cases.grounds import (
    grounds_derive,
    grounds_entries,
    grounds_flags,
    grounds_recorded,
)
from victimcare.cases.models import Case, CaseEvent, Victim, VictimPersonalDetails
from victimcare.cases.services import format_reference
from victimcare.demo.calibration import Calibration, Weighted
from victimcare.demo.timeline import CaseTimeline
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake.services import ONLINE_GROUNDS_BY

# Ofcom reserves 07700 900000 to 07700 900999 for drama: nobody real is ever texted.
DRAMA_MOBILE_PREFIX = "07700 900"
# RFC 2606 reserves these domains for examples: nobody real is ever emailed.
VICTIM_EMAIL_DOMAINS = ("example.com", "example.org")

AGE_YEARS: dict[str, tuple[int, int]] = {
    AgeBand.UNDER_16: (10, 15),
    AgeBand.AGE_16_24: (16, 24),
    AgeBand.AGE_25_34: (25, 34),
    AgeBand.AGE_35_44: (35, 44),
    AgeBand.AGE_45_54: (45, 54),
    AgeBand.AGE_55_64: (55, 64),
    AgeBand.AGE_65_PLUS: (65, 92),
}

# Who records enhanced grounds given with a report, by channel (an officer's report: the
# officer; see _grounds).
GROUNDS_RECORDED_WITH_REPORT_BY: dict[str, str] = {
    Channel.ONLINE: ONLINE_GROUNDS_BY,
    Channel.RECORDS_SYSTEM: "records system (synthetic)",
}
GROUNDS_BY_STAFF = "call handler (synthetic)"
NEEDS_ASSESSMENT_REASON = "Assessed at the needs assessment"
REPORT_REASON = "Recorded with the report"

_NOT_LETTERS = re.compile(r"[^a-z]")


@dataclass(frozen=True)
class PeoplePools:
    """Fake names and addresses from Faker (en_GB), drawn once and then combined at random:
    calling Faker for each of six million victims would take hours."""

    female_names: tuple[str, ...]
    male_names: tuple[str, ...]
    family_names: tuple[str, ...]
    streets: tuple[str, ...]
    postcodes: tuple[str, ...]

    @classmethod
    def from_faker(cls, seed: int, size: int = 1500) -> PeoplePools:
        fake = Faker("en_GB")
        fake.seed_instance(seed)

        def unique(make, count: int) -> tuple[str, ...]:
            return tuple(dict.fromkeys(make() for _ in range(count)))

        return cls(
            female_names=unique(fake.first_name_female, size),
            male_names=unique(fake.first_name_male, size),
            family_names=unique(fake.last_name, size),
            streets=unique(lambda: fake.street_address().replace("\n", ", "), size * 2),
            postcodes=unique(fake.postcode, size * 2),
        )

    def given_name(self, rng: Random, sex: str) -> str:
        if sex == "female":
            return rng.choice(self.female_names)
        if sex == "male":
            return rng.choice(self.male_names)
        return rng.choice(self.female_names if rng.random() < 0.5 else self.male_names)


@dataclass(frozen=True)
class Officer:
    """A synthetic officer who can be in charge of cases."""

    user_id: int
    display_name: str  # "PC Jo Bloggs"
    username: str = ""


@dataclass(eq=False)  # compared and hashed by identity: a weighted-choice key
class AreaPlan:
    """An area of a force in the demo world: its share of cases and its officers."""

    area: Area
    weight: float
    officers: list[Officer] = field(default_factory=list)
    # Named demo officers, each given a caseload of recent open cases (see ForceCases).
    caseload_officers: list[Officer] = field(default_factory=list)


@dataclass
class CaseRows:
    """One reported crime as unsaved rows, linked to each other by instance."""

    case: Case
    victim: Victim
    details: VictimPersonalDetails
    events: list[CaseEvent]


def poisson(rng: Random, mean: float) -> int:
    """A Poisson count; a normal approximation for large means keeps it fast."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class ForceCases:
    """One force's year of reported crimes, produced day by day in reporting order, with
    crime references numbered in that order."""

    def __init__(
        self,
        *,
        force: Force,
        areas: list[AreaPlan],
        crime_types: dict[str, CrimeType],
        cases_per_year: float,
        seed: int,
        calibration: Calibration,
        pools: PeoplePools,
        last_numbers: dict[int, int],
        until: datetime | None = None,
    ) -> None:
        self.force = force
        self.seed = seed
        self.calibration = calibration
        self.pools = pools
        self.crime_types = crime_types
        # Each force draws from its own stream, so one force's cases do not depend on
        # which other forces are in the world.
        self.rng = Random(f"victimcare-demo:{seed}:cases:{force.code}")  # noqa: S311 (synthetic data, reproducible from the seed)
        self.last_numbers = dict(last_numbers)
        self.area_plans = areas
        self.areas = Weighted({plan: plan.weight for plan in areas})
        mix = calibration.crime_mix(force.code)
        self.crimes = Weighted({code: mix.get(code, 0) for code in crime_types})
        self.daily_means = self._daily_means(cases_per_year)
        # The world's last instant: the end of its as-of day, or ``until`` (the moment
        # of building, when that day is today). Nothing is reported or done after it.
        self.end = min(calibration.window_end, until or calibration.window_end).astimezone(
            UTC
        ) - timedelta(seconds=1)
        status = calibration.status
        self.recent_days = int(status["recent_days"])
        self.recent_status = Weighted(status["recent"])
        self.older_status = Weighted(status["older"])
        self.officer_share = status["officer_in_charge_share"]
        self.timeline = CaseTimeline(rng=self.rng, calibration=calibration, end=self.end)

    def _daily_means(self, cases_per_year: float) -> list[tuple[date, float]]:
        calibration = self.calibration
        days = []
        day = calibration.first_day
        while day <= calibration.last_day:
            weight = (
                calibration.weekday_factors[day.weekday()]
                * calibration.month_factors[day.month - 1]
            )
            days.append((day, weight))
            day += timedelta(days=1)
        total = sum(weight for _, weight in days)
        return [(day, cases_per_year * weight / total) for day, weight in days]

    @property
    def expected_cases(self) -> float:
        return sum(mean for _, mean in self.daily_means)

    def _reported_at(self, rng: Random, day: date) -> datetime:
        return datetime(
            day.year,
            day.month,
            day.day,
            self.calibration.hours.pick(rng),
            rng.randrange(60),
            rng.randrange(60),
            tzinfo=self.calibration.time_zone,
        ).astimezone(UTC)

    def _caseloads(self) -> dict[date, list[tuple]]:
        """The named demo officers' own recent open cases, by day: drawn from a stream of
        their own, so the rest of the world does not depend on them."""
        spec = self.calibration.officers["demo_login_caseload"]
        rng = Random(f"victimcare-demo:{self.seed}:caseload:{self.force.code}")  # noqa: S311 (synthetic data, reproducible from the seed)
        statuses = Weighted(spec["status"])
        by_day: dict[date, list[tuple]] = {}
        for plan in self.area_plans:
            for officer in plan.caseload_officers:
                for _ in range(int(spec["cases"])):
                    day = self.calibration.last_day - timedelta(days=rng.randrange(spec["days"]))
                    draft = (
                        self._reported_at(rng, day),
                        plan,
                        self.crimes.pick(rng),
                        officer,
                        statuses.pick(rng),
                    )
                    by_day.setdefault(day, []).append(draft)
        return by_day

    def days(self) -> Iterator[list[CaseRows]]:
        """Each day's cases, in the order they were reported, up to the world's end."""
        rng = self.rng
        caseloads = self._caseloads()
        for day, mean in self.daily_means:
            drafts: list[tuple] = []
            for _ in range(poisson(rng, mean)):
                reported_at = self._reported_at(rng, day)
                drafts.append((reported_at, self.areas.pick(rng), self.crimes.pick(rng), None, ""))
            drafts.extend(caseloads.get(day, []))
            # By instant, not clock time (the clocks go forward one night a year); the sort
            # is stable, so reports in the same second keep their drawing order. Reports
            # after the world's end (later on the day it is built) have not happened yet.
            drafts.sort(key=itemgetter(0))
            yield [self._case(day, *draft) for draft in drafts if draft[0] <= self.end]

    # --- one case ---------------------------------------------------------------------

    def _case(
        self,
        day: date,
        reported_at: datetime,
        plan: AreaPlan,
        crime_code: str,
        caseload_officer: Officer | None,
        caseload_status: str,
    ) -> CaseRows:
        rng, calibration = self.rng, self.calibration
        number = self.last_numbers.get(day.year, 0) + 1
        self.last_numbers[day.year] = number
        reference = format_reference(force_code=self.force.code, year=day.year, number=number)
        channel = calibration.channels(crime_code).pick(rng)
        occurred_at = None
        if rng.random() >= calibration.occurred_unknown_share:
            mean_hours = calibration.occurred_mean_hours(crime_code)
            occurred_at = reported_at - timedelta(
                minutes=round(60 * rng.expovariate(1 / mean_hours)) + 5
            )
        hate_element = rng.random() < calibration.hate_element_share(crime_code)
        if caseload_officer is not None:
            status, officer = caseload_status, caseload_officer
        else:
            age_days = (calibration.last_day - day).days
            status = (
                self.recent_status if age_days < self.recent_days else self.older_status
            ).pick(rng)
            officer = None
            share = self.officer_share.get(status, self.officer_share["default"])
            if plan.officers and rng.random() < share:
                officer = rng.choice(plan.officers)
        case = Case(
            reference=reference,
            force_id=self.force.pk,
            area_id=plan.area.pk,
            crime_type_id=self.crime_types[crime_code].pk,
            reported_at=reported_at,
            occurred_at=occurred_at,
            channel=channel,
            status=status,
            officer_in_charge_id=officer.user_id if officer else None,
            recorded_by_id=officer.user_id if officer and channel == Channel.OFFICER else None,
            summary=rng.choice(calibration.summaries[crime_code]),
            hate_element=hate_element,
        )
        victim, details, recorded = self._victim(case, day, plan, crime_code)
        events = self.timeline.events(case, officer, details)
        self._grounds(case, crime_code, victim, details, officer, recorded, events)
        return CaseRows(case=case, victim=victim, details=details, events=events)

    def _grounds(
        self,
        case: Case,
        crime_code: str,
        victim: Victim,
        details: VictimPersonalDetails,
        officer: Officer | None,
        recorded: list[str],
        events: list[CaseEvent],
    ) -> None:
        """The victim's enhanced grounds, as the real services would record them: derived
        from the report by the Code's rules (cases/grounds.py); the ``recorded`` ones by
        the officer at the needs assessment (with an 'enhanced entitlement changed' event
        when it changes the entitlement, as victim_enhanced_grounds_record adds), or, with
        no assessment, with the report."""
        crime_type = self.crime_types[crime_code]
        offence = case.occurred_at or case.reported_at
        derived = grounds_derive(
            crime_type_name=crime_type.name,
            crime_type_most_serious=crime_type.most_serious_crime,
            hate_element=case.hate_element,
            date_of_birth=details.date_of_birth,
            age_band=victim.age_band,
            offence_day=offence.astimezone(self.calibration.time_zone).date(),
        )
        entries = grounds_entries(derived=derived, recorded=(), recorded_by="", at=case.reported_at)
        assessed = next((e for e in events if e.kind == EventKind.NEEDS_ASSESSED), None)
        if recorded and assessed is not None and officer is not None:
            before = grounds_flags(entries)
            entries = grounds_entries(
                derived=derived,
                recorded=recorded,
                recorded_by=officer.username,
                at=assessed.at,
                recorded_reason=NEEDS_ASSESSMENT_REASON,
            )
            after = grounds_flags(entries)
            if after != before:
                changed = CaseEvent(
                    case=case,
                    kind=EventKind.ENHANCED_GROUNDS_CHANGED,
                    at=assessed.at,
                    recorded_at=assessed.recorded_at,
                    by_id=assessed.by_id,
                    # The victim's id is filled in when the rows are stored.
                    detail={
                        "before": sorted(g for g, held in before.items() if held),
                        "after": sorted(g for g, held in after.items() if held),
                        "recorded": grounds_recorded(entries),
                    },
                    victim_text="",
                )
                events.insert(events.index(assessed) + 1, changed)
        elif recorded:
            by = GROUNDS_RECORDED_WITH_REPORT_BY.get(case.channel, GROUNDS_BY_STAFF)
            if case.channel == Channel.OFFICER and officer is not None:
                by = officer.username
            entries = grounds_entries(
                derived=derived,
                recorded=recorded,
                recorded_by=by,
                at=case.reported_at,
                recorded_reason=REPORT_REASON,
            )
        victim.enhanced_grounds = entries
        for ground, held in grounds_flags(entries).items():
            setattr(victim, ground, held)

    def _victim(
        self, case: Case, day: date, plan: AreaPlan, crime_code: str
    ) -> tuple[Victim, VictimPersonalDetails, list[str]]:
        """The victim, their details, and the enhanced grounds someone will record for
        them (the derived ones follow in _grounds)."""
        rng, calibration, pools = self.rng, self.calibration, self.pools
        recorded = [
            ground
            for ground, chance in calibration.recorded_ground_chances(crime_code).items()
            if rng.random() < chance
        ]
        age_band = self._answer(calibration.equality_choice("age_band", crime_code))
        sex = self._answer(calibration.equality_choice("sex", crime_code))
        disability = self._answer(calibration.equality_choice("disability", crime_code))
        ethnicity = self._answer(
            calibration.ethnicity_choice(self.force.code, plan.area.name, crime_code)
        )
        victim = Victim(
            case=case,
            pseudonym=uuid.UUID(int=rng.getrandbits(128), version=4),
            age_band=age_band,
            sex=sex,
            ethnicity=ethnicity,
            disability=disability,
        )
        given_name = pools.given_name(rng, sex)
        family_name = rng.choice(pools.family_names)
        low, high = AGE_YEARS.get(age_band, (18, 80))
        date_of_birth = None
        if rng.random() < 0.9:
            date_of_birth = date(day.year - rng.randint(low, high), 1, 1) + timedelta(
                days=rng.randrange(365)
            )
        contact = calibration.contact
        email = ""
        if rng.random() < contact["email_share"]:
            email = (
                f"{_NOT_LETTERS.sub('', given_name.lower())}."
                f"{_NOT_LETTERS.sub('', family_name.lower())}{rng.randrange(10, 100)}"
                f"@{rng.choice(VICTIM_EMAIL_DOMAINS)}"
            )
        phone = ""
        if rng.random() < contact["phone_share"]:
            phone = f"{DRAMA_MOBILE_PREFIX}{rng.randrange(1000):03d}"
        preferred = calibration.preferred_contact.pick(rng)
        if preferred == ContactMethod.EMAIL and not email:
            preferred = ContactMethod.SMS if phone else ContactMethod.LETTER
        elif preferred in (ContactMethod.SMS, ContactMethod.PHONE) and not phone:
            preferred = ContactMethod.EMAIL if email else ContactMethod.LETTER
        phone_is_safe = None
        if phone:
            phone_is_safe = {"yes": True, "no": False, "unknown": None}[
                calibration.phone_safety(crime_code).pick(rng)
            ]
        times_to_avoid = ""
        if rng.random() < contact["times_to_avoid_share"]:
            times_to_avoid = rng.choice(contact["times_to_avoid"])
        details = VictimPersonalDetails(
            victim=victim,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            email=email,
            phone=phone,
            address=f"{rng.choice(pools.streets)}, {plan.area.name}",
            postcode=rng.choice(pools.postcodes),
            preferred_contact=preferred,
            times_to_avoid=times_to_avoid,
            phone_is_safe=phone_is_safe,
        )
        return victim, details, recorded

    def _answer(self, choice: Weighted) -> str:
        """An equality answer: sometimes not asked (blank), sometimes declined."""
        equality = self.calibration.equality
        draw = self.rng.random()
        if draw < equality["blank_share"]:
            return ""
        if draw < equality["blank_share"] + equality["prefer_not_to_say_share"]:
            return PREFER_NOT_TO_SAY
        return choice.pick(self.rng)
