"""CPU cost of one POST /api/v1/reports, measured in-process on PostgreSQL.

Sets up a fresh database (victimcare_profile_api) as bench_api.py does (one force, one
area, one crime type, a service token), then sends N reports straight through Django's
WSGI handler (the whole middleware stack; no HTTP server, no load generator), each with
its own Idempotency-Key and bench_api.py's body, in rounds, and prints:

- CPU ms per report in this process (time.process_time): the main figure, far steadier
  than wall time when other work shares the machine (the fastest and the median round
  are printed too, as a round can still be slowed);
- CPU ms per report in the PostgreSQL backend serving this process (read from /proc,
  when the server runs on this machine): the database's share of the same cores;
- wall ms per report, and statements per report (BEGIN, COMMIT and Django's connection
  health check aside).

--sql prints one report's statements; --profile prints cProfile's top entries, timed by
CPU (the profiler itself makes everything several times slower: compare shares, not
times).

    .venv/bin/python benchmarks/profile_api.py                 # 500 reports in 5 rounds
    .venv/bin/python benchmarks/profile_api.py -n 300 --rounds 1 --profile --sort tottime
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import body  # noqa: E402 (the same body the load generator sends)

POSTGRES = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/victimcare")
SERVER = POSTGRES.rsplit("/", 1)[0]
PROFILE_DB = "victimcare_profile_api"


def database_fresh() -> str:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PROFILE_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PROFILE_DB}"')
    return f"{SERVER}/{PROFILE_DB}"


def seed() -> str:
    """What bench_api.py's SEED writes; returns the service token."""
    from tests.factories import area_make, crime_type_make, force_make

    from victimcare.accounts.services import service_token_create

    force = force_make("MPS", "Metropolitan Police Service")
    area_make(force, "Hackney")
    crime_type_make("domestic-burglary")
    return service_token_create(force=force, name="bench")


def environ(token: str, i: int, key: str) -> dict:
    data = body(i)
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/reports",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_IDEMPOTENCY_KEY": key,
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def backend_cpu_seconds() -> float | None:
    """CPU time used so far by the PostgreSQL backend of this process's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # the server runs elsewhere
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def send(application, token: str, first: int, count: int, statuses: list[int]) -> None:
    def start_response(status, headers, exc_info=None):  # noqa: ARG001 (the WSGI signature)
        statuses.append(int(status.split(" ", 1)[0]))

    for i in range(first, first + count):
        result = application(environ(token, i, uuid.uuid4().hex), start_response)
        b"".join(result)
        result.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--count", type=int, default=500, help="reports measured")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the reports are sent in")
    parser.add_argument("--warm", type=int, default=50, help="reports sent first, not measured")
    parser.add_argument("--profile", action="store_true", help="print the top cProfile entries")
    parser.add_argument("--sort", default="cumulative", help="cumulative (default) or tottime")
    parser.add_argument("--top", type=int, default=30, help="entries printed with --profile")
    parser.add_argument("--sql", action="store_true", help="print one report's statements")
    args = parser.parse_args()
    try:
        url = database_fresh()
    except Exception as error:  # noqa: BLE001 (any failure to connect: say so and stop)
        print(f"PostgreSQL is needed for this script and does not answer: {error}")
        return 0
    folder = tempfile.mkdtemp(prefix="vc-profile-api-")
    os.environ.update(
        {
            "DATABASE_URL": url,
            "VICTIMCARE_VAR_DIR": folder,
            "VICTIMCARE_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "victimcare.config.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from victimcare.cases.models import Case
    from victimcare.config.wsgi import application

    call_command("migrate", verbosity=0)
    token = seed()
    statuses: list[int] = []
    send(application, token, 0, args.warm, statuses)

    # Round trips per report, counted on a few reports.
    sql: list[str] = []

    def count(execute, statement, params, many, context):
        sql.append(statement)
        return execute(statement, params, many, context)

    with connection.execute_wrapper(count):
        send(application, token, args.warm, 10, statuses)
    queries = len(sql) / 10
    if args.sql:
        print("\n".join(" ".join(s.split())[:160] for s in sql[: len(sql) // 10]))

    # Measured in rounds: on a shared machine a round can be slowed by other work, so
    # the fastest and the median round are printed as well as the whole.
    first = args.warm + 10
    rounds = max(1, min(args.rounds, args.count))
    per_round = args.count // rounds
    # Timed by CPU, so that waiting on the database does not show as cost.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    cpu_rounds, backend_rounds = [], []
    total_wall = 0.0
    for number in range(rounds):
        backend_before = backend_cpu_seconds()
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        send(application, token, first + number * per_round, per_round, statuses)
        if profiler is not None:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        backend_after = backend_cpu_seconds()
        total_wall += wall
        cpu_rounds.append(cpu * 1000 / per_round)
        if backend_before is not None and backend_after is not None:
            backend_rounds.append((backend_after - backend_before) * 1000 / per_round)
    sent = rounds * per_round

    created = Case.objects.count()
    bad = [s for s in statuses if s != 201]

    def figures(values: list[float]) -> str:
        return (
            f"{sum(values) / len(values):.2f} ms/report (fastest round "
            f"{min(values):.2f}, median {statistics.median(values):.2f})"
        )

    print(
        f"{sent} reports in {rounds} rounds{' (under cProfile)' if profiler else ''}, "
        f"{queries:.1f} queries/report, wall {total_wall * 1000 / sent:.2f} ms/report; "
        f"{created} cases, {len(bad)} answers other than 201"
    )
    print(f"CPU in Django:             {figures(cpu_rounds)}")
    if backend_rounds:
        print(f"CPU in PostgreSQL backend: {figures(backend_rounds)}")
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.top)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
