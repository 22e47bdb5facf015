"""Bulk import of historical cases from a records system's CSV export.

Streams the file (constant memory), validates each row, and writes each batch of good
rows in one transaction: a batch lands whole or not at all, so a crash or Ctrl-C loses
nothing already committed and never half-imports a row. Rows are keyed on the records
system's own crime reference (an ``ExternalReference``), so a re-run skips what is
already present. Rejected rows are written, with the reason, to a rejects CSV.

Speed (``benchmarks/bench_intake.py``):

- a row is checked as plain strings, with no model instances and no per-value Django
  conversion; date-times in the usual export format take a cached fast path (``Instants``);
- each chunk of a batch reaches the database by its own bulk path: on PostgreSQL one
  text-format COPY per table, built here; on SQLite one ``executemany`` into a temporary
  staging table, then one ``INSERT ... SELECT`` per table;
- a chunk's inserts (and its batch's commit) run on a worker thread while the main thread
  checks the next chunk: both drivers let go of the GIL while the database works.

Case events written in bulk do not pass through ``case_event_listener_register``
listeners (one call per event would defeat the bulk path). With ``clock=True`` the care
clock is started once the rows are in: the new cases, and any of the file's cases that an
interrupted earlier run left unclocked, go to ``care.rebuild.obligations_rebuild_all``
in chunks, each chunk its own transaction. An import interrupted before its cases are
clocked is finished by running it again.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import re
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.db.transaction import TransactionManagementError
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
from victimcare.core.csv_export import csv_writer
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake.constants import PHONE_PATTERN
from victimcare.intake.models import ExternalReference

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
# Rows a transaction (a batch), and rows checked and written at a time within it (a
# chunk: what the import holds in memory). Bigger batches write SQLite's random-order
# index pages back less often (a batch must hold SQLite's write lock well inside the 20 s
# other writers wait, the busy timeout in config/env.py; PostgreSQL's reference sequence
# is never held for a batch, see BatchWriter._references).
BATCH_SIZE = 100_000
CHUNK_ROWS = 20_000
# Cases handed to the care clock per call (and per transaction) once the rows are in.
CLOCK_CHUNK = 10_000
# The SQLite page cache for an import (KiB): the growing indexes stay in memory rather
# than being re-read from the file for every batch. Counts towards the process's memory.
SQLITE_CACHE_KIB = 160 * 1024
# ... and for the staging table, which then need not spill to a temporary file.
SQLITE_TEMP_CACHE_KIB = 32 * 1024
# WAL pages between SQLite checkpoints during an import (4 KiB pages: 256 MiB).
SQLITE_CHECKPOINT_PAGES = 65_536

# Plain strings (not the enum members) so the hot path formats and binds them as such.
EMAIL, PHONE, LETTER = (
    str(m.value) for m in (ContactMethod.EMAIL, ContactMethod.PHONE, ContactMethod.LETTER)
)
REPORTED = str(CaseStatus.REPORTED.value)
RECORDS_SYSTEM = str(Channel.RECORDS_SYSTEM.value)
REPORT_RECORDED = str(EventKind.REPORT_RECORDED.value)
REPORT_RECORDED_TEXT = "Your report was recorded."
BUSY_NOTE = (
    "backfill: the case tables were busy, so some batches had their foreign keys checked row by row"
)


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
    # The care clock, started after the rows are in: cases to clock, cases clocked so far
    # and the time it took (so the rows' rate can be told apart from the clock's).
    to_clock: int = 0
    clocked: int = 0
    clock_seconds: float = 0.0

    def line(self) -> str:
        return (
            f"read {self.read:,} / imported {self.imported:,} / rejected {self.rejected:,} "
            f"/ already present {self.already_present:,}"
        )


# A checked row is a plain tuple (building one is several times cheaper than a dataclass
# instance), in this order. Date-times are naive UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]';
# the date of birth is ISO text; ``year`` is the London year reported, which numbers the
# case's reference; ``plain`` says no cell holds a backslash, tab or line break (which
# PostgreSQL's COPY text format must escape).
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
)
GoodRow = tuple
REPORTED_AT = itemgetter(1)

FIELDS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
PLAIN_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-5][0-9]:[0-5][0-9]")
COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
NULL = "\\N"  # COPY text format
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
HOUR = timedelta(hours=1)


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

    def __init__(self):
        self.hours: dict[str, tuple[str, int] | None] = {}

    def utc(self, text: str) -> tuple[str, int]:
        """(UTC text, London year); ValueError if ``text`` is not a date and time."""
        if len(text) == 19 and PLAIN_INSTANT.fullmatch(text):
            key = text[:13]
            hit = self.hours.get(key, False)
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
        if offset == end and not offset % HOUR:
            hit = ((start - offset).isoformat(" ")[:13], start.year)
        if len(self.hours) >= self.CACHE_LIMIT:
            self.hours.clear()
        self.hours[key] = hit
        return hit


class RowChecker:
    """Validates one CSV row (a list of cells) into a GoodRow, or returns why it is rejected."""

    def __init__(self, *, force: Force, now: datetime, header: list[str]):
        self.areas = dict(Area.objects.filter(force=force).values_list("code", "id"))
        self.crime_types = dict(CrimeType.objects.values_list("code", "id"))
        self.now = now
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
                date_of_birth = date.fromisoformat(birth_text).isoformat()
            except ValueError:
                return "date_of_birth is not a date like 1980-03-31"
        if email and not EMAIL_PATTERN.match(email):
            return "email is not an email address"
        if phone and not PHONE_PATTERN.match(phone):
            return "phone is not a phone number"
        preferred = preferred.lower() or (EMAIL if email else PHONE if phone else LETTER)
        if preferred not in CONTACT_METHODS:
            return f"preferred_contact must be one of {', '.join(sorted(CONTACT_METHODS))}"
        safe_text = safe_text.lower()
        if safe_text not in SAFE_ANSWERS:
            return "phone_is_safe must be yes or no"
        status = status.lower() or REPORTED
        if status not in STATUSES:
            return f"status must be one of {', '.join(sorted(STATUSES))}"
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
        )


# --- bulk writing ----------------------------------------------------------------------------

STAGE = "victimcare_import_stage"
# The staging table (SQLite): the batch's ids, reference and pseudonym, then a GoodRow.
STAGE_COLUMNS = ("case_id", "victim_id", "reference", "pseudonym", *ROW_FIELDS)


def _uuids(count: int) -> list[str]:
    """Victim pseudonyms for ``count`` new rows: time-ordered UUIDs (version 7, RFC 9562)
    as 32 hex digits, which both databases accept.

    The first 48 bits are the time in milliseconds, the other 74 (after the version and
    variant bits) random, as unguessable as a version 4 UUID's 122 for a pseudonym. The
    time prefix puts a batch's new keys together at the end of the pseudonym index: random
    ones would land on a different page of it each, and once that index outgrows the
    database's memory each of those pages is read and written back (``benchmarks/
    bench_intake.py`` prints the import rate). The time is that of the import, not of
    anything about the victim. Much faster than ``uuid.uuid4()`` one at a time."""
    prefix = (time.time_ns() // 1_000_000 & (1 << 48) - 1).to_bytes(6, "big")
    raw = bytearray(os.urandom(16 * count))
    for i in range(0, 16 * count, 16):
        raw[i : i + 6] = prefix
        raw[i + 6] = raw[i + 6] & 0x0F | 0x70
        raw[i + 8] = raw[i + 8] & 0x3F | 0x80
    text = raw.hex()
    return [text[32 * i : 32 * i + 32] for i in range(count)]


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).translate(COPY_ESCAPES)


class Table:
    """One model's bulk insert: the columns the importer sets (``given``, in order), then
    every other column at its model default, so a column added later keeps working."""

    def __init__(self, model, given: tuple[str, ...]):
        self.table = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.given_columns = {by_attname[n].column for n in given}
        rest = [
            f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key
        ]
        for f in rest:
            if f.unique:
                raise ImproperlyConfigured(f"the importer must set {self.table}.{f.column}")
        quote = connection.ops.quote_name
        self.columns = ", ".join(
            quote(c) for c in [by_attname[n].column for n in given] + [f.column for f in rest]
        )
        defaults = [f.get_default() for f in rest]
        # SQLite: bound once per INSERT ... SELECT. PostgreSQL: the end of every COPY line.
        self.default_params = [
            f.get_db_prep_save(v, connection) for f, v in zip(rest, defaults, strict=True)
        ]
        self.default_marks = "".join(", ?" for _ in rest)
        self.tail = "".join("\t" + _copy_text(v) for v in defaults) + "\n"
        # Table and column names come from the models, never from the file.
        self.copy_sql = f"COPY {quote(self.table)} ({self.columns}) FROM STDIN"

    def copy(self, raw, data: bytes) -> None:
        """PostgreSQL: one COPY of whole lines (each ending with ``self.tail``)."""
        with raw.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
            copy.write(data)

    def insert_from_stage(self, raw, expressions: str, params: list) -> None:
        """SQLite: one INSERT ... SELECT from the staging table (``?`` placeholders)."""
        raw.execute(
            f"INSERT INTO {connection.ops.quote_name(self.table)} ({self.columns}) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
            f"SELECT {expressions}{self.default_marks} FROM temp.{STAGE} ORDER BY rowid",
            [*params, *self.default_params],
        )


class BatchWriter:
    """Writes a batch of checked rows: a Case, Victim, VictimPersonalDetails, 'report
    recorded' CaseEvent and ExternalReference each, in the caller's transaction.

    ``prepare`` does the part that needs Python (ids, references, staging the rows or
    building the COPY data) and returns the rest, which only waits on the database and so
    can run on another thread while the next batch is checked."""

    def __init__(self, *, force: Force, system: str, backfill: bool = False):
        self.force = force
        self.system = system
        self.postgres = connection.vendor == "postgresql"
        self.cases = Table(
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
        self.victims = Table(Victim, ("id", "case_id", "pseudonym"))
        self.details = Table(
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
        self.events = Table(
            CaseEvent, ("case_id", "kind", "at", "recorded_at", "detail", "victim_text")
        )
        self.external = Table(ExternalReference, ("case_id", "force_id", "system", "external_id"))
        self.detail = json.dumps({"channel": RECORDS_SYSTEM, "imported": True})
        # The backfill mode (PostgreSQL): the parents each batch's rows point at.
        self.checks = None
        self.used: dict[str, set[int]] = {}
        if backfill and self.postgres:
            parents = {
                (Case, "force"): Force,
                (Case, "area"): Area,
                (Case, "crime_type"): CrimeType,
                (ExternalReference, "force"): Force,
            }
            self.checks = BackfillChecks(
                [self.cases, self.victims, self.details, self.events, self.external],
                {
                    (model._meta.db_table, model._meta.get_field(name).column): (
                        parent._meta.db_table
                    )
                    for (model, name), parent in parents.items()
                },
            )
            self.used_tables = (Force._meta.db_table, Area._meta.db_table)
            self.used_tables += (CrimeType._meta.db_table,)
            self.used = self._used_new()
        self.own_sequence_connection = self.postgres and not connection.in_atomic_block
        self.sequence_connection = None
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
                    [self.cases.table, self.victims.table],
                )
                self.sequences = cursor.fetchone()

    def _used_new(self) -> dict[str, set[int]]:
        force, area, crime_type = self.used_tables
        return {force: {self.force.pk}, area: set(), crime_type: set()}

    def used_take(self) -> dict[str, set[int]]:
        """The parents the rows prepared since the last call point at (backfill mode)."""
        used, self.used = self.used, self._used_new()
        return used

    def present(self, external_ids: list[str]) -> dict[str, int]:
        """Which of these external ids are imported already, with their case ids."""
        if not external_ids:
            return {}
        table = connection.ops.quote_name(ExternalReference._meta.db_table)
        if self.postgres:
            matches, ids = "= ANY(%s)", external_ids
        else:
            matches, ids = "IN (SELECT value FROM json_each(%s))", json.dumps(external_ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT external_id, case_id FROM {table} "  # noqa: S608 (the model's table)
                f"WHERE force_id = %s AND system = %s AND external_id {matches}",
                [self.force.pk, self.system, ids],
            )
            return dict(cursor.fetchall())

    def write(self, rows: list[GoodRow]) -> list[int]:
        """Write a batch in the caller's transaction; returns the new case ids."""
        case_ids, insert = self.prepare(rows)
        insert()
        return case_ids

    def prepare(self, rows: list[GoodRow]) -> tuple[list[int], Callable[[], None]]:
        """The new case ids, and the inserts still to run (in the same transaction)."""
        with connection.cursor() as cursor:
            references = self._references(rows, cursor)
            case_ids, victim_ids = self._ids(len(rows), cursor)
        now = timezone.now().astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        prepare = self._copy_data if self.postgres else self._stage
        return case_ids, prepare(rows, case_ids, victim_ids, references, now)

    def _references(self, rows: list[GoodRow], cursor) -> list[str]:
        """The next numbers of the force's reference sequence for each London year
        reported: one upsert a year.

        On PostgreSQL the upsert runs on a connection of its own and commits at once, as
        ``reference_allocate`` does for live reports: the sequence's row is locked for one
        statement, not for a whole batch, so live reports never wait on an import (a
        batch that fails leaves a gap in the numbers, never a duplicate). Inside a
        caller's transaction, and on SQLite (one writer at a time anyway), it runs in
        the batch's transaction."""
        by_year: dict[int, list[int]] = {}
        for i, row in enumerate(rows):
            by_year.setdefault(row[17], []).append(i)
        references = [""] * len(rows)
        code = self.force.code
        table = connection.ops.quote_name(ReferenceSequence._meta.db_table)
        if self.own_sequence_connection and self.sequence_connection is None:
            # The driver's own connect: never one from a pool, closed at the end.
            self.sequence_connection = connection.Database.connect(
                **connection.get_connection_params(), autocommit=True
            )
        for year, indexes in sorted(by_year.items()):
            sql = f"""
                INSERT INTO {table} (force_id, year, last_number) VALUES (%s, %s, %s)
                ON CONFLICT (force_id, year) DO UPDATE
                SET last_number = {table}.last_number + excluded.last_number
                RETURNING last_number
            """  # noqa: S608 (the table name is the model's own)
            params = [self.force.pk, year, len(indexes)]
            if self.sequence_connection is not None:
                with connection.wrap_database_errors:
                    last = self.sequence_connection.execute(sql, params).fetchone()[0]
            else:
                cursor.execute(sql, params)
                last = cursor.fetchone()[0]
            for number, i in enumerate(indexes, start=last - len(indexes) + 1):
                references[i] = format_reference(force_code=code, year=year, number=number)
        return references

    def close(self) -> None:
        if self.sequence_connection is not None:
            self.sequence_connection.close()
            self.sequence_connection = None

    def _ids(self, count: int, cursor) -> tuple[list[int], list[int]]:
        """``count`` fresh Case and Victim primary keys."""
        if self.postgres:
            cursor.execute(
                "SELECT nextval(%s::regclass), nextval(%s::regclass) FROM generate_series(1, %s)",
                [*self.sequences, count],
            )
            pairs = cursor.fetchall()
            return [p[0] for p in pairs], [p[1] for p in pairs]
        # SQLite: the batch's transaction holds the database's write lock.
        firsts = []
        for table in (self.cases.table, self.victims.table):
            cursor.execute(
                f'SELECT MAX(COALESCE((SELECT MAX("id") FROM "{table}"), 0), '  # noqa: S608 (names are our own or quoted; values are bound parameters)
                "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                [table],
            )
            firsts.append(cursor.fetchone()[0] + 1)
        return (
            list(range(firsts[0], firsts[0] + count)),
            list(range(firsts[1], firsts[1] + count)),
        )

    def _stage(self, rows, case_ids, victim_ids, references, now) -> Callable[[], None]:
        """SQLite: the rows into the staging table (one executemany); then, one INSERT ...
        SELECT a table, which SQLite runs without holding Python's GIL."""
        raw = connection.connection
        raw.execute(f"DELETE FROM temp.{STAGE}")  # noqa: S608 (names are our own or quoted; values are bound parameters)
        raw.executemany(
            f"INSERT INTO temp.{STAGE} VALUES ({', '.join('?' * len(STAGE_COLUMNS))})",  # noqa: S608 (names are our own or quoted; values are bound parameters)
            [
                (case_id, victim_id, reference, pseudonym, *row)
                for case_id, victim_id, reference, pseudonym, row in zip(
                    case_ids, victim_ids, references, _uuids(len(rows)), rows, strict=True
                )
            ],
        )
        force_id, system = self.force.pk, self.system

        def insert() -> None:
            self.cases.insert_from_stage(
                raw,
                "case_id, reference, ?, area_id, crime_type_id, reported_at, occurred_at, ?, "
                "status, summary, ?",
                [force_id, RECORDS_SYSTEM, now],
            )
            self.victims.insert_from_stage(raw, "victim_id, case_id, pseudonym", [])
            self.details.insert_from_stage(
                raw,
                "victim_id, given_name, family_name, date_of_birth, email, phone, address, "
                "postcode, preferred_contact, times_to_avoid, phone_is_safe",
                [],
            )
            self.events.insert_from_stage(
                raw,
                "case_id, ?, reported_at, ?, ?, ?",
                [REPORT_RECORDED, now, self.detail, REPORT_RECORDED_TEXT],
            )
            self.external.insert_from_stage(raw, "case_id, ?, ?, external_id", [force_id, system])

        return insert

    def _copy_data(self, rows, case_ids, victim_ids, references, now) -> Callable[[], None]:
        """PostgreSQL: the COPY data (text format) for each table; then, the COPYs."""
        now += "+00"
        case_tail, victim_tail, details_tail = self.cases.tail, self.victims.tail, self.details.tail
        event_middle = f"\t{REPORT_RECORDED}\t"
        event_tail = (
            f"\t{now}\t{_copy_text(self.detail)}\t{_copy_text(REPORT_RECORDED_TEXT)}"
            + self.events.tail
        )
        external_middle = f"\t{self.force.pk}\t{_copy_text(self.system)}\t"
        external_tail = self.external.tail
        case_middle = f"\t{self.force.pk}\t"
        if self.checks is not None:
            _, area_table, crime_type_table = self.used_tables
            self.used[area_table].update({row[4] for row in rows})
            self.used[crime_type_table].update({row[3] for row in rows})
        cases, victims, details, events, externals = [], [], [], [], []
        for case_id, victim_id, reference, pseudonym, row in zip(
            case_ids, victim_ids, references, _uuids(len(rows)), rows, strict=True
        ):
            (
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
                phone_is_safe,
                address,
                postcode,
                preferred,
                times_to_avoid,
                status,
                _,
                plain,
            ) = row
            if not plain:
                (
                    external_id,
                    summary,
                    given_name,
                    family_name,
                    email,
                    phone,
                    address,
                    postcode,
                    times_to_avoid,
                ) = (
                    v.translate(COPY_ESCAPES)
                    for v in (
                        external_id,
                        summary,
                        given_name,
                        family_name,
                        email,
                        phone,
                        address,
                        postcode,
                        times_to_avoid,
                    )
                )
            cases.append(
                f"{case_id}\t{reference}{case_middle}{area_id}\t{crime_type_id}\t"
                f"{reported_at}+00\t{occurred_at + '+00' if occurred_at else NULL}\t"
                f"{RECORDS_SYSTEM}\t{status}\t{summary}\t{now}{case_tail}"
            )
            victims.append(f"{victim_id}\t{case_id}\t{pseudonym}{victim_tail}")
            details.append(
                f"{victim_id}\t{given_name}\t{family_name}\t{date_of_birth or NULL}\t"
                f"{email}\t{phone}\t{address}\t{postcode}\t{preferred}\t{times_to_avoid}\t"
                f"{NULL if phone_is_safe is None else 't' if phone_is_safe else 'f'}{details_tail}"
            )
            events.append(f"{case_id}{event_middle}{reported_at}+00{event_tail}")
            externals.append(f"{case_id}{external_middle}{external_id}{external_tail}")
        data = [
            (table, "".join(lines).encode())
            for table, lines in (
                (self.cases, cases),
                (self.victims, victims),
                (self.details, details),
                (self.events, events),
                (self.external, externals),
            )
        ]
        raw = connection.connection

        def insert() -> None:
            for table, payload in data:
                table.copy(raw, payload)

        return insert


