"""Victims' Code clock at scale, on PostgreSQL.

Builds a world of N cases (default 1,000,000) and about 5 events per case with a
dedicated set-based generator in its own database (``victimcare_bench_care``), then times:
- a full rebuild of every obligation (first clocking, then a recompute over existing rows);
- recording one event and updating its obligations (p95 over many cases);
- an officer's worklist page (p95);
and prints, as the same-run baseline, a plain ``SELECT count(*)`` over the events table.

    .venv/bin/python benchmarks/bench_care.py --quick          # 10,000 cases, a smoke run
    .venv/bin/python benchmarks/bench_care.py --cases 200000
    .venv/bin/python benchmarks/bench_care.py --cases 200000 --reuse --rebuild-only --statements
    POSTGRES_URL=postgres://user@host:5432/x .venv/bin/python benchmarks/bench_care.py

Targets (issue #4): rebuild < 60 s, event < 20 ms p95, worklist < 100 ms p95.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_CARE_DB", "victimcare_bench_care")


def database_prepare(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return f"{server}/{BENCH_DB}"


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victimcare.config.settings")
    os.environ["VICTIMCARE_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def world_generate(cases: int) -> dict:
    """Forces, areas, officers, then cases, victims and events with INSERT ... SELECT."""
    from django.db import connection
    from tests.factories import area_make, crime_type_make, force_make

    from victimcare.accounts.constants import Role
    from victimcare.care.services import care_policy_set

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE cases_caseevent, cases_victim, cases_case, care_obligation, "
            "care_caseclock, care_breachalert, care_eventreceipt CASCADE"
        )
        cur.execute("DELETE FROM accounts_user WHERE username LIKE 'bench.%%'")
    mps = force_make("MPS", "Metropolitan Police Service")
    gmp = force_make("GMP", "Greater Manchester Police")
    care_policy_set(force=mps, rule_set_code="tvc")
    care_policy_set(force=gmp, rule_set_code="vc2020")
    areas = [area_make(mps, f"Borough {i}").pk for i in range(32)]
    areas += [area_make(gmp, f"District {i}").pk for i in range(10)]
    types = [
        crime_type_make(code).pk
        for code in (
            "domestic-burglary",
            "common-assault",
            "theft-of-motor-vehicle",
            "criminal-damage",
        )
    ]
    officers_count = max(20, cases // 500)  # about 500 cases per officer
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,
              email, is_staff, is_active, date_joined, role, force_id, collar_number,
              contact_route)
            SELECT '!', false, 'bench.officer.' || i, 'Bench', 'Officer ' || i, '', false, true,
                   now(), %s, CASE WHEN i %% 4 = 0 THEN %s ELSE %s END, '', ''
            FROM generate_series(1, %s) i
            """,
            [Role.OFFICER, gmp.pk, mps.pk, officers_count],
        )
        cur.execute(
            "SELECT id, force_id FROM accounts_user WHERE username LIKE 'bench.officer.%%' "
            "ORDER BY id"
        )
        rows = cur.fetchall()
        mps_officers = [r[0] for r in rows if r[1] == mps.pk]
        gmp_officers = [r[0] for r in rows if r[1] == gmp.pk]
        started = time.perf_counter()
        # A quarter of cases in GMP; reported over the last year.
        cur.execute(
            """
            INSERT INTO cases_case (reference, force_id, area_id, crime_type_id, reported_at,
              channel, status, officer_in_charge_id, recorded_by_id, summary, created_at)
            SELECT 'B-' || i,
                   CASE WHEN i %% 4 = 0 THEN %(gmp)s ELSE %(mps)s END,
                   CASE WHEN i %% 4 = 0 THEN (%(gmp_areas)s::int[])[1 + i %% 10]
                        ELSE (%(mps_areas)s::int[])[1 + i %% 32] END,
                   (%(types)s::int[])[1 + (i / 7) %% 4],
                   now() - (random() * interval '365 days') - interval '1 hour',
                   'phone', 'reported',
                   CASE WHEN i %% 4 = 0
                        THEN (%(gmp_officers)s::int[])[1 + (i / 4) %% %(n_gmp)s]
                        ELSE (%(mps_officers)s::int[])[1 + i %% %(n_mps)s] END,
                   NULL, '', now()
            FROM generate_series(1, %(n)s) i
            """,
            {
                "gmp": gmp.pk,
                "mps": mps.pk,
                "gmp_areas": areas[32:],
                "mps_areas": areas[:32],
                "types": types,
                "gmp_officers": gmp_officers,
                "mps_officers": mps_officers,
                "n_gmp": len(gmp_officers),
                "n_mps": len(mps_officers),
                "n": cases,
            },
        )
        cur.execute(
            """
            INSERT INTO cases_victim (case_id, pseudonym, most_serious_crime,
              persistently_targeted, vulnerable, intimidated, age_band, sex, ethnicity, disability)
            SELECT id, gen_random_uuid(), false, false, id % 9 = 0, false, '', '', '', ''
            FROM cases_case
            """
        )
        # About five events a case: the report, then each of these with its probability.
        cur.execute(
            """
            INSERT INTO cases_caseevent (case_id, kind, at, recorded_at, by_id, detail,
              victim_text)
            SELECT c.id, k.kind, c.reported_at + k.after * (0.5 + random()),
                   c.reported_at + k.after, NULL, k.detail::jsonb, ''
            FROM cases_case c
            CROSS JOIN (VALUES
              ('report_recorded', interval '0', 1.0, '{}'),
              ('officer_assigned', interval '2 hours', 0.9, '{}'),
              ('contact_made', interval '2 days', 0.8, '{"covers": []}'),
              ('written_information_sent', interval '3 days', 0.6, '{}'),
              ('visit_offered', interval '20 hours', 0.5, '{}'),
              ('needs_assessed', interval '4 days', 0.3, '{}'),
              ('decision', interval '20 days', 0.3, '{"outcome": "charge"}'),
              ('decision', interval '9 days', 0.35, '{"outcome": "not_investigated"}'),
              ('suspect_identified', interval '10 days', 0.15, '{}'),
              ('case_closed', interval '45 days', 0.5, '{}'),
              ('contact_made', interval '30 days', 0.2, '{"covers": ["vps_offer"]}')
            ) AS k(kind, after, p, detail)
            -- c.id in the test keeps the draw per case (alone, random() < k.p is pushed
            -- down to the VALUES scan: drawn once, every case got the same events).
            WHERE k.p >= 1.0 OR random() < k.p + 0 * c.id
            """
        )
        cur.execute("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "mps": mps,
        "officers": mps_officers[:50],
    }


