"""A batch's transaction, and the worker thread that writes it.

A chunk's inserts (and its batch's commit) run on a worker thread while the main thread
checks the next chunk: both drivers let go of the GIL while the database works. A batch
lands whole or not at all.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeAlias

from django.db import connection

if TYPE_CHECKING:  # run.py drives the batches, so it imports this module
    from victimcare.intake.importer.run import ImportSummary
    from victimcare.intake.importer.write import BatchWriter

# The case ids to clock: this run's new cases, and the file's cases already present.
ClockIds: TypeAlias = "tuple[array[int], array[int]]"


class BatchTransaction:
    """A batch's transaction, begun and ended on the driver's connection so that it can
    end on the worker thread. Inside a caller's transaction (an ``atomic`` block) each
    batch is a savepoint instead."""

    SAVEPOINT = "victimcare_import_batch"

    def __init__(self) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        if connection.in_atomic_block:
            self.begin_sql = f"SAVEPOINT {self.SAVEPOINT}"
            self.commit_sql = f"RELEASE SAVEPOINT {self.SAVEPOINT}"
            self.rollback_sql: tuple[str, ...] = (
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

    def __init__(self) -> None:
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


def prove_for(writer: BatchWriter, batch: BatchTransaction) -> Callable[[], None] | None:
    """What proves a batch's foreign keys before it commits (backfill mode)."""
    if writer.checks is None:
        return None
    return partial(writer.checks.prove, batch.raw, writer.used_take())


def write_chunk(
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
    case_ids: array[int] = field(default_factory=lambda: array("q"))
    present_ids: array[int] = field(default_factory=lambda: array("q"))

    def add(
        self,
        *,
        imported: int,
        already_present: int,
        case_ids: Iterable[int],
        present_ids: Iterable[int],
        clock_ids: ClockIds | None,
    ) -> None:
        self.imported += imported
        self.already_present += already_present
        if clock_ids is not None:
            self.case_ids.extend(case_ids)
            self.present_ids.extend(present_ids)

    def apply(
        self,
        summary: ImportSummary,
        progress: Callable[[ImportSummary], None] | None,
        clock_ids: ClockIds | None,
    ) -> None:
        summary.imported += self.imported
        summary.already_present += self.already_present
        summary.batches += 1
        if clock_ids is not None:
            clock_ids[0].extend(self.case_ids)
            clock_ids[1].extend(self.present_ids)
        if progress is not None:
            progress(summary)
