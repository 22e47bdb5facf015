"""Faults under load: reports and the messages they send survive a killed worker and
terminated database connections, with nothing lost and nothing duplicated.

On PostgreSQL, through `victimcare serve` and `victimcare worker` on loopback, a bounded
open-loop load sends POST /api/v1/reports (a per-force token, an Idempotency-Key each;
half the victims prefer email, half text messages). Two phases, in the same run and at
the same rate:

  baseline  no faults;
  faults    the background worker is killed with SIGKILL and restarted (--kills times),
            and every connection to the benchmark's database is cut with
            pg_terminate_backend (--terminations times), while the load runs.

A client retries a request that got no answer, or a 5xx, with the same Idempotency-Key
and body (as a records system would), for up to --retries attempts. When the load ends
the worker is left to drain the queue (at most --drain-seconds), then the database and
the outboxes (the file email backend's files, the file SMS backend's daily
outbox-YYYY-MM-DD.jsonl) are checked:

  reports   every report answered 201 is in the database exactly once, under the
            reference it was answered with (by idempotency key and by reference);
  messages  every case's Victim Care Card is queued once, sent, and delivered exactly
            once (deliveries counted per message by its idempotency key).

It prints what was lost and duplicated (the goal is nothing), the first-attempt errors
the clients saw, and each phase's throughput. It uses its own database, named from
POSTGRES_URL's (postgres://postgres@127.0.0.1:5432/victimcare gives
victimcare_bench_faults), dropped and created afresh, and only loopback addresses. It
copies that database from a migrated and seeded template (victimcare_faults_tpl_<hash of
the migrations>) kept between runs, rebuilt when the migrations change.

    .venv/bin/python benchmarks/bench_faults.py --quick     # 6 a second, 5 s a phase
    .venv/bin/python benchmarks/bench_faults.py --rate 20 --seconds 30 --kills 3
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email
import hashlib
import http.client
import ipaddress
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
VICTIMCARE = [sys.executable, "-m", "victimcare"]
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/victimcare"


class FaultTrialError(Exception):
    """The trial cannot run as asked (no PostgreSQL, a server that is not on loopback)."""


def database_urls(postgres_url: str, suffix: str) -> tuple[str, str, str]:
    """(admin URL, trial URL, trial database name) from a full PostgreSQL URL: the trial's
    database is the URL's own name plus ``suffix``, on the same server, which must be on a
    loopback address (the trial cuts every connection to its database)."""
    parts = urlsplit(postgres_url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise FaultTrialError(f"POSTGRES_URL must be a postgres:// URL (got {parts.scheme!r})")
    host = parts.hostname or "localhost"
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise FaultTrialError(f"the fault trial runs on loopback only (POSTGRES_URL host {host!r})")
    base = parts.path.lstrip("/") or "victimcare"
    name = f"{base}_{suffix}"[:63]
    return (
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(parts._replace(path=f"/{name}")),
        name,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SEED = """
