"""The importer's row checks: one CSV row (a list of cells) into a checked row, or why not.

A row is checked as plain strings, with no model instances and no per-value Django
conversion; date-times in the usual export format take a cached fast path (``Instants``).
The rules are the report forms' (``intake.forms``), which the API also applies:
tests/intake/test_importer_rules.py holds the two to the same answers.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Literal, TypeAlias

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone

from victimcare.cases.constants import CaseStatus, ContactMethod, EnhancedGround
from victimcare.cases.grounds import ADULT_AGE, grounds_derive, grounds_entries, grounds_flags
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake.constants import PHONE_PATTERN
from victimcare.intake.forms import POSTCODE_PATTERN, AboutYouForm

REQUIRED_COLUMNS = (
    "crime_reference",
    "reported_at",
    "crime_type",
    "area",
    "given_name",
    "family_name",
)
OPTIONAL_COLUMNS = (
    "occurred_at",
    "summary",
    "date_of_birth",
    "email",
    "phone",
    "phone_is_safe",
    "address",
    "postcode",
    "preferred_contact",
    "times_to_avoid",
    "status",
    "hate_element",
    "enhanced_grounds",
)
LIMITS = {
    "crime_reference": 100,
    "summary": 5000,
    "given_name": 100,
    "family_name": 100,
    "email": 254,
    "phone": 32,
    "address": 500,
    "postcode": 10,
    "times_to_avoid": 200,
}
# The report form's date of birth question: no year before this, no date after today.
BIRTH_EARLIEST = next(g for g in AboutYouForm.date_groups if g.name == "date_of_birth").earliest
CONTACT_METHODS = frozenset(ContactMethod.values)
STATUSES = frozenset(CaseStatus.values)
SAFE_ANSWERS = frozenset(("", "yes", "no", "true", "false", "1", "0"))
YES_ANSWERS = frozenset(("yes", "true", "1"))
GROUNDS = frozenset(EnhancedGround.values)
GROUNDS_SEPARATOR = ";"
# Who recorded the grounds of an ``enhanced_grounds`` cell, and why (cases/grounds.py):
# the records system whose export was imported.
IMPORT_GROUNDS_BY = "records system import ({system})"
IMPORT_GROUNDS_REASON = "Recorded in the records system's export (bulk import)"
NO_GROUNDS = "[]"
NO_FLAGS = (False, False, False, False)

# Plain strings (not the enum members) so the hot path formats and binds them as such.
EMAIL, PHONE, LETTER = (
    str(m.value) for m in (ContactMethod.EMAIL, ContactMethod.PHONE, ContactMethod.LETTER)
)
REPORTED = str(CaseStatus.REPORTED.value)


class ImportError_(ValueError):
    """The file cannot be imported at all (missing columns, unknown force)."""


# A checked row is a plain tuple (building one is several times cheaper than a dataclass
# instance), in this order. Date-times are naive UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]';
# the date of birth is ISO text; ``year`` is the London year reported, which numbers the
# case's reference; ``plain`` says no cell holds a backslash, tab or line break (which
# PostgreSQL's COPY text format must escape); then the hate element, the victim's four
# enhanced-ground flags and their entries as JSON text (cases/grounds.py), derived and
# recorded as ``cases.services.case_create`` does for the forms and the API.
ROW_FIELDS = (
    "external_id",
    "reported_at",
    "occurred_at",
    "crime_type_id",
    "area_id",
    "summary",
    "given_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "phone_is_safe",
    "address",
    "postcode",
    "preferred_contact",
    "times_to_avoid",
    "status",
    "year",
    "plain",
    "hate_element",
    *EnhancedGround.values,
    "enhanced_grounds",
)
GoodRow: TypeAlias = tuple[
    str,  # external_id
    str,  # reported_at
    str | None,  # occurred_at
    int,  # crime_type_id
    int,  # area_id
    str,  # summary
    str,  # given_name
    str,  # family_name
    str | None,  # date_of_birth
    str,  # email
    str,  # phone
    bool | None,  # phone_is_safe
    str,  # address
    str,  # postcode
    str,  # preferred_contact
    str,  # times_to_avoid
    str,  # status
    int,  # year
    bool,  # plain
    bool,  # hate_element
    bool,  # most_serious_crime
    bool,  # persistently_targeted
    bool,  # vulnerable
    bool,  # intimidated
    str,  # enhanced_grounds (JSON)
]
REPORTED_AT = itemgetter(1)

FIELDS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
PLAIN_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-5][0-9]:[0-5][0-9]")
COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
HOUR = timedelta(hours=1)


def header_check(header: list[str]) -> None:
    """ImportError_ unless the header names every required column."""
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportError_(
            f"the file has no column {', '.join(missing)} (line 1 must name the columns)"
        )


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    if not 1900 <= value.year <= 2200:
        raise ValueError
    return value


class Instants:
    """The file's date-times as naive UTC text, the form both databases are given.

    Exports mostly write London wall-clock time as ``YYYY-MM-DDTHH:MM:SS``. London's
    offset from UTC changes only on the hour, so for those the UTC hour is worked out once
    per distinct local hour and each value costs a dictionary look-up and a slice. Any
    other form (an offset, fractions of a second, a bare date) goes the long way, through
    ``datetime.fromisoformat``; both ways give the same answer (a time that is skipped or
    repeated when the clocks change reads as the earlier offset, ``fold=0``).
    """

    CACHE_LIMIT = 200_000  # distinct hours kept: about 23 years of them

    def __init__(self) -> None:
        self.hours: dict[str, tuple[str, int] | None] = {}

    def utc(self, text: str) -> tuple[str, int]:
        """(UTC text, London year); ValueError if ``text`` is not a date and time."""
        if len(text) == 19 and PLAIN_INSTANT.fullmatch(text):
            key = text[:13]
            hit: tuple[str, int] | Literal[False] | None = self.hours.get(key, False)
            if hit is False:
                hit = self._hour(key)
            if hit is not None:
                return hit[0] + text[13:], hit[1]
        value = _aware(text)
        utc = value.astimezone(UTC).replace(tzinfo=None)
        return utc.isoformat(" "), value.astimezone(LONDON).year

    def _hour(self, key: str) -> tuple[str, int] | None:
        start = datetime.fromisoformat(f"{key[:10]}T{key[11:13]}:00:00")  # London wall-clock time
        if not 1900 <= start.year <= 2200:
            raise ValueError
        offset = start.replace(tzinfo=LONDON).utcoffset()
        end = start.replace(minute=59, second=59, tzinfo=LONDON).utcoffset()
        hit = None
        if offset is not None and offset == end and not offset % HOUR:
            hit = ((start - offset).isoformat(" ")[:13], start.year)
        if len(self.hours) >= self.CACHE_LIMIT:
            self.hours.clear()
        self.hours[key] = hit
        return hit


class RowChecker:
    """Validates one CSV row (a list of cells) into a GoodRow, or returns why it is rejected."""

    def __init__(
        self, *, force: Force, now: datetime, header: list[str], system: str = "rms"
    ) -> None:
        self.areas = dict(Area.objects.filter(force=force).values_list("code", "id"))
        self.crime_types = dict(CrimeType.objects.values_list("code", "id"))
        # What derives a ground from the crime type (cases/grounds.py): by crime type id.
        self.crime_type_grounds = {
            pk: (name, most_serious)
            for pk, name, most_serious in CrimeType.objects.values_list(
                "id", "name", "most_serious_crime"
            )
        }
        self.grounds_by = IMPORT_GROUNDS_BY.format(system=system)
        self.now = now
        self.today = timezone.localdate(now)
        # Compared as text with the rows' UTC text: same layout, so same order.
        self.now_text = now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        self.instants = Instants()
        # Whether to look for what PostgreSQL's COPY text format must escape.
        self.copy_check = connection.vendor == "postgresql"
        # Missing optional columns read the empty cell appended to every row (index -1).
        positions = [header.index(name) if name in header else -1 for name in FIELDS]
        self.cells = itemgetter(*positions)
        self.width = len(header)

    def check(self, row: list[str]) -> GoodRow | str:
        if len(row) != self.width:
            return f"the row has {len(row)} cells; the header has {self.width}"
        row.append("")
        values = self.cells(row)
        joined = "".join(values)
        if "\x00" in joined or "\ufffd" in joined:
            return "the row is not valid UTF-8 text"
        if len(joined) > 100 and max(map(len, values)) > 100:
            for name, value in zip(FIELDS, values, strict=True):
                # As the forms do: the limit is on the text once its ends are trimmed.
                if len(value) > LIMITS.get(name, 100) and len(value.strip()) > LIMITS.get(
                    name, 100
                ):
                    return f"{name} is longer than {LIMITS.get(name, 100)} characters"
        (
            external_id,
            reported_text,
            crime_type,
            area,
            given_name,
            family_name,
            occurred_text,
            summary,
            birth_text,
            email,
            phone,
            safe_text,
            address,
            postcode,
            preferred,
            times_to_avoid,
            status,
            hate_text,
            grounds_text,
        ) = map(str.strip, values)
        if not external_id:
            return "crime_reference is missing"
        try:
            reported_at, year = self.instants.utc(reported_text)
        except ValueError:
            return "reported_at is not a date and time like 2026-09-01T14:30:00+01:00"
        if reported_at > self.now_text:
            return "reported_at is in the future"
        occurred_at = None
        if occurred_text:
            try:
                occurred_at = self.instants.utc(occurred_text)[0]
            except ValueError:
                return "occurred_at is not a date and time"
            # As the API: the victim cannot have reported before it happened.
            if reported_at < occurred_at:
                return "reported_at is before occurred_at (when the crime happened)"
        crime_type_id = self.crime_types.get(crime_type)
        if crime_type_id is None:
            return f"crime_type {crime_type!r} is not a known crime type code"
        area_id = self.areas.get(area)
        if area_id is None:
            return f"area {area!r} is not an area of this force"
        if not given_name or not family_name:
            return "given_name and family_name are both needed"
        date_of_birth = None
        if birth_text:
            try:
                birth = date.fromisoformat(birth_text)
            except ValueError:
                return "date_of_birth is not a date like 1980-03-31"
            if birth.year < BIRTH_EARLIEST:
                return f"date_of_birth must be in {BIRTH_EARLIEST} or later"
            if birth > self.today:
                return "date_of_birth must be today or in the past"
            date_of_birth = birth.isoformat()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                return "email is not an email address"
        if phone and not PHONE_PATTERN.match(phone):
            return "phone is not a phone number"
        if postcode and not POSTCODE_PATTERN.match(postcode):
            return "postcode is not a postcode like SW1A 2AA"
        preferred = preferred.lower() or (EMAIL if email else PHONE if phone else LETTER)
        if preferred not in CONTACT_METHODS:
            return f"preferred_contact must be one of {', '.join(sorted(CONTACT_METHODS))}"
        safe_text = safe_text.lower()
        if safe_text not in SAFE_ANSWERS:
            return "phone_is_safe must be yes or no"
        status = status.lower() or REPORTED
        if status not in STATUSES:
            return f"status must be one of {', '.join(sorted(STATUSES))}"
        hate_text = hate_text.lower()
        if hate_text not in SAFE_ANSWERS:
            return "hate_element must be yes or no"
        hate_element = hate_text in YES_ANSWERS
        recorded: list[str] = []
        if grounds_text:
            recorded = list(
                dict.fromkeys(g for g in map(str.strip, grounds_text.split(GROUNDS_SEPARATOR)) if g)
            )
            unknown = [g for g in recorded if g not in GROUNDS]
            if unknown:
                return (
                    f"enhanced_grounds {unknown[0]!r} is not an enhanced ground; use one or "
                    f"more of {', '.join(EnhancedGround.values)}, separated by {GROUNDS_SEPARATOR}"
                )
        flags, grounds = self.grounds(
            crime_type_id=crime_type_id,
            hate_element=hate_element,
            birth=date_of_birth,
            offence_at=occurred_at or reported_at,
            reported_at=reported_at,
            recorded=recorded,
        )
        return (
            external_id,
            reported_at,
            occurred_at,
            crime_type_id,
            area_id,
            summary,
            given_name,
            family_name,
            date_of_birth,
            email,
            phone,
            None if not phone or not safe_text else safe_text in ("yes", "true", "1"),
            address,
            postcode.upper(),
            preferred,
            times_to_avoid,
            status,
            year,
            not self.copy_check or COPY_SPECIAL.search(joined) is None,
            hate_element,
            *flags,
            grounds,
        )

    def grounds(
        self,
        *,
        crime_type_id: int,
        hate_element: bool,
        birth: str | None,
        offence_at: str,
        reported_at: str,
        recorded: list[str],
    ) -> tuple[tuple[bool, bool, bool, bool], str]:
        """The victim's four enhanced-ground flags and the grounds' entries as JSON text:
        those ``cases.services.case_create`` gives for the same report (derived from the
        crime type, the hate element and an age under 18 at the offence; then those
        recorded in the export, with the import as their source).

        ``offence_at`` and ``reported_at`` are naive UTC text. Most rows have no ground:
        they cost a dictionary look-up and a comparison of years."""
        name, most_serious = self.crime_type_grounds[crime_type_id]
        # Born this many calendar years before the offence's UTC year or more: 18 or
        # older on the day, whatever the day and the time zone.
        young = birth is not None and int(offence_at[:4]) - int(birth[:4]) <= ADULT_AGE + 1
        if not (most_serious or hate_element or young or recorded):
            return NO_FLAGS, NO_GROUNDS
        entries = grounds_entries(
            derived=grounds_derive(
                crime_type_name=name,
                crime_type_most_serious=most_serious,
                hate_element=hate_element,
                date_of_birth=date.fromisoformat(birth) if young and birth else None,
                age_band="",
                offence_day=_utc(offence_at).astimezone(LONDON).date(),
            ),
            recorded=recorded,
            recorded_by=self.grounds_by,
            at=_utc(reported_at),
            recorded_reason=IMPORT_GROUNDS_REASON,
        )
        flags = grounds_flags(entries)
        return (
            flags[EnhancedGround.MOST_SERIOUS_CRIME],
            flags[EnhancedGround.PERSISTENTLY_TARGETED],
            flags[EnhancedGround.VULNERABLE],
            flags[EnhancedGround.INTIMIDATED],
        ), json.dumps(entries)


def _utc(text: str) -> datetime:
    """Naive UTC text (a checked row's date-time) as an aware date-time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
