"""`victimcare worker`: django-tasks' database worker, made to survive being killed and
losing its database connection.

django-tasks' worker claims a task (READY to RUNNING, committed), runs it, then records
the result. Left as it is:

- a worker killed between the claim and the record (SIGKILL, out of memory, a lost host)
  leaves the task RUNNING for ever, and nobody runs it again: a Victim Care Card that is
  never queued, a message never sent;
- a task whose connection is cut (a database restart, ``pg_terminate_backend``, a
  failover) is recorded FAILED and never run again, and the worker itself exits if the
  cut comes while it asks for the next task.

So each victimcare worker announces that it is alive for as long as it runs: a session
advisory lock on PostgreSQL, held on a connection of its own, or an ``flock``ed file under
``VAR_DIR/workers`` on SQLite (one host). A killed process loses its lock at once. Every
worker, when it starts and every ``RECOVER_SECONDS`` after, puts the RUNNING tasks of
workers that hold no lock back to READY. A task that fails because the database
connection was lost is put back too (up to ``CONNECTION_ATTEMPTS`` claims), and the
worker reconnects rather than exits.

A task may therefore run more than once (a worker that loses its lock's connection for a
moment looks dead), so every victimcare task is idempotent: deliveries are claimed per
message (notifications/services.py), the report follow-up checks what it already did.
Run workers only through `victimcare worker`: a plain ``db_worker`` holds no lock, and its
running tasks would be taken for orphans.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from functools import partial
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# First key of the advisory locks that say a worker is alive (the second is its id's hash).
PRESENCE_LOCK_KEY = 0x76637770  # "vcwp"
HEARTBEAT_SECONDS = 1.0
RECOVER_SECONDS = 5.0
CONNECTION_ATTEMPTS = 5
CONNECTION_ERRORS = (OperationalError, InterfaceError)


_current_worker_id = ""


def worker_id_new() -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{get_random_string(12)}"


def current_worker_id() -> str:
    """The id of the `victimcare worker` running in this process ("" outside one)."""
    return _current_worker_id


def worker_alive(worker_id: str) -> bool:
    """Whether the `victimcare worker` with this id still runs (holds its lock)."""
    if worker_id and worker_id == _current_worker_id:
        return True
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        path = Path(settings.VAR_DIR) / "workers" / f"{worker_id}.lock"
        if not path.exists():
            return False
        try:
            with path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        path.unlink(missing_ok=True)
        return False
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [PRESENCE_LOCK_KEY, worker_id]
        )
        free = cursor.fetchone()[0]
        if free:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, hashtext(%s))", [PRESENCE_LOCK_KEY, worker_id]
            )
    return not free


class Presence:
    """This worker's sign of life, and the test of another's."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.postgres = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
        self._held: TextIO | None = None  # the open lock file (SQLite)
        # The PostgreSQL server process holding the lock (connection id, backend pid).
        self._backend: tuple[int, int] | None = None

    # Runs in the presence thread, on that thread's own database connection.
    def hold(self) -> None:
        """Take this worker's lock, or check it is still held (reconnecting if cut)."""
        if not self.postgres:
            if self._held is None:
                folder = Path(settings.VAR_DIR) / "workers"
                folder.mkdir(parents=True, exist_ok=True)
                self._held = (folder / f"{self.worker_id}.lock").open("w")
                fcntl.flock(self._held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            with connection.cursor() as cursor:
                # Django may have reconnected behind our back (a failed health check): a
                # new server process holds no lock, so take it again there.
                cursor.execute("SELECT pg_backend_pid()")
                backend = (id(connection.connection), cursor.fetchone()[0])
                if backend != self._backend:
                    cursor.execute(
                        "SELECT pg_advisory_lock(%s, hashtext(%s))",
                        [PRESENCE_LOCK_KEY, self.worker_id],
                    )
                    self._backend = backend
        except CONNECTION_ERRORS:
            connection.close()  # the lock went with the connection; take it again next beat
            self._backend = None
            raise

    def release(self) -> None:
        if self._held is not None:
            self._held.close()
            Path(self._held.name).unlink(missing_ok=True)
            self._held = None
        connections[DEFAULT_DB_ALIAS].close()

    def alive(self, other: str) -> bool:
        """Whether worker ``other`` still holds its lock."""
        return other == self.worker_id or worker_alive(other)


def tasks_recover(*, presence: Presence) -> int:
    """Put back to READY the RUNNING tasks whose worker is gone; returns how many."""
    running = DBTaskResult.objects.running().values_list("id", "worker_ids")
    orphans = [
        task_id
        for task_id, worker_ids in running
        if not worker_ids or not presence.alive(worker_ids[-1])
    ]
    if not orphans:
        return 0
    recovered = DBTaskResult.objects.filter(id__in=orphans, status="RUNNING").update(
        status="READY", started_at=None
    )
    logger.warning("put back %s task(s) left running by a worker that is gone", recovered)
    return recovered


def _connection_lost(error: BaseException) -> bool:
    return isinstance(error, CONNECTION_ERRORS) and not _is_lock_timeout(error)


def _is_lock_timeout(error: BaseException) -> bool:
    return "is locked" in str(error).lower()


class ResilientWorker(Worker):
    """django-tasks' worker with a presence lock, recovery of orphaned tasks, and retries
    of what a lost connection interrupted."""

    def __init__(self, **kwargs):
        global _current_worker_id
        super().__init__(**kwargs)
        _current_worker_id = self.worker_id
        self.presence = Presence(self.worker_id)
        self._stop = threading.Event()
        self._ready = threading.Event()

    def _presence_loop(self) -> None:
        last_recovery = 0.0
        while not self._stop.is_set():
            try:
                self.presence.hold()
                self._ready.set()
                if time.monotonic() - last_recovery >= RECOVER_SECONDS:
                    tasks_recover(presence=self.presence)
                    last_recovery = time.monotonic()
            except CONNECTION_ERRORS as error:
                logger.warning("worker presence: database unreachable (%s)", type(error).__name__)
            except Exception:  # keep announcing life whatever one recovery pass did
                logger.exception("worker presence: recovery failed")
            self._stop.wait(HEARTBEAT_SECONDS)
        self.presence.release()

    def run(self) -> None:
        thread = threading.Thread(target=self._presence_loop, name="presence", daemon=True)
        thread.start()
        # Claim nothing before the lock is held: a claim must never look orphaned.
        while not self._ready.wait(HEARTBEAT_SECONDS):
            if not thread.is_alive():
                raise RuntimeError("the worker's presence thread stopped")
        try:
            while True:
                try:
                    return super().run()
                except CONNECTION_ERRORS as error:
                    if _is_lock_timeout(error):
                        raise
                    logger.warning(
                        "worker lost its database connection (%s); reconnecting",
                        type(error).__name__,
                    )
                    connections.close_all()
                    if not self.running:
                        return None
                    time.sleep(self.interval or 1)
        finally:
            self._stop.set()
            thread.join(timeout=5)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        db_task_result.set_successful = partial(self._set_successful, db_task_result)
        db_task_result.set_failed = partial(self._set_failed, db_task_result)
        super().run_task(db_task_result)

    @staticmethod
    def _set_successful(result: DBTaskResult, return_value) -> None:
        for attempt in range(CONNECTION_ATTEMPTS):
            try:
                return DBTaskResult.set_successful(result, return_value)
            except CONNECTION_ERRORS:
                if attempt == CONNECTION_ATTEMPTS - 1:
                    raise
                connections.close_all()
                time.sleep(0.2 * 2**attempt)
        return None

    @staticmethod
    def _set_failed(result: DBTaskResult, error: BaseException) -> None:
        if _connection_lost(error):
            connections.close_all()
        if not _connection_lost(error) or len(result.worker_ids) >= CONNECTION_ATTEMPTS:
            return DBTaskResult.set_failed(result, error)
        logger.warning(
            "task %s lost its database connection (%s); it will run again",
            result.id,
            type(error).__name__,
        )
        for attempt in range(CONNECTION_ATTEMPTS):
            connections.close_all()
            try:
                DBTaskResult.objects.filter(id=result.id, status="RUNNING").update(
                    status="READY", started_at=None
                )
                return None
            except CONNECTION_ERRORS:
                time.sleep(0.2 * 2**attempt)
        return None  # still RUNNING: the next recovery pass puts it back


def worker_run(*, batch: bool = False, interval: float = 1.0) -> None:
    """Run the queue until stopped (or, with ``batch``, until it is empty)."""
    from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME

    worker = ResilientWorker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id_new(),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()
