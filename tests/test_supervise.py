"""The process that runs the web server and the worker side by side (victimcare/supervise.py):
a worker that dies comes back after a growing back-off; a signal stops every child once;
a web server that ends ends the whole; no child outlives the parent."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from victimcare.supervise import Child, supervise

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def counts_sigterms(out: Path) -> list[str]:
    """A child that writes how many SIGTERMs reached it before it exits."""
    return python(
        f"""
        import signal, sys, time
        seen = []
        signal.signal(signal.SIGTERM, lambda *_: seen.append(1))
        while not seen:
            time.sleep(0.05)
        time.sleep(0.5)  # long enough for a second signal to arrive, if one were sent
        open({str(out)!r}, "w").write(str(len(seen)))
        """
    )


def signal_self_after(seconds: float, signum: int) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signum))
    timer.start()
    return timer


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_parent_stops_each_child_with_one_sigterm(tmp_path, signum):
    web, worker = tmp_path / "web", tmp_path / "worker"
    signal_self_after(1.0, signum)
    code = supervise(
        [
            Child("web server", counts_sigterms(web), restart=False),
            Child("worker", counts_sigterms(worker), restart=True),
        ],
        grace=10,
    )
    assert code == 0
    assert web.read_text() == "1"
    assert worker.read_text() == "1"


def test_a_worker_that_keeps_dying_is_restarted_after_a_doubling_back_off(caplog):
    signal_self_after(3.0, signal.SIGTERM)
    worker = Child("worker", python("raise SystemExit(3)"), restart=True)
    with caplog.at_level(logging.WARNING, logger="victimcare.supervise"):
        supervise(
            [Child("web server", python("import time; time.sleep(30)"), restart=False), worker],
            backoff_first=0.1,
            backoff_max=0.4,
            stable_after=30,
            poll=0.02,
        )
    delays = [
        record.args[-1]
        for record in caplog.records
        if record.getMessage().startswith("worker (pid")
    ]
    assert "exited with code 3" in caplog.text
    # 0.1, 0.2, 0.4, then held at the maximum.
    assert delays[:4] == [0.1, 0.2, 0.4, 0.4]
    # Started once, then once after each back-off that ran out before the signal.
    assert worker.starts in (len(delays), len(delays) + 1)


def test_a_web_server_that_ends_ends_the_whole_with_its_exit_code(tmp_path):
    worker = tmp_path / "worker"
    started = time.monotonic()
    code = supervise(
        [
            Child("web server", python("import time; time.sleep(0.5); raise SystemExit(4)"), False),
            Child("worker", counts_sigterms(worker), restart=True),
        ],
        grace=10,
    )
    assert code == 4
    assert worker.read_text() == "1"  # stopped, not left running
    assert time.monotonic() - started < 8


def test_children_die_with_a_parent_that_is_killed_outright(tmp_path):
    """SIGKILL gives the parent no chance to stop its children: Linux does it for it."""
    pids = tmp_path / "pids"
    parent = subprocess.Popen(
        python(
            f"""
            import sys
            from victimcare.supervise import Child, supervise
            sleep = [sys.executable, "-c", "import os, time; "
                     "open({str(pids)!r}, 'a').write(str(os.getpid()) + chr(10)); time.sleep(60)"]
            supervise([Child("web server", sleep, False), Child("worker", sleep, True)])
            """
        ),
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_lines(pids)) < 2:
        time.sleep(0.05)
    children = [int(pid) for pid in _lines(pids)]
    assert len(children) == 2
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.05)
    assert not [pid for pid in children if _alive(pid)]


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
