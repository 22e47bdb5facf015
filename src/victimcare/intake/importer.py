"""Bulk import of historical cases from a records system's CSV export.

Streams the file (constant memory), validates each row, and writes each batch of good
rows with a handful of multi-row INSERTs (COPY on PostgreSQL) in one transaction: a batch
lands whole or not at all, so a crash or Ctrl-C loses nothing already committed and never
half-imports a row. Rows are keyed on the records system's own crime reference (an
``ExternalReference``), so a re-run skips what is already present. Rejected rows are
written, with the reason, to a rejects CSV.

Case events written in bulk do not pass through ``case_event_listener_register``
listeners (one call per event would defeat the bulk path); after each batch the care
clock's bulk rebuild (``care.rebuild.obligations_rebuild_all``) is called for the batch's
cases when it exists and ``clock=True``.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from victimcare.cases.constants import CaseStatus, Channel, ContactMethod, EventKind
from victimcare.cases.models import (
    Case,
    CaseEvent,
    ReferenceSequence,
    Victim,
    VictimPersonalDetails,
)
from victimcare.cases.services import format_reference
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake.models import ExternalReference

LONDON = ZoneInfo("Europe/London")
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
)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{8,20}$")
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
CONTACT_METHODS = frozenset(ContactMethod.values)
STATUSES = frozenset(CaseStatus.values)
SAFE_ANSWERS = frozenset(("", "yes", "no", "true", "false", "1", "0"))


class ImportError_(ValueError):
    """The file cannot be imported at all (missing columns, unknown force)."""


@dataclass
class ImportSummary:
    read: int = 0
    imported: int = 0
    rejected: int = 0
    already_present: int = 0
    batches: int = 0
    rejects_path: str = ""
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"read {self.read:,} / imported {self.imported:,} / rejected {self.rejected:,} "
            f"/ already present {self.already_present:,}"
        )


@dataclass(slots=True)
class GoodRow:
    external_id: str
    reported_at: datetime
    occurred_at: datetime | None
    crime_type_id: int
    area_id: int
    summary: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    email: str
    phone: str
    phone_is_safe: bool | None
    address: str
    postcode: str
    preferred_contact: str
    times_to_avoid: str
    status: str


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    if not 1900 <= value.year <= 2200:
        raise ValueError
    return value


FIELDS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


class RowChecker:
    """Validates one CSV row (a list of cells) into a GoodRow, or returns why it is rejected."""

    def __init__(self, *, force: Force, now: datetime, header: list[str]):
        self.areas = dict(Area.objects.filter(force=force).values_list("code", "id"))
        self.crime_types = dict(CrimeType.objects.values_list("code", "id"))
        self.now = now
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
        if max(map(len, values)) > 100:
            for name, value in zip(FIELDS, values, strict=True):
                if len(value) > LIMITS.get(name, 100):
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
        ) = (v.strip() for v in values)
        if not external_id:
            return "crime_reference is missing"
        try:
            reported_at = _aware(reported_text)
        except ValueError:
            return "reported_at is not a date and time like 2026-09-01T14:30:00+01:00"
        if reported_at > self.now:
            return "reported_at is in the future"
        occurred_at = None
        if occurred_text:
            try:
                occurred_at = _aware(occurred_text)
            except ValueError:
                return "occurred_at is not a date and time"
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
                date_of_birth = date.fromisoformat(birth_text)
            except ValueError:
                return "date_of_birth is not a date like 1980-03-31"
        if email and not EMAIL_PATTERN.match(email):
            return "email is not an email address"
        if phone and not PHONE_PATTERN.match(phone):
            return "phone is not a phone number"
        preferred = preferred.lower() or (
            ContactMethod.EMAIL if email else ContactMethod.PHONE if phone else ContactMethod.LETTER
        )
        if preferred not in CONTACT_METHODS:
            return f"preferred_contact must be one of {', '.join(sorted(CONTACT_METHODS))}"
        safe_text = safe_text.lower()
        if safe_text not in SAFE_ANSWERS:
            return "phone_is_safe must be yes or no"
        status = status.lower() or CaseStatus.REPORTED
        if status not in STATUSES:
            return f"status must be one of {', '.join(sorted(STATUSES))}"
        return GoodRow(
            external_id=external_id,
            reported_at=reported_at,
            occurred_at=occurred_at,
            crime_type_id=crime_type_id,
            area_id=area_id,
            summary=summary,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            email=email,
            phone=phone,
            phone_is_safe=None if not phone or not safe_text else safe_text in ("yes", "true", "1"),
            address=address,
            postcode=postcode.upper(),
            preferred_contact=preferred,
            times_to_avoid=times_to_avoid,
            status=status,
        )


# --- bulk writing ----------------------------------------------------------------------------


class Converters:
    """Python values to what the database driver takes, without Django's per-value machinery."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def when(self, value: datetime | None):
        if value is None or self.postgres:
            return value
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def day(self, value: date | None):
        return value if value is None or self.postgres else value.isoformat()

    @staticmethod
    def uuids(count: int) -> list[str]:
        """Random (version 4) UUIDs as 32 hex digits, which both databases accept; much
        faster than ``uuid.uuid4()`` one at a time."""
        raw = bytearray(os.urandom(16 * count))
        for i in range(count):
            raw[16 * i + 6] = raw[16 * i + 6] & 0x0F | 0x40
            raw[16 * i + 8] = raw[16 * i + 8] & 0x3F | 0x80
        text = raw.hex()
        return [text[32 * i : 32 * i + 32] for i in range(count)]

    def json(self, value: dict):
        if self.postgres:
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return json.dumps(value)


