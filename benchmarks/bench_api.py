"""Records-system API under load: POST /api/v1/reports on PostgreSQL through `victimcare serve`.

Three measures, each beside the same measure of GET /healthz (one `SELECT 1`) in the same
run, and the ratio between them (a ratio holds from one machine to the next far better
than either figure):

1. Open loop (the goal): a bounded load generator on loopback sends reports at a fixed
   rate (default 200 a second for 60 s), each with its own Idempotency-Key, and re-sends
   2% of them with the same key (as a records system retrying after a timeout would).
   Latency is measured from each request's scheduled start (so a stalled server cannot
   hide its queue). At the end the database is checked: one case per distinct key, none
   lost, none duplicated.
2. Saturation: as many requests as `--connections` connections can get answered, one
   after another, for `--saturation-seconds` (default 15 s): the most the server answers.
3. Server CPU per request: the CPU time of the gunicorn processes and of their PostgreSQL
   backends (read from /proc, so the server must run on this machine) over each phase,
   divided by the requests answered: the cost that sets the saturation throughput, and
   far steadier than wall time when other work shares the machine.

The load generator shares the machine's cores with the server (on two cores it takes a
good share of one): compare the reports' figures with /healthz's, not with a bare server.

    .venv/bin/python benchmarks/bench_api.py --quick        # 50 a second for 10 s
    .venv/bin/python benchmarks/bench_api.py --rate 200 --seconds 60 --workers 3

Target (issue #3, #16): 200 reports a second for 60 s, p95 under 150 ms, nothing lost or
duplicated.
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
BENCH_DB = os.environ.get("BENCH_API_DB", "victimcare_bench_api")
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


def run_saturation(
    *, port: int, seconds: float, path: str, token: str, post: bool, connections: int
) -> dict:
    """Closed loop: each connection sends its next request as soon as the last is answered."""
    results: list[tuple[float, int, str, str]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def worker():
        mine = []
        while time.perf_counter() < deadline:
            i = next(counter)
            headers = {"Authorization": f"Bearer {token}"}
            payload = None
            key = ""
            if post:
                payload = body(1_000_000 + i)
                key = uuid.uuid4().hex
                headers.update({"Content-Type": "application/json", "Idempotency-Key": key})
            started = time.perf_counter()
            status, data = 0, b""
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
            reference = json.loads(data)["reference"] if status == 201 else ""
            mine.append((time.perf_counter() - started, status, key, reference))
        with lock:
            results.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    ok = [r for r in results if r[1] in (200, 201)]
    latencies = sorted(r[0] for r in ok) or [0.0]
    return {
        "ok": len(ok),
        "errors": len(results) - len(ok),
        "rate": len(ok) / wall,
        "p50": latencies[len(latencies) // 2] * 1000,
        "keys": {r[2] for r in ok if r[2]},
        "references_by_key": {(r[2], r[3]) for r in ok if r[2]},
    }


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """CPU seconds used by the server (gunicorn's master and workers) and by the
    PostgreSQL backends connected to the bench's database, read from /proc."""

    def __init__(self, server_pid: int, url: str):
        self.server_pid = server_pid
        self.url = url

    def _pids(self) -> tuple[list[int], list[int]]:
        parents: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents.setdefault(int(stat[1]), []).append(int(entry.name))
        server, waiting = [], [self.server_pid]  # the server and all its descendants
        while waiting:
            pid = waiting.pop()
            server.append(pid)
            waiting.extend(parents.get(pid, []))
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            backends = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
            ]
        return server, backends

    def read(self) -> tuple[float, dict[int, float]] | None:
        """The server's CPU seconds so far, and each database backend's; None when the
        database runs elsewhere."""
        server, backends = self._pids()
        if backends and not Path(f"/proc/{backends[0]}").exists():
            return None
        return sum(_cpu_of(p) for p in server), {p: _cpu_of(p) for p in backends}