from tests.factories import area_make, crime_type_make, force_make
from victimcare.accounts.services import service_token_create
force = force_make("MPS", "Metropolitan Police Service")
area_make(force, "Hackney")
crime_type_make("domestic-burglary")
print("TOKEN " + service_token_create(force=force, name="faults"))
"""


def report_body(i: int) -> bytes:
    """Report i: even victims prefer email, odd ones a text message to a safe number."""
    victim = {"given_name": "Fault", "family_name": f"Test{i}", "preferred_contact": "email"}
    if i % 2:
        victim.update(phone=f"07700 9{i % 100000:05d}", phone_is_safe=True, preferred_contact="sms")
    else:
        victim["email"] = f"fault{i}@example.com"
    return json.dumps(
        {
            "crime_type": "domestic-burglary",
            "area": "hackney",
            "summary": f"Fault test report {i}",
            "occurred_at": "2026-09-01T14:30:00+01:00",
            "wants_visit": i % 3 == 0,
            "victim": victim,
        }
    ).encode()


@dataclass
class LoadResult:
    sent: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> reference
    gave_up: int = 0
    retried: int = 0
    first_errors: collections.Counter = field(default_factory=collections.Counter)
    wall: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.acknowledged) / self.wall if self.wall else 0.0


def post_report(port: int, token: str, key: str, payload: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/api/v1/reports",
            body=payload,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 0, b""
    finally:
        conn.close()


def run_load(
    *, port: int, token: str, rate: float, seconds: float, first: int, threads: int, retries: int
) -> LoadResult:
    """Open loop: report ``first + i`` is due at start + i/rate. A request with no answer
    or a 5xx is sent again with the same key and body, backing off, up to ``retries``
    attempts in all."""
    total = max(1, int(rate * seconds))
    result = LoadResult(sent=total)
    due: queue.Queue = queue.Queue()
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def client():
        while (item := due.get()) is not None:
            index, scheduled = item
            if (wait := scheduled - time.perf_counter()) > 0:
                time.sleep(wait)
            key = uuid.uuid4().hex
            payload = report_body(index)
            for attempt in range(retries):
                status, data = post_report(port, token, key, payload)
                if attempt == 0 and status != 201:
                    with lock:
                        result.first_errors[status or "no answer"] += 1
                if status == 201:
                    with lock:
                        result.acknowledged[key] = json.loads(data)["reference"]
                        result.retried += attempt > 0
                    break
                if status and status < 500:
                    break  # an answer that retrying will not change
                time.sleep(min(2.0, 0.1 * 2**attempt))
            else:
                with lock:
                    result.gave_up += 1

    pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for i in range(total):
        due.put((first + i, start + i / rate))
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join()
    result.wall = time.perf_counter() - start
    return result


class Stack:
    """A fresh database, `victimcare serve` and `victimcare worker` processes on loopback,
    with the file email and SMS backends writing into a temporary folder."""

    def __init__(
        self, *, postgres_url: str, suffix: str, web_workers: int = 2, server_threads: int = 4
    ):
        self.admin_url, self.url, self.name = database_urls(postgres_url, suffix)
        self.base = urlsplit(postgres_url).path.lstrip("/") or "victimcare"
        self.web_workers = web_workers
        self.server_threads = server_threads
        self.folder = Path(tempfile.mkdtemp(prefix="vc-faults-"))
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "VICTIMCARE_VAR_DIR": str(self.folder),
            "VICTIMCARE_LOG_LEVEL": "WARNING",
            "VICTIMCARE_EMAIL_BACKEND": "file",
            "VICTIMCARE_SMS_BACKEND": "file",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
        self.port = free_port()
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.token = ""
        self.worker_kills = 0
        self.connections_cut = 0

    # -- set up and tear down -------------------------------------------------------------
    def _admin(self, sql: str, params=()) -> list:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def start(self) -> Stack:
        try:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            template = self._template()
            self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        except FaultTrialError:
            raise
        except Exception as error:  # noqa: BLE001 (psycopg raises several kinds)
            raise FaultTrialError(f"PostgreSQL does not answer: {error}") from None
        self.token = self._admin(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (template,),
        )[0][0]
        self.server = subprocess.Popen(
            [
                *VICTIMCARE,
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.server_threads),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "serve.log").open("w"),
        )
        self.worker_start()
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise FaultTrialError("victimcare serve did not answer /healthz")
        return self

    def _template(self) -> str:
        """A migrated and seeded database to copy (CREATE DATABASE ... TEMPLATE takes a
        second; migrating takes half a minute), named after the migrations it holds and
        kept for the next run; its comment holds the API token it was seeded with."""
        digest = hashlib.sha256(SEED.encode())
        for path in sorted((ROOT / "src" / "victimcare").glob("*/migrations/*.py")):
            digest.update(path.name.encode() + path.read_bytes())
        prefix = f"{self.base[:30]}_faults_tpl_"
        template = prefix + digest.hexdigest()[:12]
        if self._admin("SELECT 1 FROM pg_database WHERE datname = %s", (template,)):
            return template
        building = f"{template}_{os.getpid()}"
        self._admin(f'CREATE DATABASE "{building}"')
        env = {
            **self.env,
            "DATABASE_URL": urlunsplit(urlsplit(self.url)._replace(path=f"/{building}")),
        }
        try:
            self._run([*VICTIMCARE, "migrate", "--quiet"], env=env)
            out = self._run([*VICTIMCARE, "manage", "shell", "-c", SEED], env=env)
            token = next(line[6:] for line in out.splitlines() if line.startswith("TOKEN "))
            self._admin(f"COMMENT ON DATABASE \"{building}\" IS '{token}'")
        except BaseException:
            self._admin(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            raise
        try:
            self._admin(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        except Exception:  # noqa: BLE001 (another run built it first)
            self._admin(f'DROP DATABASE IF EXISTS "{building}"')
        for (stale,) in self._admin(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) "
            "AND length(datname) = %s AND datname <> %s",
            (prefix, len(template), template),
        ):
            # templates of other migrations, unless a run is copying one right now: any
            # refusal (in use, gone already) leaves that template for the next run
            with contextlib.suppress(Exception):
                self._admin(f'DROP DATABASE IF EXISTS "{stale}"')
        return template

    def stop(self, *, keep_database: bool = False) -> None:
        # SIGTERM lets the worker finish its task; SIGINT is gunicorn's quick shutdown.
        for process, stop in ((self.worker, signal.SIGTERM), (self.server, signal.SIGINT)):
            if process is not None and process.poll() is None:
                process.send_signal(stop)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if not keep_database:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, command: list[str], env: dict | None = None) -> str:
        done = subprocess.run(
            command, env=env or self.env, cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        if done.returncode:
            raise FaultTrialError(f"{' '.join(command[2:4])} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    # -- faults ---------------------------------------------------------------------------
    def worker_start(self) -> None:
        log = (self.folder / "worker.log").open("a")
        self.worker = subprocess.Popen(
            [*VICTIMCARE, "worker"], env=self.env, cwd=ROOT, stdout=log, stderr=log
        )

    def worker_kill(self) -> None:
        """SIGKILL: no handler runs, whatever the worker was doing is cut off."""
        if self.worker is not None and self.worker.poll() is None:
            os.kill(self.worker.pid, signal.SIGKILL)
            self.worker.wait()
            self.worker_kills += 1

    def worker_alive(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def connections_terminate(self) -> int:
        """Cut every connection to the trial's database (web, worker, anything else)."""
        rows = self._admin(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.name,),
        )
        self.connections_cut += rows[0][0]
        return rows[0][0]

    # -- reading the outcome --------------------------------------------------------------
    def query(self, sql: str, params=()) -> list:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def queue_depth(self) -> tuple[int, int]:
        """(tasks waiting or running, messages not yet sent)."""
        tasks = self.query(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status IN ('READY', 'RUNNING')"
        )[0][0]
        pending = self.query(
            "SELECT count(*) FROM notifications_notification WHERE status NOT IN "
            "('sent', 'failed', 'not_sent')"
        )[0][0]
        return tasks, pending

    def deliveries(self) -> collections.Counter:
        """How many times each message reached the outboxes, by its idempotency key."""
        counts: collections.Counter = collections.Counter()
        for path in (self.folder / "email").glob("*.log"):
            for part in path.read_text(encoding="utf-8").split("\n" + "-" * 79 + "\n"):
                if part.strip():
                    counts[email.message_from_string(part)["X-Victimcare-Reference"]] += 1
        for outbox in (self.folder / "sms").glob("outbox*.jsonl"):  # one file a day
            for line in outbox.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    counts[json.loads(line)["reference"]] += 1
        return counts