class TableWriter:
    """Bulk inserts for one model: executemany on SQLite, COPY on PostgreSQL.

    Columns the importer does not set get their model default (so a new nullable or
    defaulted column keeps working); ids are allocated up front for the batch.
    """

    def __init__(self, model, given: tuple[str, ...]):
        self.model = model
        self.table = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        rest = [
            f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key
        ]
        self.columns = [by_attname[name].column for name in given] + [f.column for f in rest]
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        self.copy_sql = f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN"
        self.insert_sql = (  # table and column names from the models, never from input
            f"INSERT INTO {connection.ops.quote_name(self.table)} ({quoted}) VALUES "  # noqa: S608
            f"({', '.join(['?'] * len(self.columns))})"
        )

    def ids_allocate(self, count: int, cursor) -> list[int]:
        """``count`` fresh primary keys (the batch holds the write lock on SQLite)."""
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{self.table}"')  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
        found = cursor.fetchone()
        first = max(highest, found[0] if found else 0) + 1
        return list(range(first, first + count))

    def insert(self, given_rows: list[tuple], cursor) -> None:
        if not given_rows:
            return
        defaults = self.defaults
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(self.copy_sql) as copy:
                for given in given_rows:
                    copy.write_row(given + defaults)
            return
        cursor.cursor.executemany(self.insert_sql, [given + defaults for given in given_rows])


class BatchWriter:
    def __init__(self, *, force: Force, system: str):
        self.force = force
        self.system = system
        self.to = Converters()
        self.cases = TableWriter(
            Case,
            (
                "id",
                "reference",
                "force_id",
                "area_id",
                "crime_type_id",
                "reported_at",
                "occurred_at",
                "channel",
                "status",
                "summary",
                "created_at",
            ),
        )
        self.victims = TableWriter(Victim, ("id", "case_id", "pseudonym"))
        self.details = TableWriter(
            VictimPersonalDetails,
            (
                "victim_id",
                "given_name",
                "family_name",
                "date_of_birth",
                "email",
                "phone",
                "address",
                "postcode",
                "preferred_contact",
                "times_to_avoid",
                "phone_is_safe",
            ),
        )
        self.events = TableWriter(
            CaseEvent, ("case_id", "kind", "at", "recorded_at", "detail", "victim_text")
        )
        self.external = TableWriter(
            ExternalReference, ("case_id", "force_id", "system", "external_id")
        )

    def _references(self, rows: list[GoodRow]) -> list[str]:
        by_year: dict[int, list[int]] = {}
        for i, row in enumerate(rows):
            by_year.setdefault(row.reported_at.astimezone(LONDON).year, []).append(i)
        references = [""] * len(rows)
        code = self.force.code
        for year, indexes in sorted(by_year.items()):
            sequence, _ = ReferenceSequence.objects.select_for_update().get_or_create(
                force=self.force, year=year
            )
            first = sequence.last_number + 1
            sequence.last_number += len(indexes)
            sequence.save(update_fields=["last_number"])
            for offset, i in enumerate(indexes):
                references[i] = format_reference(force_code=code, year=year, number=first + offset)
        return references

    def write(self, rows: list[GoodRow]) -> list[int]:
        """Write a batch in the caller's transaction; returns the new case ids."""
        to = self.to
        now = to.when(timezone.now())
        references = self._references(rows)
        force_id = self.force.pk
        channel = Channel.RECORDS_SYSTEM
        with connection.cursor() as cursor:
            case_ids = self.cases.ids_allocate(len(rows), cursor)
            victim_ids = self.victims.ids_allocate(len(rows), cursor)
            self.cases.insert(
                [
                    (
                        case_id,
                        ref,
                        force_id,
                        r.area_id,
                        r.crime_type_id,
                        to.when(r.reported_at),
                        to.when(r.occurred_at),
                        channel,
                        r.status,
                        r.summary,
                        now,
                    )
                    for case_id, ref, r in zip(case_ids, references, rows, strict=True)
                ],
                cursor,
            )
            self.victims.insert(
                list(zip(victim_ids, case_ids, to.uuids(len(case_ids)), strict=True)),
                cursor,
            )
            self.details.insert(
                [
                    (
                        vid,
                        r.given_name,
                        r.family_name,
                        to.day(r.date_of_birth),
                        r.email,
                        r.phone,
                        r.address,
                        r.postcode,
                        r.preferred_contact,
                        r.times_to_avoid,
                        r.phone_is_safe,
                    )
                    for vid, r in zip(victim_ids, rows, strict=True)
                ],
                cursor,
            )
            detail = to.json({"channel": channel, "imported": True})
            self.events.insert(
                [
                    (
                        cid,
                        EventKind.REPORT_RECORDED,
                        to.when(r.reported_at),
                        now,
                        detail,
                        "Your report was recorded.",
                    )
                    for cid, r in zip(case_ids, rows, strict=True)
                ],
                cursor,
            )
            self.external.insert(
                [
                    (cid, force_id, self.system, r.external_id)
                    for cid, r in zip(case_ids, rows, strict=True)
                ],
                cursor,
            )
        return case_ids