def measured(cpu: ServerCpu, run, **kwargs) -> dict:
    """Run one phase, adding the server's and the database's CPU ms per answered request
    and the load generator's own (this process)."""
    before, mine = cpu.read(), time.process_time()
    result = run(**kwargs)
    after, mine = cpu.read(), time.process_time() - mine
    answered = max(result["ok"], 1)
    result["client_ms"] = mine * 1000 / answered
    if before is not None and after is not None:
        result["server_ms"] = (after[0] - before[0]) * 1000 / answered
        # Backend by backend: one that ended during the phase (its connection reached
        # CONN_MAX_AGE) is not counted, so this is a floor.
        used = sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
        result["database_ms"] = used * 1000 / answered
    return result


def cpu_text(result: dict) -> str:
    if "server_ms" not in result:
        return f"load generator {result['client_ms']:.2f} CPU ms/request"
    return (
        f"CPU ms/request: server {result['server_ms']:.2f} + PostgreSQL at least "
        f"{result['database_ms']:.2f} (load generator {result['client_ms']:.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=32, help="load generator connections")
    parser.add_argument("--server-threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--saturation-seconds", type=float, default=15, help="0: no saturation measure"
    )
    parser.add_argument(
        "--connections", type=int, default=8, help="connections of the saturation measure"
    )
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="serve with the background worker beside it (`victimcare serve`'s default), "
        "sharing the cores: it sends each report's Victim Care Card",
    )
    parser.add_argument("--quick", action="store_true", help="50 a second for 10 s")
    args = parser.parse_args()
    if args.quick:
        args.rate, args.seconds, args.saturation_seconds = 50, 10, 5
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
                *([] if args.with_worker else ["--no-worker"]),
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
            cpu = ServerCpu(server.pid, url)
            baseline = measured(cpu, run_load, path="/healthz", post=False, retry_share=0, **common)
            reports = measured(
                cpu, run_load, path="/api/v1/reports", post=True, retry_share=0.02, **common
            )
            reports["keys"] |= warmed["keys"]
            reports["references_by_key"] |= warmed["references_by_key"]
            saturated = {}
            if args.saturation_seconds > 0:
                closed = {
                    "port": port,
                    "seconds": args.saturation_seconds,
                    "token": token,
                    "connections": args.connections,
                }
                saturated["healthz"] = measured(
                    cpu, run_saturation, path="/healthz", post=False, **closed
                )
                saturated["reports"] = measured(
                    cpu, run_saturation, path="/api/v1/reports", post=True, **closed
                )
                reports["keys"] |= saturated["reports"]["keys"]
                reports["references_by_key"] |= saturated["reports"]["references_by_key"]
        finally:
            server.terminate()
            server.wait(timeout=30)
        counts = next(
            line for line in manage_shell(env, COUNT).splitlines() if line.startswith("COUNTS ")
        ).split()
    cases, records, distinct = int(counts[1]), int(counts[2]), int(counts[3])
    expected = len(reports["keys"])
    mismatched = len(reports["references_by_key"]) - expected  # a key answered with two references
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"baseline GET /healthz: {baseline['rate']:,.0f}/s, p50 {baseline['p50']:.0f} ms, "
        f"p95 {baseline['p95']:.0f} ms, errors {baseline['errors']} | {cpu_text(baseline)}"
    )
    print(
        f"POST /api/v1/reports: {reports['rate']:,.0f}/s for {args.seconds:.0f} s (target "
        f"{args.rate:.0f}/s), p50 {reports['p50']:.0f} ms, p95 {reports['p95']:.0f} ms, p99 "
        f"{reports['p99']:.0f} ms, errors {reports['errors']} | p95 / baseline p95 "
        f"{reports['p95'] / max(baseline['p95'], 0.001):.1f} | {cpu_text(reports)}"
    )
    if saturated:
        health, posted = saturated["healthz"], saturated["reports"]
        print(
            f"saturation ({args.connections} connections, {args.saturation_seconds:.0f} s each): "
            f"GET /healthz {health['rate']:,.0f}/s, POST /api/v1/reports {posted['rate']:,.0f}/s "
            f"(errors {health['errors']} and {posted['errors']}) | reports / healthz "
            f"{posted['rate'] / max(health['rate'], 0.001):.2f}"
        )
        print(f"  at saturation, GET /healthz {cpu_text(health)}")
        print(f"  at saturation, POST /api/v1/reports {cpu_text(posted)}")
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