def drain(stack: Stack, *, seconds: float) -> tuple[float, tuple[int, int]]:
    """Let the worker empty the queue; returns the time taken and what is left."""
    start = time.perf_counter()
    left = stack.queue_depth()
    while left != (0, 0) and time.perf_counter() - start < seconds:
        if not stack.worker_alive():  # a worker that died by itself counts as a finding
            stack.worker_start()
        time.sleep(0.5)
        left = stack.queue_depth()
    return time.perf_counter() - start, left


@dataclass
class Audit:
    """What the database and the outboxes hold against what the clients were told."""

    acknowledged: int = 0
    reports_lost: list[str] = field(default_factory=list)  # keys answered 201, not stored
    reports_duplicated: list[str] = field(default_factory=list)  # references stored twice
    reports_mismatched: list[str] = field(default_factory=list)  # key stored under another ref
    cases: int = 0
    unacknowledged_cases: int = 0  # stored, but the client gave up before hearing 201
    messages_expected: int = 0
    messages_missing: list[str] = field(default_factory=list)  # never queued
    messages_unsent: list[str] = field(default_factory=list)  # queued, not sent
    messages_undelivered: list[str] = field(default_factory=list)  # marked sent, not delivered
    messages_duplicated: dict[str, int] = field(default_factory=dict)  # delivered n > 1 times
    tasks: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return (
            len(self.reports_lost)
            + len(self.reports_mismatched)
            + len(self.messages_missing)
            + len(self.messages_unsent)
            + len(self.messages_undelivered)
        )

    @property
    def duplicated(self) -> int:
        return len(self.reports_duplicated) + sum(n - 1 for n in self.messages_duplicated.values())


