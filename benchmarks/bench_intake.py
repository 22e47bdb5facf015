"""Bulk import of case rows (`victimcare import cases`), on SQLite and PostgreSQL.

Generates a CSV of N rows (default 1,000,000), imports it into a fresh database with the
importer (Case, Victim, VictimPersonalDetails, CaseEvent and ExternalReference per row,
committed in batches), and prints the rate and peak memory beside the same-run baseline:
the database's own bulk path on the same rows (SQLite: executemany in one transaction;
PostgreSQL: COPY) into a single flat table. Each database runs in a child process so its
peak memory is measured on its own. ``postgresql-backfill`` is PostgreSQL with the
importer's backfill mode (`victimcare import cases --backfill`: foreign keys proved once a
batch, refused without the permission to set session_replication_role); the default mode
does the same where the role may, and ``postgresql-row-checks`` shows the default mode
without that permission (PostgreSQL's per-row foreign-key checks).

    .venv/bin/python benchmarks/bench_intake.py --quick                # 20,000 rows
    .venv/bin/python benchmarks/bench_intake.py --databases sqlite --rows 200000
    .venv/bin/python benchmarks/bench_intake.py --clock                # with the care clock

Targets (issue #3): at least 20,000 rows/s on each database, peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
POSTGRES = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/victimcare")
BENCH_DB = os.environ.get("BENCH_INTAKE_DB", "victimcare_bench_intake")
BOROUGHS = [f"Borough {i}" for i in range(32)]
COLUMNS = [
    "crime_reference",
    "reported_at",
    "occurred_at",
    "crime_type",
    "area",
    "summary",
    "given_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "phone_is_safe",
    "preferred_contact",
    "postcode",
]


def csv_generate(path: Path, rows: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    given = ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo"]
    family = ["Smith", "Jones", "Khan", "Okafor", "Nowak", "Patel", "Brown", "Evans"]
    areas = [b.lower().replace(" ", "-") for b in BOROUGHS]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(rows):
            day = rng.randrange(1, 28)
            month = rng.randrange(1, 13)
            year = rng.choice((2024, 2025))
            g, f = rng.choice(given), rng.choice(family)
            writer.writerow(
                [
                    f"CRIS-{i:08d}",
                    f"{year}-{month:02d}-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00",
                    f"{year}-{month:02d}-{day:02d}T08:00:00",
                    "domestic-burglary",
                    rng.choice(areas),
                    "Back door forced; items taken.",
                    g,
                    f,
                    f"{rng.randrange(1940, 2005)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}",
                    f"{g.lower()}.{f.lower()}{i}@example.com",
                    f"07700 9{i % 100000:05d}",
                    rng.choice(("yes", "no", "")),
                    rng.choice(("email", "sms", "phone")),
                    "SW1A 2AA",
                ]
            )


# --- child: one database ------------------------------------------------------------------


def child(database: str, csv_path: Path, batch_size: int, clock: bool) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victimcare.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tests.factories import area_make, crime_type_make, force_make

    from victimcare.intake.importer import cases_import_file

    if database.endswith("-row-checks"):
        # The default mode as it was: every row's foreign keys checked by PostgreSQL.
        from victimcare.intake.importer import write

        write.batch_proof_available = lambda _tables: False

    force = force_make("MPS", "Metropolitan Police Service")
    for name in BOROUGHS:
        area_make(force, name)
    crime_type_make("domestic-burglary")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_started = time.process_time()
    started = time.perf_counter()
    summary = cases_import_file(
        path=csv_path,
        force=force,
        rejects_path=csv_path.with_suffix(".rejects.csv"),
        clock=clock,
        backfill=database.endswith("-backfill"),
        **({"batch_size": batch_size} if batch_size else {}),
    )
    importer_seconds = time.perf_counter() - started
    importer_cpu = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # Baseline: the database's own bulk path on the same rows, into one flat table.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_baseline")
        cursor.execute(
            "CREATE TABLE bench_baseline (" + ", ".join(f"{c} text" for c in COLUMNS) + ")"
        )
    started = time.perf_counter()
    with csv_path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY bench_baseline ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in reader:
                        copy.write_row(row)
            connection.commit() if not connection.get_autocommit() else None
        else:
            raw = connection.connection
            placeholders = ", ".join("?" * len(COLUMNS))
            raw.execute("BEGIN")
            chunk = []
            for row in reader:
                chunk.append(row)
                if len(chunk) == 10000:
                    raw.executemany(f"INSERT INTO bench_baseline VALUES ({placeholders})", chunk)
                    chunk = []
            if chunk:
                raw.executemany(f"INSERT INTO bench_baseline VALUES ({placeholders})", chunk)
            raw.execute("COMMIT")
    baseline_seconds = time.perf_counter() - started
    return {
        "database": database,
        "read": summary.read,
        "imported": summary.imported,
        "rejected": summary.rejected,
        "importer_seconds": importer_seconds,
        "clock_seconds": summary.clock_seconds,
        "clocked": summary.clocked,
        "importer_cpu": importer_cpu,
        "baseline_seconds": baseline_seconds,
        "peak_mb": peak_mb,
        "rss_before_mb": rss_before / 1024,
        "notes": summary.notes,
    }


def postgres_fresh() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            f"{POSTGRES.rsplit('/', 1)[0]}/postgres", autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    except Exception as error:  # noqa: BLE001 (any failure means: skip PostgreSQL)
        print(f"PostgreSQL skipped: {error}")
        return None
    return f"{POSTGRES.rsplit('/', 1)[0]}/{BENCH_DB}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows, a smoke run")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql,postgresql-row-checks,postgresql-backfill",
        help="comma-separated; postgresql-backfill is PostgreSQL with `import --backfill`, "
        "postgresql-row-checks the default mode where the role may not skip row checks "
        "(%(default)s)",
    )
    parser.add_argument("--batch-size", type=int, default=0, help="0: the importer's default")
    parser.add_argument(
        "--clock", action="store_true", help="also start the care clock (timed on its own)"
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--csv", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(args.child, Path(args.csv), args.batch_size, args.clock)
        print("RESULT " + json.dumps(result))
        return 0
    rows = 20_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory(prefix="vc-bench-intake-") as folder:
        folder = Path(folder)
        csv_path = folder / "cases.csv"
        started = time.perf_counter()
        csv_generate(csv_path, rows)
        print(
            f"generated {rows:,} rows ({csv_path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - started:.1f}s"
        )
        for database in args.databases.split(","):
            env = {
                **os.environ,
                "VICTIMCARE_VAR_DIR": str(folder / f"var-{database}"),
                "VICTIMCARE_LOG_LEVEL": "WARNING",
            }
            if database.startswith("postgresql"):
                url = postgres_fresh()
                if url is None:
                    continue
                env["DATABASE_URL"] = url
            else:
                env.pop("DATABASE_URL", None)
            command = [
                sys.executable,
                __file__,
                "--child",
                database,
                "--csv",
                str(csv_path),
                "--batch-size",
                str(args.batch_size),
            ] + (["--clock"] if args.clock else [])
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
            line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                print(f"{database}: failed\n{done.stderr[-2000:]}")
                return 1
            r = json.loads(line[len("RESULT ") :])
            # The rows' rate; with --clock the care clock runs after the rows are in and
            # is reported on its own line.
            rows_seconds = r["importer_seconds"] - r["clock_seconds"]
            rate = r["read"] / rows_seconds
            base = r["read"] / r["baseline_seconds"]
            verdict = "OK" if rate >= 20_000 and r["peak_mb"] < 500 else "BELOW TARGET"
            print(
                f"{database:<19} importer {rate:>9,.0f} rows/s ({r['imported']:,} imported in "
                f"{rows_seconds:.1f}s"
                + (
                    ""
                    if r["clocked"]
                    else f"; {r['read'] / r['importer_cpu']:,.0f} rows per CPU-second in this process"
                )
                + f"), peak {r['peak_mb']:.0f} MB | baseline "
                f"({'COPY' if database.startswith('postgresql') else 'executemany, one transaction'}) "
                f"{base:>9,.0f} rows/s | importer/baseline {rate / base:.2f} | target 20,000 rows/s, "
                f"< 500 MB: {verdict}"
            )
            if r["clocked"]:
                print(
                    f"{'':<19} care clock started for {r['clocked']:,} cases in "
                    f"{r['clock_seconds']:.1f}s ({r['clocked'] / r['clock_seconds']:,.0f} "
                    f"cases/s), after the rows; rows and clock together "
                    f"{r['read'] / r['importer_seconds']:,.0f} rows/s"
                )
            for note in r["notes"]:
                print(f"  note: {note}")
        if args.databases and "postgresql" in args.databases:
            try:
                import psycopg

                with psycopg.connect(
                    f"{POSTGRES.rsplit('/', 1)[0]}/postgres", autocommit=True
                ) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            except Exception:  # noqa: BLE001, S110 (cleaning up: a failure leaves the database for the next run)
                pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