def _clock_bulk() -> Callable | None:
    try:
        from victimcare.care.rebuild import obligations_rebuild_all
    except ImportError:
        return None
    return obligations_rebuild_all


def _batches(reader: Iterator[list[str]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    batch = []
    for number, row in enumerate(reader, start=2):  # line 1 is the header
        if not row:
            continue  # a blank line
        batch.append((number, row))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def cases_import(
    *,
    source: TextIO,
    force: Force,
    rejects: TextIO,
    system: str = "rms",
    batch_size: int = 5000,
    clock: bool = True,
    progress: Callable[[ImportSummary], None] | None = None,
    summary: ImportSummary | None = None,
) -> ImportSummary:
    """Import cases from a CSV stream; see the module docstring for the guarantees.

    Pass ``summary`` to keep the counts of the batches committed so far if the run is
    interrupted.
    """
    reader = csv.reader(source)
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportError_(
            f"the file has no column {', '.join(missing)} (line 1 must name the columns)"
        )
    rejects_writer = csv.writer(rejects)
    rejects_writer.writerow(["line", "crime_reference", "reason"])
    summary = summary if summary is not None else ImportSummary()
    checker = RowChecker(force=force, now=timezone.now(), header=header)
    reference_at = header.index("crime_reference")
    writer = BatchWriter(force=force, system=system)
    if connection.vendor == "sqlite":
        # Keep the growing indexes in memory (128 MB) rather than re-reading pages per batch.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")
    clock_bulk = _clock_bulk() if clock else None
    if clock and clock_bulk is None:
        summary.notes.append("the care clock has no bulk function: obligations not started")
    for batch in _batches(reader, batch_size):
        summary.read += len(batch)
        good: list[GoodRow] = []
        seen: set[str] = set()
        for number, row in batch:
            reference = row[reference_at][:100] if len(row) > reference_at else ""
            result = checker.check(row)
            if isinstance(result, str):
                summary.rejected += 1
                rejects_writer.writerow([number, reference, result])
                continue
            if result.external_id in seen:
                summary.already_present += 1
                continue
            seen.add(result.external_id)
            good.append(result)
        with transaction.atomic():
            present = _present(
                force=force, system=system, external_ids=[r.external_id for r in good]
            )
            fresh = [r for r in good if r.external_id not in present]
            summary.already_present += len(good) - len(fresh)
            if fresh:
                case_ids = writer.write(fresh)
                if clock_bulk is not None:
                    clock_bulk(cases=Case.objects.filter(pk__in=case_ids), now=timezone.now())
                summary.imported += len(fresh)
        rejects.flush()
        summary.batches += 1
        if progress is not None:
            progress(summary)
    return summary


def _present(*, force: Force, system: str, external_ids: list[str]) -> set[str]:
    """Which of these external ids are already imported (one query per chunk)."""
    present: set[str] = set()
    table = connection.ops.quote_name(ExternalReference._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(external_ids), 900):
            chunk = external_ids[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT external_id FROM {table} WHERE force_id = %s AND system = %s "  # noqa: S608
                f"AND external_id IN ({marks})",
                [force.pk, system, *chunk],
            )
            present.update(row[0] for row in cursor.fetchall())
    return present


def cases_import_file(*, path: Path, force: Force, rejects_path: Path, **kwargs) -> ImportSummary:
    with (
        path.open(newline="", encoding="utf-8-sig", errors="replace") as source,
        rejects_path.open("w", newline="", encoding="utf-8") as rejects,
    ):
        summary = cases_import(source=source, force=force, rejects=rejects, **kwargs)
    summary.rejects_path = str(rejects_path)
    return summary