def audit(stack: Stack, acknowledged: dict[str, str]) -> Audit:
    found = Audit(acknowledged=len(acknowledged))
    stored = dict(
        stack.query(
            "SELECT r.key, c.reference FROM intake_idempotencyrecord r "
            "JOIN cases_case c ON c.id = r.case_id"
        )
    )
    for key, reference in acknowledged.items():
        if key not in stored:
            found.reports_lost.append(key)
        elif stored[key] != reference:
            found.reports_mismatched.append(key)
    found.reports_duplicated = [
        row[0]
        for row in stack.query(
            "SELECT reference FROM cases_case GROUP BY reference HAVING count(*) > 1"
        )
    ]
    found.cases = stack.query("SELECT count(*) FROM cases_case")[0][0]
    found.unacknowledged_cases = len(set(stored) - set(acknowledged))
    # Each victim's Victim Care Card: idempotency key care-card:<case>:<victim>.
    expected = [
        f"care-card:{case_id}:{victim_id}"
        for case_id, victim_id in stack.query("SELECT case_id, id FROM cases_victim")
    ]
    found.messages_expected = len(expected)
    status = dict(stack.query("SELECT idempotency_key, status FROM notifications_notification"))
    delivered = stack.deliveries()
    for key in expected:
        if key not in status:
            found.messages_missing.append(key)
        elif status[key] != "sent":
            found.messages_unsent.append(key)
        elif delivered[key] == 0:
            found.messages_undelivered.append(key)
    found.messages_duplicated = {key: n for key, n in delivered.items() if n > 1}
    found.tasks = dict(
        stack.query(
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
        )
    )
    return found


def run_faults(
    stack: Stack,
    *,
    rate: float,
    seconds: float,
    first: int,
    threads: int,
    retries: int,
    kills: int,
    terminations: int,
) -> LoadResult:
    """The load with faults spread over it: kills and terminations alternate, evenly
    spaced, none in the first or last tenth of the phase."""
    faults = ["kill"] * kills + ["terminate"] * terminations
    order = []
    while faults:  # alternate the two kinds
        for kind in ("kill", "terminate"):
            if kind in faults:
                faults.remove(kind)
                order.append(kind)
    stop = threading.Event()

    def inject():
        for n, kind in enumerate(order):
            at = seconds * (0.1 + 0.8 * (n + 0.5) / len(order))
            if stop.wait(max(0.0, at - (time.perf_counter() - began))):
                return
            if kind == "kill":
                stack.worker_kill()
                time.sleep(0.3)
                stack.worker_start()
            else:
                stack.connections_terminate()

    began = time.perf_counter()
    injector = threading.Thread(target=inject, daemon=True)
    injector.start()
    try:
        return run_load(
            port=stack.port,
            token=stack.token,
            rate=rate,
            seconds=seconds,
            first=first,
            threads=threads,
            retries=retries,
        )
    finally:
        stop.set()
        injector.join()


def describe(name: str, load: LoadResult, drain_time: float, left: tuple[int, int]) -> str:
    errors = ", ".join(f"{status}: {n}" for status, n in sorted(load.first_errors.items(), key=str))
    # The worker's pace: the phase's two tasks a report (follow-up, delivery) were done
    # when the queue was empty, drain_time after the load ended.
    busy = load.wall + drain_time
    return (
        f"{name}: {load.rate:,.1f} reports/s acknowledged ({len(load.acknowledged):,} of "
        f"{load.sent:,} in {load.wall:.1f} s); first-attempt errors {{{errors or 'none'}}}, "
        f"answered after a retry {load.retried}, given up {load.gave_up}; queue empty "
        f"{drain_time:.1f} s after the load (Victim Care Cards sent at "
        f"{len(load.acknowledged) / busy:,.1f}/s)"
        + (f", LEFT {left[0]} tasks, {left[1]} messages" if any(left) else "")
    )