def world_reuse(cases: int, *, keep: bool = False) -> dict | None:
    """The world a previous run generated, if it has ``cases`` cases; its obligations and
    clocks are removed so that the first rebuild is a first clocking again (unless
    ``keep``)."""
    from django.db import connection

    from victimcare.forces.models import Force

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        if cur.fetchone()[0] != cases:
            return None
        cur.execute("SELECT id FROM accounts_user WHERE username LIKE 'bench.officer.%%'")
        officers = [row[0] for row in cur.fetchall()]
        mps = Force.objects.filter(code="MPS").first()
        if mps is None:
            return None
        if keep:
            cur.execute("SELECT count(*) FROM care_obligation")
            if not cur.fetchone()[0]:
                return None
            return {"seconds": None, "mps": mps, "officers": officers[:50], "kept": True}
        cur.execute("TRUNCATE care_obligation, care_caseclock, care_breachalert CASCADE")
        cur.execute("VACUUM ANALYZE care_obligation")
        cur.execute("VACUUM ANALYZE care_caseclock")
    return {"seconds": None, "mps": mps, "officers": officers[:50]}


class StatementTimer:
    """Times each SQL statement the rebuild runs (a Django execute wrapper), in this
    thread's connection and in those the rebuild's parts open in other threads."""

    def __init__(self):
        self.rows: list[tuple[float, str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.rows.append((elapsed, threading.current_thread().name, sql))

    def _connected(self, sender, connection, **kwargs):  # noqa: ARG002 (a signal receiver takes the signal's arguments)
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def __enter__(self):
        from django.db import connection
        from django.db.backends.signals import connection_created

        connection_created.connect(self._connected)
        self._wrapped = connection.execute_wrapper(self)
        self._wrapped.__enter__()
        return self

    def __exit__(self, *exc):
        from django.db.backends.signals import connection_created

        connection_created.disconnect(self._connected)
        return self._wrapped.__exit__(*exc)

    def report(self, threshold: float = 0.05) -> None:
        for seconds, thread, sql in self.rows:
            if seconds >= threshold:
                words = " ".join(sql.split())
                who = "main" if thread == "MainThread" else "part " + thread.rsplit("_", 1)[-1]
                print(f"    {seconds:7.2f} s  {who:<7} {words[:100]}")
        total = sum(row[0] for row in self.rows)
        print(f"    ({total:.2f} s over {len(self.rows)} statements, in all connections)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="10,000 cases, a smoke run")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--rebuild-only", action="store_true", help="time the rebuilds, skip event and worklist"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the world already generated when it has the same number of cases",
    )
    parser.add_argument(
        "--statements", action="store_true", help="print each rebuild statement's time"
    )
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="with --reuse: keep the world's obligations and time only the event and worklist",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="connections sharing a rebuild (default: the VICTIMCARE_REBUILD_WORKERS setting)",
    )
    args = parser.parse_args()
    cases = 10_000 if args.quick else args.cases
    from urllib.parse import urlsplit, urlunsplit

    given = urlsplit(os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/x"))
    server_url = urlunsplit((given.scheme, given.netloc, "", "", ""))
    try:
        url = database_prepare(server_url)
    except Exception as error:  # noqa: BLE001 (any connection failure means: skip)
        print(f"bench_care: PostgreSQL not available ({error}); skipped")
        return 0
    django_setup(url)

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    if args.workers is not None:
        settings.CARE_REBUILD_WORKERS = max(1, args.workers)
    print(
        f"bench_care: {cases:,} cases on PostgreSQL ({BENCH_DB}); "
        f"rebuilds shared by {settings.CARE_REBUILD_WORKERS} connection(s) from "
        "200,000 cases"
    )
    world = world_reuse(cases, keep=args.skip_rebuild) if args.reuse else None
    if world is None:
        world = world_generate(cases)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_caseevent")
        events = cur.fetchone()[0]
    if world["seconds"] is None:
        kept = "obligations kept" if world.get("kept") else "obligations deleted"
        print(f"  reused {cases:,} cases and {events:,} events ({kept})")
    else:
        print(f"  generated {cases:,} cases and {events:,} events in {world['seconds']:.1f} s")

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_caseevent")
        cur.fetchone()
    baseline = time.perf_counter() - started
    print(f"  baseline: SELECT count(*) over {events:,} events: {baseline * 1000:.0f} ms")

    now = timezone.now()
    if world.get("kept"):
        print("  rebuilds skipped (--skip-rebuild): the stored obligations are used")
    else:
        rebuilds_time(now, baseline, statements=args.statements)
    if args.rebuild_only:
        return 0
    return events_and_worklist(world, baseline, samples=args.samples)


def rebuilds_time(now, baseline: float, *, statements: bool) -> None:
    from victimcare.care.services import obligations_rebuild

    timer = StatementTimer() if statements else None
    started = time.perf_counter()
    with timer or contextlib.nullcontext():
        written = obligations_rebuild(now=now)
    first = time.perf_counter() - started
    print(
        f"  full rebuild, first clocking: {first:.1f} s ({written:,} obligations written; "
        f"{first / baseline:.0f}x baseline; target < 60 s)"
    )
    if timer:
        timer.report()
    timer = StatementTimer() if statements else None
    started = time.perf_counter()
    with timer or contextlib.nullcontext():
        changed = obligations_rebuild(now=now + timedelta(minutes=1))
    again = time.perf_counter() - started
    print(
        f"  full rebuild, recompute over existing rows: {again:.1f} s ({changed:,} changed; "
        f"{again / baseline:.0f}x baseline; target < 60 s)"
    )
    if timer:
        timer.report()


def events_and_worklist(world: dict, baseline: float, *, samples: int) -> int:
    from django.test import Client
    from django.utils import timezone

    from victimcare.accounts.models import User
    from victimcare.care.services import care_event_record
    from victimcare.cases.models import Case

    sample_ids = list(
        Case.objects.filter(force=world["mps"]).order_by("?").values_list("id", flat=True)[:samples]
    )
    timings = []
    for case in Case.objects.filter(pk__in=sample_ids).select_related("force"):
        started = time.perf_counter()
        care_event_record(
            case=case,
            kind="contact_made",
            at=timezone.now(),
            detail={"covers": []},
            victim_text="An update from the benchmark.",
        )
        timings.append(time.perf_counter() - started)
    print(
        f"  record one event + update its obligations: p95 {p95(timings) * 1000:.1f} ms, "
        f"median {statistics.median(timings) * 1000:.1f} ms over {len(timings)} "
        f"({p95(timings) / baseline:.2f}x baseline; target < 20 ms)"
    )

    from tests.factories import session_verify

    client = Client()
    timings = []
    officers = list(User.objects.filter(pk__in=world["officers"]))
    for i in range(samples):
        client.force_login(officers[i % len(officers)])
        session_verify(client, officers[i % len(officers)])  # staff pages need the second factor
        started = time.perf_counter()
        response = client.get("/worklist/")
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            print(f"  worklist answered {response.status_code}")
            return 1
    print(
        f"  officer worklist page: p95 {p95(timings) * 1000:.1f} ms, median "
        f"{statistics.median(timings) * 1000:.1f} ms over {len(timings)} "
        f"({p95(timings) / baseline:.2f}x baseline; target < 100 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
