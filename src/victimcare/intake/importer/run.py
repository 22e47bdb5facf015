"""The import itself: the file read in chunks, each chunk checked, then written.

See the package docstring (``victimcare.intake.importer``) for the guarantees.
"""

from __future__ import annotations

import csv
import gc
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from django.db import DatabaseError, connection
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from victimcare.cases.models import Case
from victimcare.core.csv_export import csv_writer
from victimcare.forces.models import Force
from victimcare.intake.importer.batch import (
    BatchTransaction,
    Overlap,
    Pending,
    prove_for,
    write_chunk,
)
from victimcare.intake.importer.check import REPORTED_AT, GoodRow, RowChecker, header_check
from victimcare.intake.importer.tables import STAGE, STAGE_COLUMNS
from victimcare.intake.importer.write import BatchWriter

try:  # the care app is optional: without it an import starts no care clock
    from victimcare.care.models import CaseClock
    from victimcare.care.rebuild import obligations_rebuild_all
except ImportError:
    # Stand-ins the code below checks for; mypy sees the installed app's types.
    CaseClock = None  # type: ignore[assignment,misc]
    obligations_rebuild_all = None  # type: ignore[assignment]

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
    header_check(header)
    rejects_writer = csv_writer(rejects)
    rejects_writer.writerow(["line", "crime_reference", "reason"])
    summary = summary if summary is not None else ImportSummary()
    checker = RowChecker(force=force, now=timezone.now(), header=header, system=system)
    reference_at = header.index("crime_reference")
    writer = BatchWriter(force=force, system=system, backfill=backfill)
    checks = writer.checks
    clock_bulk = obligations_rebuild_all if clock else None
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
                    good.append(result)  # type: ignore[arg-type]  # (a GoodRow: the class test above is the hot path's)
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
                    prove = prove_for(writer, batch)
                overlap.start(partial(write_chunk, insert, batch, commit=commit, prove=prove), done)
                del good, fresh  # staged, or turned into COPY data
            overlap.wait()
            if batch.open:  # the file's last rows
                write_chunk(None, batch, commit=True, prove=prove_for(writer, batch))
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
    if clock_ids is not None and clock_bulk is not None:  # (both or neither)
        _clock(clock_bulk, *clock_ids, summary, progress)
    return summary


def _clock(
    clock_bulk: Callable[..., int],
    imported_ids: array[int],
    present_ids: array[int],
    summary: ImportSummary,
    progress: Callable[[ImportSummary], None] | None,
) -> None:
    """Start the care clock for the new cases, and for the file's cases already present
    that have none (an earlier run stopped before clocking them), a chunk at a time."""
    started = time.perf_counter()
    summary.to_clock += len(imported_ids)
    if progress is not None and summary.to_clock:
        progress(summary)

    def chunks(ids: array[int]) -> Iterator[list[int]]:
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


def cases_import_file(
    *, path: Path, force: Force, rejects_path: Path, **kwargs: Any
) -> ImportSummary:
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
