"""Oversight at national scale, on PostgreSQL: a force dashboard, the national league
table and the report pack over about 600,000 survey responses (43 forces, three years).

Generates synthetic responses (samples, strata and responses with bulk inserts, one
force at a time) in its own database (``victimcare_bench_oversight``) unless they are
there already. Then times, beside the plain aggregate query underneath as the same-run
baseline (satisfied and answered counts per month for the force; per force for the
nation):

- the force dashboard page (GET through Django, figures cached per scope and period
  and keyed by the responses' last change): p50 and p95 over repeated requests, and the
  first, cold request that computes the figures;
- the national league table page (all forces), the same way;
- the report pack PDF (figures computed cold).

    .venv/bin/python benchmarks/bench_oversight.py --quick     # 6 forces, 2 years, ~30,000
    .venv/bin/python benchmarks/bench_oversight.py             # 43 forces, 3 years, ~600,000

Targets (issue #7): dashboard p95 < 300 ms, national league table p95 < 500 ms, report
pack < 20 s. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

BENCH_DB = "victimcare_bench_oversight"
QUARTER = "2026Q3"


def database_prepare(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("VICTIMCARE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victimcare.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def responses_generate(forces: int, months: int, per_month: int) -> int:
    """Synthetic responses for the first ``forces`` forces, ``months`` months to Sep 2026."""
    from victimcare.demo.synthetic import responses_bulk_create
    from victimcare.forces.models import Force
    from victimcare.forces.services import reference_data_load
    from victimcare.oversight.periods import month_shift
    from victimcare.surveys.models import Response

    reference_data_load()
    first = month_shift(date(2026, 9, 1), -(months - 1))
    chosen = list(Force.objects.order_by("code"))
    met = [f for f in chosen if f.code == "MPS"]
    chosen = (met + [f for f in chosen if f.code != "MPS"])[:forces]
    total = 0
    for i, force in enumerate(chosen):
        have = Response.objects.filter(force=force, month__gte=first).count()
        if have >= months * per_month:
            total += have
            continue
        Response.objects.filter(force=force).delete()
        started = time.perf_counter()
        total += responses_bulk_create(
            forces=[force],
            first_month=first,
            months=months,
            per_month=per_month,
            areas=8,
            seed=100 + i,
        )
        print(
            f"  generated {force.code}: {months * per_month:,} responses "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return total


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def show(label: str, values: list[float], baseline: float | None = None) -> None:
    med, high = statistics.median(values), p95(values)
    if baseline is None:
        print(f"{label:<44} p50 {med:8.1f} ms   p95 {high:8.1f} ms")
        return
    print(
        f"{label:<44} p50 {med:8.1f} ms   p95 {high:8.1f} ms   "
        f"(x{high / baseline:,.1f} the baseline)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="6 forces, 2 years (smoke run)")
    parser.add_argument("--repeat", type=int, default=30, help="warm requests per page")
    args = parser.parse_args()
    forces, months, per_month = (6, 24, 200) if args.quick else (43, 36, 390)
    server = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/victimcare")
    server = server.rsplit("/", 1)[0]
    name = BENCH_DB + ("_quick" if args.quick else "")
    try:
        url = database_prepare(server, name)
    except Exception as error:  # noqa: BLE001 - no server: say so and stop
        print(f"bench_oversight: PostgreSQL not reachable at {server}: {error}")
        return 0 if os.environ.get("CI") != "true" else 1
    django_setup(url)
    started = time.perf_counter()
    total = responses_generate(forces, months, per_month)
    print(
        f"{total:,} responses for {forces} forces over {months} months "
        f"(ready in {time.perf_counter() - started:.1f} s)"
    )

    from django.db import connection
    from django.test import Client
    from tests.factories import session_verify, staff_make

    from victimcare.accounts.constants import Role
    from victimcare.forces.models import Force
    from victimcare.oversight.models import FiguresCache
    from victimcare.oversight.periods import Quarter, month_shift
    from victimcare.oversight.report import report_pack_pdf

    quarter = Quarter.parse(QUARTER)
    mps = Force.objects.get(code="MPS")
    user = staff_make(
        Role.OVERSIGHT,
        force=mps,
        username=f"bench.{time.time_ns()}",
        oversees=list(Force.objects.all()),
    )
    client = Client()
    client.force_login(user)
    session_verify(client, user)  # staff pages need the second factor
    first = month_shift(quarter.last_month, -23)
    year = month_shift(quarter.last_month, -11)
    satisfied = "('completely_satisfied','very_satisfied','fairly_satisfied')"

    def baseline_force():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT month, count(*), sum(CASE WHEN whole_experience IN "
                f"{satisfied} THEN 1 ELSE 0 END) FROM surveys_response "
                "WHERE force_id = %s AND month BETWEEN %s AND %s GROUP BY month",
                [mps.pk, first, quarter.last_month],
            )
            cur.fetchall()

    def baseline_nation():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT force_id, count(*), sum(CASE WHEN whole_experience IN "
                f"{satisfied} THEN 1 ELSE 0 END) FROM surveys_response "
                "WHERE month BETWEEN %s AND %s GROUP BY force_id",
                [year, quarter.last_month],
            )
            cur.fetchall()

    dashboard = f"/oversight/forces/MPS/?quarter={quarter.code}"
    league = f"/oversight/forces/MPS/peers/?quarter={quarter.code}&scope=all"

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    FiguresCache.objects.all().delete()
    base_force = timed(baseline_force, args.repeat)
    cold_dashboard = timed(lambda: get(dashboard), 1)[0]
    warm_dashboard = timed(lambda: get(dashboard), args.repeat)
    base_nation = timed(baseline_nation, args.repeat)
    cold_league = timed(lambda: get(league), 1)[0]
    warm_league = timed(lambda: get(league), args.repeat)
    FiguresCache.objects.all().delete()
    pack = timed(lambda: report_pack_pdf(force=mps, quarter=quarter), 1)[0]

    print()
    show("baseline: monthly counts, MPS, 24 months", base_force)
    show("force dashboard page (cached figures)", warm_dashboard, statistics.median(base_force))
    print(f"{'force dashboard, first request (computes)':<44} {cold_dashboard:8.1f} ms")
    show("baseline: counts per force, 12 months", base_nation)
    show("national league table page (cached)", warm_league, statistics.median(base_nation))
    print(f"{'national league table, first request':<44} {cold_league:8.1f} ms")
    print(f"{'report pack PDF (figures computed cold)':<44} {pack / 1000:8.1f} s")
    print("\ntargets: dashboard p95 < 300 ms, national league p95 < 500 ms, pack < 20 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