def _may_skip_row_checks(cursor) -> bool:
    """Whether this role may set session_replication_role (a superuser, or granted it)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        return True
    if connection.pg_version < 150000:
        return False
    cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    return bool(cursor.fetchone()[0])


class BackfillChecks:
    """PostgreSQL's backfill mode (``backfill=True``): foreign keys checked once a batch
    instead of once a row.

    PostgreSQL checks a foreign key with a query per inserted row (8 for every imported
    row), about half of the server's work in an import. In backfill mode each batch runs
    with ``session_replication_role = replica`` (as ``pg_restore --disable-triggers``
    does), so those per-row checks do not fire, and proves its rows itself before it
    commits, with one query per parent table: the force, areas and crime types its rows
    point at exist, and are locked ``FOR KEY SHARE`` (as the per-row checks lock them) so
    that nothing deletes them before the batch commits. Every other foreign key of the
    rows points at a row the batch itself wrote (its cases and victims) or is empty (the
    import sets no officer). No table is locked beyond that: live reports go on.

    Setting the role needs a superuser, or on PostgreSQL 15 and later
    ``GRANT SET ON PARAMETER session_replication_role TO <the app's role>``.
    """

    def __init__(self, tables: list[Table], checked: dict[tuple[str, str], str]):
        """``checked``: the foreign keys the batch proves itself, as (table, column) ->
        parent table. Any other foreign key among the columns the import sets must point
        into ``tables``; the check below fails at once if a column is added without one."""
        names = [t.table for t in tables]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT con.conrelid::regclass::text, att.attname, con.confrelid::regclass::text
                FROM pg_constraint con
                JOIN pg_attribute att ON att.attrelid = con.conrelid
                 AND att.attnum = ANY (con.conkey)
                WHERE con.contype = 'f' AND con.conrelid = ANY (%s::regclass[])
                """,
                [names],
            )
            keys = cursor.fetchall()
            allowed = _may_skip_row_checks(cursor)
        written = {(t.table, column) for t in tables for column in t.given_columns}
        for table, column, parent in keys:
            if (
                (table, column) in written
                and parent not in names
                and (table, column) not in checked
            ):
                raise ImproperlyConfigured(f"the backfill must check {table}.{column}")
        if not allowed:
            raise ImportError_(
                "--backfill needs permission to set session_replication_role: run it as a "
                "superuser, or on PostgreSQL 15 and later: GRANT SET ON PARAMETER "
                "session_replication_role TO <this role>"
            )

    @staticmethod
    def begin(raw) -> None:
        """In the batch's transaction, before its rows: no per-row foreign-key checks."""
        with connection.wrap_database_errors:
            raw.execute("SET LOCAL session_replication_role = replica")

    @staticmethod
    def prove(raw, used: dict[str, set[int]]) -> None:
        """Before the batch commits: lock and count the parents its rows point at
        (``used``: parent table -> ids), then checks are back on for the transaction."""
        quote = connection.ops.quote_name
        with connection.wrap_database_errors:
            for parent, ids in used.items():
                if not ids:
                    continue
                with raw.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id FROM {quote(parent)} WHERE id = ANY (%s) FOR KEY SHARE",  # noqa: S608 (names are our own or quoted; values are bound parameters)
                        [sorted(ids)],
                    )
                    found = len(cursor.fetchall())
                if found != len(ids):
                    raise ImportError_(
                        f"{len(ids) - found} of the {parent} rows this batch points at no longer "
                        "exist; the batch was rolled back"
                    )
            raw.execute("SET LOCAL session_replication_role = DEFAULT")


