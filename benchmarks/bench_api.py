"""Records-system API under load: POST /api/v1/reports on PostgreSQL through `victimcare serve`.

A bounded, open-loop load generator on loopback sends reports at a fixed rate (default
200 a second for 60 s), each with its own Idempotency-Key, and re-sends 2% of them with
the same key (as a records system retrying after a timeout would). Latency is measured
from each request's scheduled start (so a stalled server cannot hide its queue). At the
end the database is checked: one case per distinct key, none lost, none duplicated.
Baseline, in the same run and at the same rate: GET /healthz (one `SELECT 1`).

    .venv/bin/python benchmarks/bench_api.py --quick        # 50 a second for 10 s
    .venv/bin/python benchmarks/bench_api.py --rate 200 --seconds 60 --workers 3

Target (issue #3): 200 reports a second for 60 s, p95 under 150 ms, nothing lost or duplicated.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
POSTGRES = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/victimcare")
SERVER = POSTGRES.rsplit("/", 1)[0]
BENCH_DB = "victimcare_bench_api"
VICTIMCARE = [sys.executable, "-m", "victimcare"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_fresh() -> str:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return f"{SERVER}/{BENCH_DB}"


SEED = """
from tests.factories import area_make, crime_type_make, force_make
from victimcare.accounts.services import service_token_create
force = force_make("MPS", "Metropolitan Police Service")
area_make(force, "Hackney")
crime_type_make("domestic-burglary")
print("TOKEN " + service_token_create(force=force, name="bench"))
"""

COUNT = """
from victimcare.cases.models import Case
from victimcare.intake.models import IdempotencyRecord
print("COUNTS", Case.objects.count(), IdempotencyRecord.objects.count(),
      Case.objects.values("reference").distinct().count())
"""


def manage_shell(env: dict, code: str) -> str:
    done = subprocess.run(
        [*VICTIMCARE, "manage", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return done.stdout


def body(i: int) -> bytes:
    return json.dumps(
        {
            "crime_type": "domestic-burglary",
            "area": "hackney",
            "summary": f"Load test report {i}",
            "occurred_at": "2026-09-01T14:30:00+01:00",
            "wants_visit": i % 2 == 0,
            "victim": {
                "given_name": "Load",
                "family_name": f"Test{i}",
                "email": f"load{i}@example.com",
                "preferred_contact": "email",
            },
        }
    ).encode()


def run_load(
    *,
    port: int,
    rate: float,
    seconds: float,
    path: str,
    token: str,
    post: bool,
    retry_share: float,
    threads: int,
) -> dict:
    """Open-loop: request i is due at start + i/rate; a pool of connections serves the queue."""
    total = int(rate * seconds)
    due: queue.Queue = queue.Queue()
    results: list[tuple[float, int, str, str]] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.5
    keys = [uuid.uuid4().hex for _ in range(total)]
    retry_every = int(1 / retry_share) if retry_share else 0

    def worker():
        while True:
            item = due.get()
            if item is None:
                return
            index, scheduled = item
            wait = scheduled - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            headers = {"Authorization": f"Bearer {token}"}
            payload = None
            key = ""
            if post:
                key = keys[index if not retry_every or index % retry_every else max(index - 1, 0)]
                source = index if not retry_every or index % retry_every else max(index - 1, 0)
                payload = body(source)
                headers.update({"Content-Type": "application/json", "Idempotency-Key": key})
            status, data = 0, b""
            # A fresh connection per request: gunicorn closes idle keep-alive connections
            # after 2 s, and a request racing that close would measure the reconnect.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST" if post else "GET", path, body=payload, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            elapsed = time.perf_counter() - scheduled
            reference = ""
            if status == 201:
                reference = json.loads(data)["reference"]
            with lock:
                results.append((elapsed, status, key, reference))

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for i in range(total):
        due.put((i, start + i / rate))
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - start
    latencies = sorted(r[0] for r in results)
    ok = [r for r in results if r[1] in (200, 201)]
    return {
        "sent": total,
        "ok": len(ok),
        "errors": total - len(ok),
        "rate": len(ok) / wall,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p95": latencies[max(0, int(0.95 * len(latencies)) - 1)] * 1000,
        "p99": latencies[max(0, int(0.99 * len(latencies)) - 1)] * 1000,
        "keys": {r[2] for r in ok if r[2]},
        "references_by_key": {(r[2], r[3]) for r in ok if r[2]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=32, help="load generator connections")
    parser.add_argument("--server-threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--quick", action="store_true", help="50 a second for 10 s")
    args = parser.parse_args()
    if args.quick:
        args.rate, args.seconds = 50, 10
    try:
        url = database_fresh()
    except Exception as error:  # noqa: BLE001 (any failure to connect: say so and stop)
        print(f"PostgreSQL is needed for this benchmark and does not answer: {error}")
        return 0
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vc-bench-api-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "VICTIMCARE_VAR_DIR": folder,
            "VICTIMCARE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(
            [*VICTIMCARE, "migrate", "--quiet"], env=env, cwd=ROOT, check=True, timeout=600
        )
        token = next(
            line.split(" ", 1)[1]
            for line in manage_shell(env, SEED).splitlines()
            if line.startswith("TOKEN ")
        )
        port = free_port()
        server = subprocess.Popen(
            [
                *VICTIMCARE,
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.server_threads),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).request(
                        "GET", "/healthz"
                    )
                    break
                except OSError:
                    time.sleep(0.2)
            common = {
                "port": port,
                "rate": args.rate,
                "seconds": args.seconds,
                "token": token,
                "threads": args.threads,
            }
            # Warm-up (not measured): every worker process connects and loads its code.
            warm = {**common, "rate": 10, "seconds": 3}
            run_load(path="/healthz", post=False, retry_share=0, **warm)
            warmed = run_load(path="/api/v1/reports", post=True, retry_share=0, **warm)
            baseline = run_load(path="/healthz", post=False, retry_share=0, **common)
            reports = run_load(path="/api/v1/reports", post=True, retry_share=0.02, **common)
            reports["keys"] |= warmed["keys"]
            reports["references_by_key"] |= warmed["references_by_key"]
        finally:
            server.terminate()
            server.wait(timeout=30)
        counts = next(
            line for line in manage_shell(env, COUNT).splitlines() if line.startswith("COUNTS ")
        ).split()
    cases, records, distinct = int(counts[1]), int(counts[2]), int(counts[3])
    expected = len(reports["keys"])
    mismatched = len(reports["references_by_key"]) - expected  # a key answered with two references
    print(
        f"baseline GET /healthz: {baseline['rate']:,.0f}/s, p50 {baseline['p50']:.0f} ms, "
        f"p95 {baseline['p95']:.0f} ms, errors {baseline['errors']}"
    )
    print(
        f"POST /api/v1/reports: {reports['rate']:,.0f}/s for {args.seconds:.0f} s (target "
        f"{args.rate:.0f}/s), p50 {reports['p50']:.0f} ms, p95 {reports['p95']:.0f} ms, p99 "
        f"{reports['p99']:.0f} ms, errors {reports['errors']} | p95 / baseline p95 "
        f"{reports['p95'] / max(baseline['p95'], 0.001):.1f}"
    )
    lost = expected - cases
    print(
        f"integrity: {expected:,} distinct keys answered 201; {cases:,} cases, {records:,} "
        f"idempotency records, {distinct:,} distinct references; lost {max(lost, 0)}, "
        f"duplicated {max(-lost, 0) + max(mismatched, 0)}"
    )
    ok = reports["p95"] < 150 and reports["errors"] == 0 and lost == 0 and mismatched == 0
    print("target met" if ok else "target NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
