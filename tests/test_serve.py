"""`victimcare serve` as the demo runs it: the real command on a loopback port, on the
embedded SQLite database of a temporary VICTIMCARE_VAR_DIR, with its background worker.

"We have sent your Victim Care Card" must mean a message was sent: a report's care card
lands in the file email backend within seconds, with no manual step; the worker is
restarted if it dies; SIGTERM ends the whole process tree. One server serves the module.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.intake.factories import api_body

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postg"),
    reason="the demo runs on the embedded SQLite database; this runs in the SQLite pass",
)

# Migrate the temporary database and give it a force to report to, with a records-system
# token (printed), as `victimcare migrate` and `victimcare token create` would.
SETUP = """
from victimcare.cli import main
assert main(["migrate", "--quiet"]) == 0
from tests.intake.factories import reporting_world
from victimcare.accounts.services import service_token_create
print(service_token_create(force=reporting_world(), name="rms"))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for(check, *, seconds: float, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    return check()


class Server:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key != "DATABASE_URL" and not key.startswith("VICTIMCARE_")
        }
        self.env.update(
            VICTIMCARE_VAR_DIR=str(var_dir),
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        )
        setup = subprocess.run(
            [sys.executable, "-c", SETUP],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert setup.returncode == 0, setup.stderr
        self.token = setup.stdout.strip().splitlines()[-1]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.port = free_port()
        self.log = self.var_dir / "serve.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "victimcare",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                    "--threads",
                    "2",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        assert wait_for(self.healthy, seconds=120, every=0.25), self.log.read_text()

    def running(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.start()
        return self.process

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                return True
        except OSError:
            return False

    def post_report(self, body: dict) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/reports",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            assert response.status == 201
            return json.loads(response.read())

    def worker_pids(self) -> set[int]:
        return {
            pid
            for pid in descendants(self.process.pid)
            if alive(pid) and "victimcare worker" in command_line(pid)
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("var"))
    yield server
    server.stop()


def emails_with(folder: Path, text: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return [path for path in folder.iterdir() if text in path.read_text(errors="replace")]


def test_a_report_s_victim_care_card_is_emailed_within_seconds_with_no_manual_step(server):
    server.running()
    body = api_body()
    body["victim"]["preferred_contact"] = "email"
    reference = server.post_report(body)["reference"]
    sent = wait_for(lambda: emails_with(server.var_dir / "email", reference), seconds=10)
    assert sent, f"no email with {reference} in var/email:\n{server.log.read_text()[-3000:]}"
    assert "Victim Care Card" in sent[0].read_text()


def test_the_worker_runs_the_schedule_beside_the_web_server(server):
    server.running()
    assert wait_for(
        lambda: "scheduled job care-breaches done" in server.log.read_text(), seconds=20
    ), server.log.read_text()[-3000:]


def test_a_worker_that_dies_is_restarted_and_the_restart_logged(server):
    server.running()
    (first,) = wait_for(server.worker_pids, seconds=10)
    os.kill(first, signal.SIGKILL)
    restarted = wait_for(lambda: server.worker_pids() - {first}, seconds=15)
    assert restarted, server.log.read_text()[-3000:]
    log = server.log.read_text()
    assert f"worker (pid {first}) exited with code -9" in log
    assert "worker restarted (pid" in log


def test_sigterm_to_serve_ends_the_web_server_and_the_worker_leaving_no_process(server):
    process = server.running()
    tree = descendants(process.pid)
    assert len(tree) >= 3  # gunicorn's master and its worker, and the task worker
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    left = {pid for pid in tree if alive(pid)}
    assert not left, [command_line(pid) for pid in left]
