"""Staff pages at a force's scale, on PostgreSQL: the compliance page, its CSV and the
oversight dashboard, through Django's test client.

Uses the world of ``bench_care.py`` (N cases, default 300,000, with their events and
obligations; built here if its database does not hold it yet) and adds a year of survey
responses for the Met. Then times, beside ``GET /healthz`` in the same run as the
baseline (a page that does almost nothing: the ratio holds from machine to machine):

- the worker's refresh of each force's compliance figures (the cold computation);
- ``/compliance/`` for the default period (the last year), first page of breaches;
- ``/compliance.csv``: time to the first byte and to the last, with its size;
- the Met's oversight dashboard, warm (figures cached), and its first, cold request.

    .venv/bin/python benchmarks/bench_web.py --quick          # 10,000 cases
    .venv/bin/python benchmarks/bench_web.py                  # 300,000 cases
    BENCH_CARE_DB=other .venv/bin/python benchmarks/bench_web.py --cases 300000

Targets (issue #16): compliance p95 < 500 ms, dashboard warm p95 < 300 ms. Timings are
printed, never asserted.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_care  # noqa: E402 (the benchmarks are scripts: their folder is put on the path first)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def show(label: str, samples: list[float], baseline: float) -> None:
    med, high = statistics.median(samples), p95(samples)
    print(
        f"  {label:<40} p50 {med:8.1f} ms   p95 {high:8.1f} ms   "
        f"(p95 x{high / baseline:,.0f} the baseline's p50)"
    )


def world_ready(cases: int) -> None:
    """bench_care's world with its obligations (built and clocked if missing), breaches
    marked, and a year of survey responses for the Met."""
    from django.utils import timezone

    from victimcare.care.services import obligations_rebuild
    from victimcare.demo.synthetic import responses_bulk_create
    from victimcare.forces.models import Force
    from victimcare.surveys.models import Response

    world = bench_care.world_reuse(cases, keep=True)
    if world is None:
        started = time.perf_counter()
        bench_care.world_generate(cases)
        obligations_rebuild(now=timezone.now())
        print(
            f"  built {cases:,} cases and their obligations in {time.perf_counter() - started:.0f} s"
        )
    mps = Force.objects.get(code="MPS")
    if not Response.objects.filter(force=mps).exists():
        responses_bulk_create(
            forces=[mps], first_month=date(2025, 10, 1), months=12, per_month=390, areas=8, seed=1
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--quick", action="store_true", help="10,000 cases, a smoke run")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page")
    parser.add_argument("--csv-runs", type=int, default=2, help="downloads of the whole CSV")
    args = parser.parse_args()
    cases = 10_000 if args.quick else args.cases
    from urllib.parse import urlsplit, urlunsplit

    given = urlsplit(os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/x"))
    try:
        url = bench_care.database_prepare(urlunsplit((given.scheme, given.netloc, "", "", "")))
    except Exception as error:  # noqa: BLE001 (any connection failure means: skip)
        print(f"bench_web: PostgreSQL not available ({error}); skipped")
        return 0
    bench_care.django_setup(url)
    print(f"bench_web: {cases:,} cases on PostgreSQL ({bench_care.BENCH_DB})")
    world_ready(cases)

    from django.test import Client
    from tests.factories import session_verify, staff_make

    from victimcare.accounts.constants import Role
    from victimcare.forces.models import Force
    from victimcare.oversight.models import FiguresCache
    from victimcare.surveys.models import Response

    mps = Force.objects.get(code="MPS")
    supervisor = staff_make(Role.SUPERVISOR, force=mps, username=f"bench.sup.{time.time_ns()}")
    client = Client()
    client.force_login(supervisor)
    session_verify(client, supervisor)  # staff pages need the second factor

    def timed(path: str, repeat: int) -> list[float]:
        out = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        return out

    baseline = timed("/healthz", args.repeat * 5)
    base = statistics.median(baseline)
    print(f"  {'baseline: GET /healthz':<40} p50 {base:8.1f} ms   p95 {p95(baseline):8.1f} ms")
    from victimcare.care.services.compliance import compliance_snapshots_refresh

    started = time.perf_counter()
    compliance_snapshots_refresh()  # what the worker's schedule does every five minutes
    refresh = (time.perf_counter() - started) * 1000
    print(f"  {'compliance figures worked out (worker)':<40} {refresh:8.1f} ms (both forces)")
    show("GET /compliance/ (first page)", timed("/compliance/", args.repeat), base)
    show("GET /compliance/?page=20", timed("/compliance/?page=20", args.repeat), base)

    first_byte, whole, size = [], [], 0
    for _ in range(args.csv_runs):
        started = time.perf_counter()
        response = client.get("/compliance.csv")
        chunks = iter(response.streaming_content)
        size = len(next(chunks))
        first_byte.append((time.perf_counter() - started) * 1000)
        size += sum(len(chunk) for chunk in chunks)
        whole.append((time.perf_counter() - started) * 1000)
    show("compliance.csv: time to first byte", first_byte, base)
    show(f"compliance.csv: whole ({size / 1e6:.1f} MB)", whole, base)

    FiguresCache.objects.all().delete()
    dashboard = "/oversight/forces/MPS/"
    cold = timed(dashboard, 1)[0]
    show("oversight dashboard, warm", timed(dashboard, args.repeat), base)
    print(f"  {'oversight dashboard, first (computes)':<40} {cold:8.1f} ms")
    print(
        f"  ({Response.objects.filter(force=mps).count():,} responses; targets: compliance "
        "p95 < 500 ms, dashboard warm p95 < 300 ms; the machine's load moves the ms, the "
        "ratios less)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
