"""Sampling frames, allocation and the draw.

The frame is computed, not stored: ``sampling_frame_build`` reads a force's reports for
a month and sorts every in-scope victim into a stratum or an exclusion reason. The draw
(services.sample_draw) stores what an audit needs: per stratum N, exclusions, target and
n, the seed, and who was drawn. ``random`` is used on purpose: the draw must be
reproducible from its recorded seed (hence the ``noqa: S311`` markers).
"""

from __future__ import annotations

import calendar
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

from django.db.models import BooleanField, ExpressionWrapper, Q

from victimcare.cases.constants import PREFER_NOT_TO_SAY, AgeBand
from victimcare.cases.models import Victim
from victimcare.core.periods import PeriodError, year_check
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area, Force
from victimcare.surveys.constants import (
    DEFAULT_CRIME_GROUPS,
    DEFAULT_MINIMUM_AGE,
    DEFAULT_WINDOW_WEEKS,
    RESAMPLE_MONTHS,
    Allocation,
    ContactRoute,
    Exclusion,
    FlagKind,
)
from victimcare.surveys.models import SampleMember, SurveyFlag

MARGINS = ("age_band", "sex", "ethnicity")
UNKNOWN = "unknown"


class SamplingError(ValueError):
    """A frame or sample cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class FrameSettings:
    """Who is in scope and how strata are formed (a force's survey may change each)."""

    crime_groups: tuple[str, ...] = DEFAULT_CRIME_GROUPS
    window_weeks: tuple[int, int] = DEFAULT_WINDOW_WEEKS
    minimum_age: int = DEFAULT_MINIMUM_AGE
    strata_by: tuple[str, ...] = ("area", "crime_group")

    def __post_init__(self) -> None:
        low, high = self.window_weeks
        if not 0 <= low <= high:
            raise SamplingError("the fieldwork window must run from fewer weeks to more weeks")
        unknown = set(self.strata_by) - {"area", "crime_group"}
        if unknown:
            raise SamplingError(f"strata can be formed by area and crime_group, not {unknown}")
        if not self.crime_groups:
            raise SamplingError("choose at least one crime group to survey")


@dataclass
class StratumFrame:
    key: str
    area_id: int | None
    crime_group: str
    # (victim id, contact route, whether a phone may be used) of each eligible victim
    eligible: list[tuple[int, str, bool]] = field(default_factory=list)
    exclusions: Counter = field(default_factory=Counter)
    margins: dict[str, Counter] = field(default_factory=lambda: {m: Counter() for m in MARGINS})

    @property
    def population(self) -> int:
        return len(self.eligible)


@dataclass
class Frame:
    force: Force
    month: date
    fieldwork_on: date
    settings: FrameSettings
    strata: dict[str, StratumFrame]
    in_scope: int

    @property
    def eligible(self) -> int:
        return sum(stratum.population for stratum in self.strata.values())

    @property
    def exclusions(self) -> Counter:
        total: Counter = Counter()
        for stratum in self.strata.values():
            total.update(stratum.exclusions)
        return total


# --- dates -------------------------------------------------------------------------------


def month_parse(text: str) -> date:
    """'2026-09' as the first day of that month; the year from 2000 to next year."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        shown = text if len(text) <= 20 else f"{text[:20]}..."
        raise SamplingError(f"a month is written YYYY-MM, e.g. 2026-09, not {shown!r}")
    try:
        year_check(int(match.group(1)), what="The month's year")
    except PeriodError as problem:
        raise SamplingError(str(problem)) from None
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def default_fieldwork_on(month: date, settings: FrameSettings | None = None) -> date:
    """The first day on which every report of the month is at least the window's minimum
    number of weeks old."""
    low = (settings or FrameSettings()).window_weeks[0]
    return month_end(month) + timedelta(weeks=low)


def london_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), LONDON)


# --- the frame ---------------------------------------------------------------------------


def contact_route(
    *,
    preferred: str,
    email: str,
    phone: str,
    phone_is_safe: bool | None,
    address: str,
    postcode: str,
) -> str:
    """How to reach a victim for the survey: their preferred way if usable, else the first
    usable of email, text, phone, letter; '' if none. A phone the victim said is unsafe
    is never used."""
    phone_ok = bool(phone) and phone_is_safe is not False
    return _route(
        preferred, bool(email), phone_ok, bool(address.strip()) and bool(postcode.strip())
    )


def _phone_key(phone: str) -> str:
    return phone.replace(" ", "").replace("-", "").replace("+44", "0")


@dataclass
class RecentlySampled:
    """Who was sampled in the last 12 months, as the 'sampled recently' rule matches
    people across cases: the victim record, the email address, or the phone number with
    the family name (a phone number alone is shared by households)."""

    victims: set[int] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[tuple[str, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.victims)

    def add(self, *, victim_id: int, email: str, phone: str, family_name: str) -> None:
        self.victims.add(victim_id)
        if email:
            self.emails.add(email.strip().lower())
        if phone and family_name:
            self.phones.add((_phone_key(phone), family_name.strip().lower()))

    def matches(self, *, victim_id: int, email: str, phone: str, family_name: str) -> bool:
        return (
            victim_id in self.victims
            or (bool(email) and email.strip().lower() in self.emails)
            or (
                bool(phone)
                and bool(family_name)
                and (_phone_key(phone), family_name.strip().lower()) in self.phones
            )
        )


def recently_sampled(*, force: Force, fieldwork_on: date) -> RecentlySampled:
    since = fieldwork_on - timedelta(days=round(365.25 * RESAMPLE_MONTHS / 12))
    rows = SampleMember.objects.filter(
        sample__force=force, sample__fieldwork_on__gt=since, sample__fieldwork_on__lte=fieldwork_on
    ).values_list(
        "victim_id",
        "victim__personal_details__email",
        "victim__personal_details__phone",
        "victim__personal_details__family_name",
    )
    recent = RecentlySampled()
    for victim_id, email, phone, family_name in rows.iterator(chunk_size=5000):
        recent.add(
            victim_id=victim_id, email=email or "", phone=phone or "", family_name=family_name or ""
        )
    return recent


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _birthday_cutoff(day: date, years: int) -> date:
    """Anyone born after this date is younger than ``years`` on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


_ROUTE_ORDER = (ContactRoute.EMAIL, ContactRoute.SMS, ContactRoute.PHONE, ContactRoute.LETTER)


def _route(preferred: str, has_email: bool, phone_ok: bool, has_address: bool) -> str:
    usable: dict[str, bool] = {
        ContactRoute.EMAIL: has_email,
        ContactRoute.SMS: phone_ok,
        ContactRoute.PHONE: phone_ok,
        ContactRoute.LETTER: has_address,
    }
    if usable.get(preferred):
        return preferred
    for route in _ROUTE_ORDER:
        if usable[route]:
            return route
    return ""


def _margin_value(value: str) -> str:
    return UNKNOWN if value in ("", PREFER_NOT_TO_SAY) else value


FLAG_EXCLUSIONS: dict[str, str] = {
    FlagKind.DOMESTIC_ABUSE: Exclusion.DOMESTIC_ABUSE,
    FlagKind.OFFICER_ON_DUTY: Exclusion.OFFICER_ON_DUTY,
    FlagKind.OPTED_OUT: Exclusion.OPTED_OUT,
    FlagKind.DO_NOT_CONTACT: Exclusion.DO_NOT_CONTACT,
    FlagKind.DECEASED: Exclusion.DECEASED,
    # A victim at high risk is not to be contacted for any survey.
    FlagKind.RISK_HIGH: Exclusion.DO_NOT_CONTACT,
}
_ORDER = {reason: index for index, reason in enumerate(Exclusion.values)}


def sampling_frame_build(
    *,
    force: Force,
    month: date,
    fieldwork_on: date | None = None,
    settings: FrameSettings | None = None,
) -> Frame:
    """The eligible victims of a force's reports in a month, by stratum, with every
    excluded victim counted once under the first reason that applies (Exclusion order)."""
    settings = settings or FrameSettings()
    month = month.replace(day=1)
    fieldwork_on = fieldwork_on or default_fieldwork_on(month, settings)
    low, high = settings.window_weeks
    earliest_day = fieldwork_on - timedelta(weeks=high)
    latest_day = fieldwork_on - timedelta(weeks=low)
    start, end = london_midnight(month), london_midnight(month_add(month, 1))
    victims = Victim.objects.filter(
        case__force=force,
        case__reported_at__gte=start,
        case__reported_at__lt=end,
        case__crime_type__survey_group__in=list(settings.crime_groups),
    )
    flags: dict[int, set[str]] = {}
    for victim_id, kind in SurveyFlag.objects.filter(victim__in=victims.values("id")).values_list(
        "victim_id", "kind"
    ):
        flags.setdefault(victim_id, set()).add(kind)
    recent = recently_sampled(force=force, fieldwork_on=fieldwork_on)
    area_codes = dict(Area.objects.filter(force=force).values_list("id", "code"))
    by_area, by_group = "area" in settings.strata_by, "crime_group" in settings.strata_by
    strata: dict[str, StratumFrame] = {}
    stratum_of: dict[tuple, StratumFrame] = {}
    people: dict[str, Counter] = {}  # (age band, sex, ethnicity) counts per stratum key
    in_scope = 0
    # The window and age tests run in the database: no dates cross the wire.
    window_start = london_midnight(earliest_day)
    window_end = london_midnight(latest_day + timedelta(days=1))
    too_young = Q(
        personal_details__date_of_birth__gt=_birthday_cutoff(fieldwork_on, settings.minimum_age)
    )
    if settings.minimum_age >= 16:
        too_young |= Q(personal_details__date_of_birth__isnull=True, age_band=AgeBand.UNDER_16)
    fields = [
        "id",
        "case__area_id",
        "case__crime_type__survey_group",
        "case__crime_type__is_domestic_abuse",
        "in_window",
        "too_young",
        "age_band",
        "sex",
        "ethnicity",
        "has_email",
        "has_phone",
        "personal_details__phone_is_safe",
        "has_address",
        "personal_details__preferred_contact",
    ]
    if recent:  # what identifies a person across cases is only needed if anyone was sampled
        fields += [
            "personal_details__email",
            "personal_details__phone",
            "personal_details__family_name",
        ]
    rows = victims.annotate(
        in_window=_flag(Q(case__reported_at__gte=window_start, case__reported_at__lt=window_end)),
        too_young=_flag(too_young),
        has_email=_flag(Q(personal_details__email__gt="")),
        has_phone=_flag(Q(personal_details__phone__gt="")),
        has_address=_flag(Q(personal_details__address__gt="", personal_details__postcode__gt="")),
    ).values_list(*fields)
    for row in rows.iterator(chunk_size=50000):
        (
            victim_id,
            area_id,
            group,
            domestic_abuse,
            in_window,
            young,
            age_band,
            sex,
            ethnicity,
            has_email,
            has_phone,
            phone_is_safe,
            has_address,
            preferred,
        ) = row[:14]
        in_scope += 1
        stratum = stratum_of.get((area_id, group))
        if stratum is None:
            parts = [force.code]
            if by_area:
                parts.append(area_codes.get(area_id, str(area_id)))
            if by_group:
                parts.append(group)
            key = "|".join(parts)
            stratum = strata.get(key)
            if stratum is None:
                stratum = strata[key] = StratumFrame(
                    key=key,
                    area_id=area_id if by_area else None,
                    crime_group=group if by_group else "",
                )
            stratum_of[(area_id, group)] = stratum
        reason = ""
        if not in_window:
            reason = Exclusion.OUTSIDE_WINDOW
        elif young:
            reason = Exclusion.UNDER_AGE
        elif domestic_abuse:
            reason = Exclusion.DOMESTIC_ABUSE
        elif victim_id in flags:
            reason = min((FLAG_EXCLUSIONS[k] for k in flags[victim_id]), key=_ORDER.__getitem__)
        elif recent and recent.matches(
            victim_id=victim_id, email=row[14] or "", phone=row[15] or "", family_name=row[16] or ""
        ):
            reason = Exclusion.RECENTLY_SAMPLED
        phone_ok = bool(has_phone) and phone_is_safe is not False
        route = ""
        if not reason:
            route = _route(preferred, bool(has_email), phone_ok, bool(has_address))
            if not route:
                reason = Exclusion.NO_CONTACT_ROUTE
        if reason:
            stratum.exclusions[str(reason)] += 1
            continue
        stratum.eligible.append((victim_id, route, phone_ok))
        counts = people.get(stratum.key)
        if counts is None:
            counts = people[stratum.key] = Counter()
        counts[(age_band, sex, ethnicity)] += 1
    for key, counts in people.items():
        margins = strata[key].margins
        for (age_band, sex, ethnicity), count in counts.items():
            margins["age_band"][_margin_value(age_band)] += count
            margins["sex"][_margin_value(sex)] += count
            margins["ethnicity"][_margin_value(ethnicity)] += count
    return Frame(
        force=force,
        month=month,
        fieldwork_on=fieldwork_on,
        settings=settings,
        strata=dict(sorted(strata.items())),
        in_scope=in_scope,
    )


# --- allocation and the draw -------------------------------------------------------------


def _largest_remainder(shares: dict[str, float], total: int) -> dict[str, int]:
    """Integers proportional to ``shares`` that add up to ``total``."""
    whole = sum(shares.values())
    if whole <= 0 or total <= 0:
        return dict.fromkeys(shares, 0)
    exact = {key: total * share / whole for key, share in shares.items()}
    result = {key: math.floor(value) for key, value in exact.items()}
    left = total - sum(result.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - result[k]), k))[:left]:
        result[key] += 1
    return result