class BatchTransaction:
    """A batch's transaction, begun and ended on the driver's connection so that it can
    end on the worker thread. Inside a caller's transaction (an ``atomic`` block) each
    batch is a savepoint instead."""

    SAVEPOINT = "victimcare_import_batch"

    def __init__(self):
        connection.ensure_connection()
        self.raw = connection.connection
        if connection.in_atomic_block:
            self.begin_sql = f"SAVEPOINT {self.SAVEPOINT}"
            self.commit_sql = f"RELEASE SAVEPOINT {self.SAVEPOINT}"
            self.rollback_sql = (
                f"ROLLBACK TO SAVEPOINT {self.SAVEPOINT}",
                f"RELEASE SAVEPOINT {self.SAVEPOINT}",
            )
        else:
            # SQLite: take the write lock at once (as the project's atomic blocks do).
            self.begin_sql = "BEGIN IMMEDIATE" if connection.vendor == "sqlite" else "BEGIN"
            self.commit_sql = "COMMIT"
            self.rollback_sql = ("ROLLBACK",)
        self.open = False

    def begin(self) -> None:
        with connection.wrap_database_errors:
            self.raw.execute(self.begin_sql)
        self.open = True

    def commit(self) -> None:
        with connection.wrap_database_errors:
            self.raw.execute(self.commit_sql)
        self.open = False

    def rollback(self) -> None:
        """Roll back the open batch, if any. Keeps the error that made us roll back, not
        one from a broken connection."""
        if not self.open:
            return
        self.open = False
        with suppress(Exception):
            for sql in self.rollback_sql:
                self.raw.execute(sql)


