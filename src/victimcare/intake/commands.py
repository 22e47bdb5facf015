"""`victimcare import` and `victimcare drafts`: cases from records systems, and drafts.

Wired up in victimcare/cli.py (see the pattern there). The importer and services are
imported inside the handlers, not here: `victimcare --help` imports this module to build
its parser and must stay fast.
"""

from __future__ import annotations

import argparse
import sys

from victimcare.core.commandline import AddCommand, CommandError, non_negative_int, setup_django


def cmd_drafts(args: argparse.Namespace) -> int:  # noqa: ARG001 (one action)
    setup_django()
    from victimcare.intake.services import draft_purge_expired

    print(f"{draft_purge_expired():,} expired report drafts deleted")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Bulk import of cases from a records system's CSV export (see intake/importer/)."""
    from pathlib import Path

    source = Path(args.file)
    if not source.is_file():
        raise CommandError(f"no such file: {args.file}")
    if args.batch_size < 1:
        raise CommandError("--batch-size must be 1 or more")
    setup_django()
    import time

    from victimcare.forces.models import Force
    from victimcare.intake.importer import ImportError_, ImportSummary, cases_import_file

    force = Force.objects.filter(code__iexact=args.force).first()
    if force is None:
        raise CommandError(f"no force with code {args.force!r}")
    rejects = Path(args.rejects) if args.rejects else source.with_name(source.stem + ".rejects.csv")
    started = time.monotonic()
    live = sys.stderr.isatty()
    summary = ImportSummary(rejects_path=str(rejects))

    printed = [0.0]  # when a progress line last went to a log (not a terminal)

    def progress(done: ImportSummary) -> None:
        if done.to_clock:  # the rows are in; the care clock is being started
            line = f"{done.line()}; clocks started {done.clocked:,} of {done.to_clock:,}"
        else:
            rate = done.read / max(time.monotonic() - started, 1e-6)
            line = f"{done.line()}  ({rate:,.0f} rows/s)"
        if live:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        elif time.monotonic() - printed[0] >= 10:
            printed[0] = time.monotonic()
            print(line, file=sys.stderr, flush=True)

    try:
        cases_import_file(
            path=source,
            force=force,
            rejects_path=rejects,
            system=args.system,
            batch_size=args.batch_size,
            clock=not args.no_clock,
            backfill=args.backfill,
            progress=None if args.quiet else progress,
            summary=summary,
        )
    except ImportError_ as error:
        raise CommandError(str(error)) from None
    except KeyboardInterrupt:
        print(f"\ninterrupted; committed so far: {summary.line()}", file=sys.stderr)
        raise
    if live and not args.quiet:
        print(file=sys.stderr)
    elapsed = time.monotonic() - started
    where = f"rejects in {rejects}" if summary.rejected else "no rows rejected"
    print(f"{summary.line()} in {elapsed:,.1f}s; {where}")
    if summary.to_clock:
        print(
            f"Victims' Code clocks started for {summary.clocked:,} cases in "
            f"{summary.clock_seconds:,.1f}s, once the rows were in"
        )
    for note in summary.notes:
        print(f"note: {note}")
    if summary.rejected and not summary.imported:
        print(f"error: no row was imported; see why in {rejects}", file=sys.stderr)
        return 1
    return 0


def add_drafts(add: AddCommand) -> None:
    drafts = add(
        "drafts",
        cmd_drafts,
        "delete online report drafts past their 7 days",
        epilog=(
            "Starting a report also deletes expired drafts, and `victimcare worker` (and so\n"
            "`victimcare serve`) purges them daily by itself; this purges them now.\n"
            "example:\n  victimcare drafts purge"
        ),
    )
    drafts.add_argument("action", choices=["purge"])


def add_import(add: AddCommand) -> None:
    import_parser = add(
        "import",
        cmd_import,
        "bulk-import cases from a records system's CSV export (safe to re-run)",
        epilog=(
            "Columns: crime_reference, reported_at, crime_type, area, given_name, family_name\n"
            "(required); occurred_at, summary, date_of_birth, email, phone, phone_is_safe,\n"
            "address, postcode, preferred_contact, times_to_avoid, status, hate_element\n"
            "(yes/no), enhanced_grounds (optional).\n"
            "enhanced_grounds: the Victims' Code grounds the records system recorded,\n"
            "separated by ';' (most_serious_crime;persistently_targeted;vulnerable;\n"
            "intimidated), kept as recorded by the import; grounds that follow from the\n"
            "crime type, hate_element and a date of birth under 18 at the offence are\n"
            "derived, as for every report. An unknown ground rejects the row.\n"
            "Rows already imported (same crime_reference) are skipped; rejected rows go\n"
            "to FILE.rejects.csv with the reason (no file when none is rejected).\n"
            "Exit status: 0 when done, 1 when rows were rejected and none imported,\n"
            "2 when the file or an option is wrong.\n"
            "example:\n  victimcare import cases history.csv --force MPS"
        ),
    )
    import_parser.add_argument("what", choices=["cases"], help="what to import")
    import_parser.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV with a header line")
    import_parser.add_argument("--force", required=True, help="force code, e.g. MPS")
    import_parser.add_argument(
        "--system", default="rms", help="the records system the references belong to (%(default)s)"
    )
    import_parser.add_argument("--rejects", default="", help="where to write rejected rows")
    import_parser.add_argument(
        "--batch-size",
        type=non_negative_int,
        default=100_000,
        help="rows a transaction (%(default)s)",
    )
    import_parser.add_argument(
        "--no-clock", action="store_true", help="do not start Victims' Code clocks for the cases"
    )
    import_parser.add_argument(
        "--backfill",
        action="store_true",
        help="PostgreSQL: insist on checking foreign keys once per batch instead of once per "
        "row (the default mode does so whenever the role may); needs a superuser or, on "
        "PostgreSQL 15+, GRANT SET ON PARAMETER session_replication_role",
    )
    import_parser.add_argument("--quiet", action="store_true", help="no progress line")


PARSERS = {"drafts": add_drafts, "import": add_import}
