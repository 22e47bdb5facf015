"""The importer's bulk writes: a batch of checked rows into the case tables.

Each chunk of a batch reaches the database by its own bulk path: on PostgreSQL one
text-format COPY per table, built here; on SQLite one ``executemany`` into a temporary
staging table, then one ``INSERT ... SELECT`` per table. Every column list is built from
the models' ``_meta`` (``tables.Table``), and tests/intake/test_importer.py checks that each
line of COPY data puts each value in its column.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from victimcare.cases.constants import Channel, EventKind
from victimcare.cases.models import (
    Case,
    CaseEvent,
    ReferenceSequence,
    Victim,
    VictimPersonalDetails,
)
from victimcare.cases.services import format_reference
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake.importer.backfill import BackfillChecks, batch_proof_available
from victimcare.intake.importer.check import NO_GROUNDS, GoodRow
from victimcare.intake.importer.tables import (
    CASE_FIELDS,
    COPY_ESCAPES,
    DETAILS_FIELDS,
    EVENT_FIELDS,
    EXTERNAL_FIELDS,
    NULL,
    STAGE,
    STAGE_COLUMNS,
    VICTIM_FIELDS,
    Table,
    _copy_text,
)
from victimcare.intake.models import ExternalReference

if TYPE_CHECKING:
    import psycopg

RECORDS_SYSTEM = str(Channel.RECORDS_SYSTEM.value)
REPORT_RECORDED = str(EventKind.REPORT_RECORDED.value)
REPORT_RECORDED_TEXT = "Your report was recorded."
BOOL = {True: "t", False: "f"}  # COPY text format


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


class BatchWriter:
    """Writes a batch of checked rows: a Case, Victim, VictimPersonalDetails, 'report
    recorded' CaseEvent and ExternalReference each, in the caller's transaction.

    ``prepare`` does the part that needs Python (ids, references, staging the rows or
    building the COPY data) and returns the rest, which only waits on the database and so
    can run on another thread while the next batch is checked."""

    def __init__(self, *, force: Force, system: str, backfill: bool = False) -> None:
        self.force = force
        self.system = system
        self.postgres = connection.vendor == "postgresql"
        self.cases = Table(Case, CASE_FIELDS)
        self.victims = Table(Victim, VICTIM_FIELDS)
        self.details = Table(VictimPersonalDetails, DETAILS_FIELDS)
        self.events = Table(CaseEvent, EVENT_FIELDS)
        self.external = Table(ExternalReference, EXTERNAL_FIELDS)
        self.detail = json.dumps({"channel": RECORDS_SYSTEM, "imported": True})
        # PostgreSQL, in the backfill mode or where this role may (batch_proof_available):
        # foreign keys proved once a batch, from the parents its rows point at.
        self.checks: BackfillChecks | None = None
        self.used: dict[str, set[int]] = {}
        tables = [self.cases, self.victims, self.details, self.events, self.external]
        if self.postgres and (backfill or batch_proof_available(tables)):
            parents = {
                (Case, "force"): Force,
                (Case, "area"): Area,
                (Case, "crime_type"): CrimeType,
                (ExternalReference, "force"): Force,
            }
            self.checks = BackfillChecks(
                tables,
                {
                    # (forward fields, each with its column)
                    (model._meta.db_table, model._meta.get_field(name).column): (  # type: ignore[union-attr,misc]
                        parent._meta.db_table
                    )
                    for (model, name), parent in parents.items()
                },
            )
            self.used_tables: tuple[str, ...] = (Force._meta.db_table, Area._meta.db_table)
            self.used_tables += (CrimeType._meta.db_table,)
            self.used = self._used_new()
        self.own_sequence_connection = self.postgres and not connection.in_atomic_block
        self.sequence_connection: psycopg.Connection[Any] | None = None
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
        ids: list[str] | str
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

    def _references(self, rows: list[GoodRow], cursor: CursorWrapper) -> list[str]:
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
            self.sequence_connection = connection.Database.connect(  # type: ignore[attr-defined]  # (the driver module)
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
                    # (RETURNING gives the one row)
                    last = self.sequence_connection.execute(sql, params).fetchone()[0]  # type: ignore[index]
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

    def _ids(self, count: int, cursor: CursorWrapper) -> tuple[list[int], list[int]]:
        """``count`` fresh Case and Victim primary keys."""
        if self.postgres:
            cursor.execute(
                "SELECT nextval(%s::regclass), nextval(%s::regclass) FROM generate_series(1, %s)",
                [*self.sequences, count],
            )
            pairs = cursor.fetchall()
            return [p[0] for p in pairs], [p[1] for p in pairs]
        # SQLite: the batch's transaction holds the database's write lock.
        firsts: list[int] = []
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

    def _stage(
        self,
        rows: list[GoodRow],
        case_ids: list[int],
        victim_ids: list[int],
        references: list[str],
        now: str,
    ) -> Callable[[], None]:
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
            self.cases.insert_from_stage(raw, [force_id, RECORDS_SYSTEM, now])
            self.victims.insert_from_stage(raw, [])
            self.details.insert_from_stage(raw, [])
            self.events.insert_from_stage(
                raw, [REPORT_RECORDED, now, self.detail, REPORT_RECORDED_TEXT]
            )
            self.external.insert_from_stage(raw, [force_id, system])

        return insert

    def _copy_data(
        self,
        rows: list[GoodRow],
        case_ids: list[int],
        victim_ids: list[int],
        references: list[str],
        now: str,
    ) -> Callable[[], None]:
        """PostgreSQL: the COPY data (text format) for each table; then, the COPYs."""
        data = self.copy_payloads(rows, case_ids, victim_ids, references, now)
        raw = connection.connection

        def insert() -> None:
            for table, payload in data:
                table.copy(raw, payload)

        return insert

    def copy_payloads(
        self,
        rows: list[GoodRow],
        case_ids: list[int],
        victim_ids: list[int],
        references: list[str],
        now: str,
    ) -> list[tuple[Table, bytes]]:
        """Each table's COPY data: a line per row, its fields in the order of the table's
        ``*_FIELDS`` then its defaults (tests/intake/test_importer.py parses them back)."""
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
        no_grounds = "\tf\tf\tf\tf\t" + NO_GROUNDS
        if self.checks is not None:
            _, area_table, crime_type_table = self.used_tables
            self.used[area_table].update({row[4] for row in rows})
            self.used[crime_type_table].update({row[3] for row in rows})
        cases: list[str] = []
        victims: list[str] = []
        details: list[str] = []
        events: list[str] = []
        externals: list[str] = []
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
                hate_element,
                most_serious_crime,
                persistently_targeted,
                vulnerable,
                intimidated,
                grounds,
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
                f"{RECORDS_SYSTEM}\t{status}\t{summary}\t{now}\t{BOOL[hate_element]}{case_tail}"
            )
            if grounds == NO_GROUNDS:
                victims.append(f"{victim_id}\t{case_id}\t{pseudonym}{no_grounds}{victim_tail}")
            else:
                victims.append(
                    f"{victim_id}\t{case_id}\t{pseudonym}\t{BOOL[most_serious_crime]}\t"
                    f"{BOOL[persistently_targeted]}\t{BOOL[vulnerable]}\t{BOOL[intimidated]}\t"
                    f"{grounds.translate(COPY_ESCAPES)}{victim_tail}"
                )
            details.append(
                f"{victim_id}\t{given_name}\t{family_name}\t{date_of_birth or NULL}\t"
                f"{email}\t{phone}\t{address}\t{postcode}\t{preferred}\t{times_to_avoid}\t"
                f"{NULL if phone_is_safe is None else 't' if phone_is_safe else 'f'}{details_tail}"
            )
            events.append(f"{case_id}{event_middle}{reported_at}+00{event_tail}")
            externals.append(f"{case_id}{external_middle}{external_id}{external_tail}")
        return [
            (table, "".join(lines).encode())
            for table, lines in (
                (self.cases, cases),
                (self.victims, victims),
                (self.details, details),
                (self.events, events),
                (self.external, externals),
            )
        ]
