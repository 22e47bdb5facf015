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
    CaseStatus,
    Channel,
    ContactMethod,
    EventKind,
)
from victimcare.cases.models import Case, CaseEvent, Victim, VictimPersonalDetails
from victimcare.cases.services import format_reference
from victimcare.demo.calibration import Calibration, Weighted
from victimcare.forces.models import Area, CrimeType, Force

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

# What a victim reads about each event in Track my case.
DECISION_TEXT: dict[str, str] = {
    CaseStatus.CHARGED: "Someone has been charged. Your officer will explain what happens next.",
    CaseStatus.NOT_INVESTIGATED: (
        "We have looked at everything available and will not investigate further for now. "
        "Your officer can tell you why, and we will contact you if anything new comes to light."
    ),
    CaseStatus.CLOSED: "The investigation has ended. Your officer can tell you the outcome.",
}
STATUS_TEXT: dict[str, str] = {
    CaseStatus.UNDER_INVESTIGATION: "Your case is being investigated.",
    CaseStatus.SUSPECT_IDENTIFIED: "A suspect has been identified.",
}
# The decision each final status records, in the Victims' Code clock's terms.
DECISION_OUTCOME: dict[str, str] = {
    CaseStatus.CHARGED: "charge",
    CaseStatus.NOT_INVESTIGATED: "not_investigated",
    CaseStatus.CLOSED: "no_further_action",
}
# How long after the report a decision is made (days, uniformly spread).
DECISION_DAYS: dict[str, tuple[int, int]] = {
    CaseStatus.NOT_INVESTIGATED: (1, 10),
    CaseStatus.CHARGED: (7, 90),
    CaseStatus.CLOSED: (14, 120),
}

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