def allocate(
    populations: dict[str, int],
    *,
    target: int,
    rule: str,
    response_rate: float,
    minimum: int = 0,
) -> dict[str, tuple[int, int]]:
    """Per stratum, (interviews wanted, victims to draw).

    Proportional: interviews in proportion to N_h; equal: the same in each stratum;
    minimum: proportional but at least ``minimum`` in each stratum. Victims drawn are the
    interviews over the expected response rate, never more than N_h.
    """
    if not 0 < response_rate <= 1:
        raise SamplingError("the expected response rate must be above 0 and at most 1")
    live = {key: n for key, n in populations.items() if n > 0}
    if rule == Allocation.PROPORTIONAL:
        targets = _largest_remainder({k: float(n) for k, n in live.items()}, target)
    elif rule == Allocation.EQUAL:
        targets = _largest_remainder(dict.fromkeys(live, 1.0), target)
    elif rule == Allocation.MINIMUM:
        targets = _largest_remainder({k: float(n) for k, n in live.items()}, target)
        targets = {key: max(value, minimum) for key, value in targets.items()}
    else:
        raise SamplingError(f"unknown allocation rule {rule!r}")
    result = {}
    for key, n in populations.items():
        wanted = targets.get(key, 0)
        result[key] = (wanted, min(n, math.ceil(wanted / response_rate - 1e-9)))
    return result


def _srs_positions(population: int, size: int, *, seed: int, key: str) -> list[int]:
    rng = Random(f"victimcare-sample:{seed}:{key}")  # noqa: S311 (a sample reproducible from its seed)
    return sorted(rng.sample(range(population), min(size, population)))


def simple_random_sample(victim_ids: list[int], size: int, *, seed: int, key: str) -> list[int]:
    """A simple random sample without replacement, reproducible from the seed and the
    stratum's key whatever order the frame came in."""
    ordered = sorted(victim_ids)
    return [ordered[i] for i in _srs_positions(len(ordered), size, seed=seed, key=key)]


def stratum_draw(stratum: StratumFrame, size: int, *, seed: int) -> list[tuple[int, str, bool]]:
    """The drawn (victim id, route, phone usable) of a stratum: the same victims as
    simple_random_sample over the stratum's ids."""
    ordered = sorted(stratum.eligible)
    return [ordered[i] for i in _srs_positions(len(ordered), size, seed=seed, key=stratum.key)]