def describe_audit(found: Audit) -> list[str]:
    lines = [
        f"reports: {found.acknowledged:,} answered 201; {found.cases:,} cases stored "
        f"({found.unacknowledged_cases} stored whose client gave up); lost "
        f"{len(found.reports_lost)}, stored under another reference "
        f"{len(found.reports_mismatched)}, duplicated {len(found.reports_duplicated)}",
        f"messages: {found.messages_expected:,} Victim Care Cards due; never queued "
        f"{len(found.messages_missing)}, queued but not sent {len(found.messages_unsent)}, "
        f"marked sent but not delivered {len(found.messages_undelivered)}, delivered more "
        f"than once {len(found.messages_duplicated)} (extra copies "
        f"{sum(n - 1 for n in found.messages_duplicated.values())})",
        "tasks: " + ", ".join(f"{k} {v}" for k, v in sorted(found.tasks.items())),
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=8, help="reports a second (%(default)s)")
    parser.add_argument(
        "--seconds", type=float, default=10, help="length of each phase (%(default)s)"
    )
    parser.add_argument("--kills", type=int, default=2, help="worker SIGKILLs (%(default)s)")
    parser.add_argument(
        "--terminations", type=int, default=3, help="pg_terminate_backend rounds (%(default)s)"
    )
    parser.add_argument("--retries", type=int, default=8, help="attempts per report (%(default)s)")
    parser.add_argument("--threads", type=int, default=16, help="client connections (%(default)s)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (%(default)s)")
    parser.add_argument(
        "--drain-seconds", type=float, default=90, help="longest wait for the queue (%(default)s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and outboxes")
    parser.add_argument("--quick", action="store_true", help="6 a second, 5 s a phase")
    args = parser.parse_args()
    if args.quick:
        args.rate, args.seconds = 6, 5
    url = os.environ.get("POSTGRES_URL", DEFAULT_POSTGRES)
    try:
        stack = Stack(postgres_url=url, suffix="bench_faults", web_workers=args.web_workers)
        stack.start()
    except FaultTrialError as error:
        print(f"SKIPPED fault benchmark: {error}")
        return 0
    try:
        common = {
            "port": stack.port,
            "token": stack.token,
            "rate": args.rate,
            "seconds": args.seconds,
            "threads": args.threads,
            "retries": args.retries,
        }
        warm = run_load(**{**common, "rate": 5, "seconds": 2, "first": 10_000_000})
        drain(stack, seconds=args.drain_seconds)
        baseline = run_load(**common, first=0)
        baseline_drain = drain(stack, seconds=args.drain_seconds)
        faulted = run_faults(
            stack,
            **{k: v for k, v in common.items() if k not in ("port", "token")},
            first=1_000_000,
            kills=args.kills,
            terminations=args.terminations,
        )
        faulted_drain = drain(stack, seconds=args.drain_seconds)
        acknowledged = {**warm.acknowledged, **baseline.acknowledged, **faulted.acknowledged}
        found = audit(stack, acknowledged)
    finally:
        stack.stop(keep_database=args.keep)
    print(describe("baseline (no faults)", baseline, *baseline_drain))
    print(
        describe(
            f"faults ({stack.worker_kills} worker SIGKILLs, {args.terminations} rounds of "
            f"pg_terminate_backend cutting {stack.connections_cut} connections)",
            faulted,
            *faulted_drain,
        )
    )
    paces = [
        len(load.acknowledged) / (load.wall + drained[0])
        for load, drained in ((baseline, baseline_drain), (faulted, faulted_drain))
    ]
    print(
        f"under faults / baseline: reports acknowledged {faulted.rate / max(baseline.rate, 1e-9):.2f}, "
        f"Victim Care Cards sent {paces[1] / max(paces[0], 1e-9):.2f}"
    )
    for line in describe_audit(found):
        print(line)
    print(f"LOST {found.lost}, DUPLICATED {found.duplicated}")
    if args.keep:
        print(f"kept: database {stack.name}, outboxes and logs in {stack.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