class Overlap:
    """Runs one batch's database part (its inserts and commit) on a worker thread while
    the main thread checks the next batch: SQLite and psycopg let go of Python's GIL while
    the database works, so the two proceed side by side. ``wait`` joins the worker, then
    re-raises its error or runs the batch's ``done`` callback (on the main thread)."""

    def __init__(self):
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.done: Callable[[], None] | None = None

    def start(self, job: Callable[[], None], done: Callable[[], None] | None) -> None:
        def run() -> None:
            try:
                job()
            except BaseException as error:  # noqa: BLE001 (handed to the main thread)
                self.error = error

        self.done = done
        self.thread = threading.Thread(target=run, name="victimcare-import", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        if self.thread is None:
            return
        self.thread.join()
        self.thread = None
        error, self.error, done, self.done = self.error, None, self.done, None
        if error is not None:
            raise error
        if done is not None:
            done()


# --- the import ---------------------------------------------------------------------------


def _clock_bulk() -> Callable | None:
    try:
        from victimcare.care.rebuild import obligations_rebuild_all
    except ImportError:
        return None
    return obligations_rebuild_all


def _chunks(reader: Iterator[list[str]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk = []
    for number, row in enumerate(reader, start=2):  # line 1 is the header
        if not row:
            continue  # a blank line
        chunk.append((number, row))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def _bulk_session() -> Iterator[None]:
    """Settings for the length of an import.

    The cyclic garbage collector is paused: the import makes no reference cycles, and
    with a chunk of rows alive each collection walks every one of them. SQLite gets a bigger page cache, the staging
    table, and WAL checkpoints every SQLITE_CHECKPOINT_PAGES rather than after every
    commit (each checkpoint writes back and syncs every page the batches touched, and
    the random-order indexes touch most of theirs in every batch).
    """
    collecting = gc.isenabled()
    gc.disable()
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA wal_autocheckpoint")
            checkpoint_pages = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
            cursor.execute("PRAGMA temp.cache_size")
            temp_cache_size = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA temp.cache_size = {-SQLITE_TEMP_CACHE_KIB}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")
            cursor.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
            cursor.execute(f"CREATE TEMP TABLE {STAGE} ({', '.join(STAGE_COLUMNS)})")
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        if sqlite:
            # After a failure the connection may refuse queries until its transaction
            # ends; the temporary table then goes with the connection.
            with (
                suppress(DatabaseError, TransactionManagementError),
                connection.cursor() as cursor,
            ):
                cursor.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
                cursor.execute(f"PRAGMA cache_size = {cache_size}")
                cursor.execute(f"PRAGMA temp.cache_size = {temp_cache_size}")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {checkpoint_pages}")


def cases_import(
    *,
    source: TextIO,
    force: Force,
    rejects: TextIO,
    system: str = "rms",
    batch_size: int = BATCH_SIZE,
    clock: bool = True,
    progress: Callable[[ImportSummary], None] | None = None,
    summary: ImportSummary | None = None,
    backfill: bool = False,
) -> ImportSummary:
    """Import cases from a CSV stream; see the module docstring for the guarantees.

    Pass ``summary`` to keep the counts of the batches committed so far if the run is
    interrupted. ``backfill`` (PostgreSQL; ignored elsewhere) checks foreign keys once a
    batch rather than once a row: see ``BackfillChecks``.
    """
    reader = csv.reader(source)
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportError_(
            f"the file has no column {', '.join(missing)} (line 1 must name the columns)"
        )
    rejects_writer = csv_writer(rejects)
    rejects_writer.writerow(["line", "crime_reference", "reason"])
    summary = summary if summary is not None else ImportSummary()
    checker = RowChecker(force=force, now=timezone.now(), header=header)
    reference_at = header.index("crime_reference")
    writer = BatchWriter(force=force, system=system, backfill=backfill)
    checks = writer.checks
    clock_bulk = _clock_bulk() if clock else None
    if clock and clock_bulk is None:
        summary.notes.append("the care clock has no bulk function: obligations not started")
    # Case ids for the clock: this run's new cases, and the file's cases already present
    # (an interrupted earlier run may have left some unclocked). 8 bytes a case.
    clock_ids = (array("q"), array("q")) if clock_bulk is not None else None
    check = checker.check
    reject = rejects_writer.writerow
    overlap = Overlap()
    pending = Pending()
    rows_in_batch = 0
    with _bulk_session():
        batch = BatchTransaction()
        try:
            for chunk in _chunks(reader, min(batch_size, CHUNK_ROWS)):
                # Checked while the previous chunk's inserts (and commit) run.
                good: list[GoodRow] = []
                seen: set[str] = set()
                duplicates = 0
                for number, row in chunk:
                    result = check(row)
                    if result.__class__ is str:
                        reference = row[reference_at][:100] if len(row) > reference_at else ""
                        summary.rejected += 1
                        reject([number, reference, result])
                        continue
                    if result[0] in seen:
                        duplicates += 1
                        continue
                    seen.add(result[0])
                    good.append(result)
                # In order of report: references and ids then follow it within a chunk,
                # and the indexes on report time fill in order rather than at random
                # (SQLite's inserts then take less CPU).
                good.sort(key=REPORTED_AT)
                summary.read += len(chunk)
                rows_in_batch += len(chunk)
                rejects.flush()
                del chunk  # the next one is read while this one is written
                overlap.wait()
                if not batch.open:
                    batch.begin()
                    if checks is not None:
                        checks.begin(batch.raw)
                try:
                    present = writer.present([r[0] for r in good])
                    fresh = [r for r in good if r[0] not in present] if present else good
                    case_ids, insert = writer.prepare(fresh) if fresh else ([], None)
                except BaseException:
                    batch.rollback()
                    raise
                pending.add(
                    imported=len(fresh),
                    already_present=duplicates + len(good) - len(fresh),
                    case_ids=case_ids,
                    present_ids=present.values(),
                    clock_ids=clock_ids,
                )
                commit = rows_in_batch >= batch_size
                done = prove = None
                if commit:
                    done = partial(pending.apply, summary, progress, clock_ids)
                    pending, rows_in_batch = Pending(), 0
                    prove = _prove(writer, batch)
                overlap.start(
                    partial(_write_chunk, insert, batch, commit=commit, prove=prove), done
                )
                del good, fresh  # staged, or turned into COPY data
            overlap.wait()
            if batch.open:  # the file's last rows
                _write_chunk(None, batch, commit=True, prove=_prove(writer, batch))
                pending.apply(summary, progress, clock_ids)
        except BaseException:
            # A chunk already on its way lands (or rolls back) before the error goes up;
            # a batch still open then rolls back whole.
            with suppress(BaseException):
                overlap.wait()
            batch.rollback()
            raise
        finally:
            writer.close()
    if clock_ids is not None:
        _clock(clock_bulk, *clock_ids, summary, progress)
    return summary


def _prove(writer: BatchWriter, batch: BatchTransaction):
    """What proves a batch's foreign keys before it commits (backfill mode)."""
    if writer.checks is None:
        return None
    return partial(writer.checks.prove, batch.raw, writer.used_take())


def _write_chunk(
    insert: Callable[[], None] | None,
    batch: BatchTransaction,
    *,
    commit: bool,
    prove: Callable[[], None] | None = None,
) -> None:
    """On the worker thread: a chunk's inserts, then the batch's commit if it is full
    (after ``prove`` checks its foreign keys, in backfill mode)."""
    try:
        if insert is not None:
            with connection.wrap_database_errors:
                insert()
        if commit:
            if prove is not None:
                prove()
            batch.commit()
    except BaseException:
        batch.rollback()
        raise


@dataclass
class Pending:
    """What the chunks of the open batch did, counted once the batch commits."""

    imported: int = 0
    already_present: int = 0
    case_ids: array = field(default_factory=lambda: array("q"))
    present_ids: array = field(default_factory=lambda: array("q"))

    def add(self, *, imported, already_present, case_ids, present_ids, clock_ids) -> None:
        self.imported += imported
        self.already_present += already_present
        if clock_ids is not None:
            self.case_ids.extend(case_ids)
            self.present_ids.extend(present_ids)

    def apply(self, summary: ImportSummary, progress, clock_ids) -> None:
        summary.imported += self.imported
        summary.already_present += self.already_present
        summary.batches += 1
        if clock_ids is not None:
            clock_ids[0].extend(self.case_ids)
            clock_ids[1].extend(self.present_ids)
        if progress is not None:
            progress(summary)


def _clock(
    clock_bulk: Callable,
    imported_ids: array,
    present_ids: array,
    summary: ImportSummary,
    progress: Callable[[ImportSummary], None] | None,
) -> None:
    """Start the care clock for the new cases, and for the file's cases already present
    that have none (an earlier run stopped before clocking them), a chunk at a time."""
    from victimcare.care.models import CaseClock

    started = time.perf_counter()
    summary.to_clock += len(imported_ids)
    if progress is not None and summary.to_clock:
        progress(summary)

    def chunks(ids: array) -> Iterator[list[int]]:
        for start in range(0, len(ids), CLOCK_CHUNK):
            yield ids[start : start + CLOCK_CHUNK].tolist()

    def clock_chunk(chunk: list[int]) -> None:
        clock_bulk(cases=Case.objects.filter(pk__in=chunk), now=timezone.now())
        summary.clocked += len(chunk)
        summary.clock_seconds = time.perf_counter() - started
        if progress is not None:
            progress(summary)

    for chunk in chunks(imported_ids):
        clock_chunk(chunk)
    for chunk in chunks(present_ids):
        clocked = set(CaseClock.objects.filter(case_id__in=chunk).values_list("case_id", flat=True))
        unclocked = [case_id for case_id in chunk if case_id not in clocked]
        if unclocked:
            summary.to_clock += len(unclocked)
            clock_chunk(unclocked)
    summary.clock_seconds = time.perf_counter() - started


def cases_import_file(*, path: Path, force: Force, rejects_path: Path, **kwargs) -> ImportSummary:
    """Import ``path``, writing rejected rows to ``rejects_path``; when no row was
    rejected no rejects file is left behind (``summary.rejects_path`` is then empty)."""
    summary = kwargs.pop("summary", None) or ImportSummary()
    try:
        with (
            path.open(newline="", encoding="utf-8-sig", errors="replace") as source,
            rejects_path.open("w", newline="", encoding="utf-8") as rejects,
        ):
            cases_import(source=source, force=force, rejects=rejects, summary=summary, **kwargs)
    finally:
        if summary.rejected == 0:
            rejects_path.unlink(missing_ok=True)
    summary.rejects_path = str(rejects_path) if summary.rejected else ""
    return summary
