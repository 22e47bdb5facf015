"""Run the web server and the background worker side by side, as children of one process.

`victimcare serve` and `victimcare demo` start two children, each a `victimcare`
command of its own: the web server (gunicorn, `serve --no-worker`) and the worker
(`worker`: queued tasks and the schedule). This process only watches them:

- a child that may be restarted (the worker) is, when it dies, after a back-off that
  doubles from ``backoff_first`` to ``backoff_max`` seconds and starts again from the
  first once the child has run ``stable_after`` seconds; each restart is logged;
- a child that may not (the web server: a port in use will not come free by retrying)
  ends the whole, with its exit code;
- SIGINT or SIGTERM to this process sends each child one SIGTERM (gunicorn and the
  worker then finish what they are doing), waits ``grace`` seconds, then kills what is
  left. The children run in process groups of their own, so Ctrl-C in a terminal
  reaches them once, through here, not twice; on Linux each also gets SIGTERM if this
  process dies without stopping it (PR_SET_PDEATHSIG), so none is ever orphaned.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    name: str
    argv: list[str]
    restart: bool
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    starts: int = field(default=0)


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when this process dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)

    return hook


def _start(child: Child, hook: Callable[[], None] | None) -> None:
    child.process = subprocess.Popen(  # noqa: S603 (our own command, no shell)
        child.argv, process_group=0, preexec_fn=hook
    )
    child.started_at = time.monotonic()
    child.restart_at = None
    child.starts += 1
    if child.starts > 1:
        logger.warning("%s restarted (pid %s)", child.name, child.process.pid)


def supervise(
    children: list[Child],
    *,
    grace: float = 30.0,
    backoff_first: float = 1.0,
    backoff_max: float = 60.0,
    stable_after: float = 60.0,
    poll: float = 0.2,
) -> int:
    """Run the children until a signal, or until a child that may not restart ends.
    Returns 0 after a signal, else that child's exit code (1 if it was 0)."""
    stop: list[int] = []

    def on_signal(signum: int, frame) -> None:  # noqa: ARG001 (the signal.signal handler signature)
        stop.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    hook = _die_with_parent()
    exit_code = 0
    try:
        for child in children:
            _start(child, hook)
        while not stop:
            now = time.monotonic()
            for child in children:
                if child.process is None:
                    if child.restart_at is not None and now >= child.restart_at:
                        _start(child, hook)
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                if not child.restart:
                    logger.error("%s exited with code %s; stopping", child.name, code)
                    exit_code = code or 1
                    stop.append(0)
                    break
                ran = now - child.started_at
                child.failures = 0 if ran >= stable_after else child.failures + 1
                delay = min(backoff_max, backoff_first * 2 ** max(child.failures - 1, 0))
                logger.warning(
                    "%s (pid %s) exited with code %s after %.0fs; restarting in %.0fs",
                    child.name,
                    child.process.pid,
                    code,
                    ran,
                    delay,
                )
                child.process = None
                child.restart_at = now + delay
            else:
                time.sleep(poll)
    finally:
        _stop_all(children, grace=grace)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code


def _stop_all(children: list[Child], *, grace: float) -> None:
    running = [
        (c.name, c.process) for c in children if c.process is not None and c.process.poll() is None
    ]
    for _name, process in running:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for name, process in running:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within %.0fs; killing it", name, grace)
            # Its whole process group: gunicorn's own workers too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
