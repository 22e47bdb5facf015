"""Bulk import of historical cases from a records system's CSV export.

Streams the file (constant memory), validates each row, and writes each batch of good
rows in one transaction: a batch lands whole or not at all, so a crash or Ctrl-C loses
nothing already committed and never half-imports a row. Rows are keyed on the records
system's own crime reference (an ``ExternalReference``), so a re-run skips what is
already present. Rejected rows are written, with the reason, to a rejects CSV.

Each victim gets the Victims' Code enhanced grounds a report from the forms or the API
gets (``cases.services.case_create``): derived from the crime type, the ``hate_element``
column and a date of birth under 18 at the offence, plus those in the ``enhanced_grounds``
column (``;``-separated), recorded with the import as their source; the clock started
after the rows are in reads them (1 working day for enhanced victims).

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

The package's modules, one job each: ``check`` (a row's checks), ``tables`` (each
model's bulk insert, its columns from ``_meta``), ``write`` (the bulk writes),
``backfill`` (the backfill mode's proof), ``batch`` (a batch's transaction and its worker
thread) and ``run`` (the import, start to end).
"""

from victimcare.intake.importer.check import ImportError_
from victimcare.intake.importer.run import ImportSummary, cases_import, cases_import_file

__all__ = ["ImportError_", "ImportSummary", "cases_import", "cases_import_file"]