@dataclass(eq=False)  # compared and hashed by identity: a weighted-choice key
class AreaPlan:
    """An area of a force in the demo world: its share of cases and its officers."""

    area: Area
    weight: float
    officers: list[Officer] = field(default_factory=list)


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
    ) -> None:
        self.force = force
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
        self.end = datetime.combine(
            calibration.last_day + timedelta(days=1), datetime.min.time(), calibration.time_zone
        ).astimezone(UTC) - timedelta(seconds=1)
        status = calibration.status
        self.recent_days = int(status["recent_days"])
        self.recent_status = Weighted(status["recent"])
        self.older_status = Weighted(status["older"])
        self.officer_share = status["officer_in_charge_share"]

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

    def days(self) -> Iterator[list[CaseRows]]:
        """Each day's cases, in the order they were reported."""
        rng = self.rng
        hours = self.calibration.hours
        time_zone = self.calibration.time_zone
        for day, mean in self.daily_means:
            drafts = []
            for _ in range(poisson(rng, mean)):
                reported_at = datetime(
                    day.year,
                    day.month,
                    day.day,
                    hours.pick(rng),
                    rng.randrange(60),
                    rng.randrange(60),
                    tzinfo=time_zone,
                ).astimezone(UTC)
                drafts.append((reported_at, self.areas.pick(rng), self.crimes.pick(rng)))
            # By instant, not clock time (the clocks go forward one night a year); the sort
            # is stable, so reports in the same second keep their drawing order.
            drafts.sort(key=itemgetter(0))
            yield [self._case(day, *draft) for draft in drafts]

    # --- one case ---------------------------------------------------------------------

    def _case(self, day: date, reported_at: datetime, plan: AreaPlan, crime_code: str) -> CaseRows:
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
        age_days = (calibration.last_day - day).days
        status = (self.recent_status if age_days < self.recent_days else self.older_status).pick(
            rng
        )
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
        )
        victim, details = self._victim(case, day, plan, crime_code)
        events = self._events(case, officer, details)
        return CaseRows(case=case, victim=victim, details=details, events=events)

    def _victim(
        self, case: Case, day: date, plan: AreaPlan, crime_code: str
    ) -> tuple[Victim, VictimPersonalDetails]:
        rng, calibration, pools = self.rng, self.calibration, self.pools
        flags = {
            ground: rng.random() < chance
            for ground, chance in calibration.enhanced_chances(crime_code).items()
        }
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
            **flags,
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
        return victim, details

    def _answer(self, choice: Weighted) -> str:
        """An equality answer: sometimes not asked (blank), sometimes declined."""
        equality = self.calibration.equality
        draw = self.rng.random()
        if draw < equality["blank_share"]:
            return ""
        if draw < equality["blank_share"] + equality["prefer_not_to_say_share"]:
            return PREFER_NOT_TO_SAY
        return choice.pick(self.rng)

    def _care_events(self, case: Case, officer: Officer, add) -> None:
        """What the officer does for the victim in the first days: written information,
        a needs assessment, a referral to support (or the victim declines one)."""
        rng, follow_up, reported = self.rng, self.calibration.follow_up, case.reported_at
        if rng.random() < follow_up["written_information"]:
            add(
                EventKind.WRITTEN_INFORMATION_SENT,
                reported + timedelta(minutes=rng.randrange(120, 8 * 24 * 60)),
                by=officer.user_id,
                victim_text="We sent you written information about your rights and what happens next.",
            )
        if rng.random() < follow_up["needs_assessed"]:
            add(
                EventKind.NEEDS_ASSESSED,
                reported + timedelta(minutes=rng.randrange(240, 9 * 24 * 60)),
                by=officer.user_id,
            )
        draw = rng.random()
        if draw < follow_up["referral_sent"]:
            add(
                EventKind.REFERRAL_SENT,
                reported + timedelta(minutes=rng.randrange(120, 4 * 24 * 60)),
                by=officer.user_id,
                victim_text="We passed your details to a support organisation, as you agreed.",
            )
        elif draw < follow_up["referral_sent"] + follow_up["referral_declined"]:
            add(
                EventKind.REFERRAL_DECLINED,
                reported + timedelta(minutes=rng.randrange(120, 4 * 24 * 60)),
                by=officer.user_id,
            )

    def _events(
        self, case: Case, officer: Officer | None, details: VictimPersonalDetails
    ) -> list[CaseEvent]:
        rng, end = self.rng, self.end
        events: list[CaseEvent] = []
        last = case.reported_at

        def add(kind: str, at: datetime, *, by=None, detail=None, victim_text="") -> None:
            nonlocal last
            at = min(max(at, last), end)  # in order, and never after the world's last day
            last = at
            events.append(
                CaseEvent(
                    case=case,
                    kind=kind,
                    at=at,
                    recorded_at=min(at + timedelta(minutes=rng.randrange(2, 90)), end),
                    by_id=by,
                    detail=detail or {},
                    victim_text=victim_text,
                )
            )

        add(
            EventKind.REPORT_RECORDED,
            case.reported_at,
            by=case.recorded_by_id,
            detail={"channel": case.channel},
            victim_text=f"Your report was recorded. Your crime reference is {case.reference}.",
        )
        follow_up = self.calibration.follow_up
        if officer is not None:
            add(
                EventKind.OFFICER_ASSIGNED,
                last + timedelta(minutes=rng.randrange(30, 48 * 60)),
                detail={"officer_id": officer.user_id},
                victim_text=f"{officer.display_name} is the officer in charge of your case.",
            )
            if rng.random() < follow_up["contact_made"]:
                add(
                    EventKind.CONTACT_MADE,
                    last + timedelta(minutes=rng.randrange(60, 5 * 24 * 60)),
                    by=officer.user_id,
                    detail={"method": details.preferred_contact},
                    victim_text=f"{officer.display_name} contacted you about your report.",
                )
                if rng.random() < follow_up["visit_offered"]:
                    add(
                        EventKind.VISIT_OFFERED,
                        last,
                        by=officer.user_id,
                        victim_text="You were offered a visit from an officer.",
                    )
                    if rng.random() < follow_up["visit_done_of_offered"]:
                        add(
                            EventKind.VISIT_DONE,
                            last + timedelta(hours=rng.randrange(24, 240)),
                            by=officer.user_id,
                            victim_text=f"{officer.display_name} visited you.",
                        )
        if officer is not None:
            self._care_events(case, officer, add)
        status = case.status
        if status in STATUS_TEXT:
            add(
                EventKind.SUSPECT_IDENTIFIED
                if status == CaseStatus.SUSPECT_IDENTIFIED
                else EventKind.STATUS_CHANGED,
                last + timedelta(hours=rng.randrange(1, 72)),
                by=officer.user_id if officer else None,
                detail={"status": status},
                victim_text=STATUS_TEXT[status],
            )
        elif status in DECISION_TEXT:
            low, high = DECISION_DAYS[status]
            decided = max(
                case.reported_at + timedelta(hours=rng.randrange(24 * low, 24 * high)),
                last + timedelta(minutes=rng.randrange(30, 48 * 60)),
            )
            add(
                EventKind.DECISION,
                decided,
                by=officer.user_id if officer else None,
                detail={"outcome": DECISION_OUTCOME[status]},
                victim_text=DECISION_TEXT[status],
            )
            if officer is not None and rng.random() < follow_up["decision_contact"]:
                covers = {"charge": ["vps_offer"], "no_further_action": ["vrr_information"]}
                add(
                    EventKind.CONTACT_MADE,
                    decided + timedelta(minutes=rng.randrange(60, 7 * 24 * 60)),
                    by=officer.user_id,
                    detail={"covers": covers.get(DECISION_OUTCOME[status], [])},
                    victim_text=f"{officer.display_name} explained the decision to you.",
                )
            if status == CaseStatus.CLOSED:
                add(
                    EventKind.CASE_CLOSED,
                    decided + timedelta(minutes=rng.randrange(5, 120)),
                    by=officer.user_id if officer else None,
                )
        return events
