"""`victimcare worker`: a killed worker's tasks run again, a lost connection is survived."""

import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from victimcare.core import worker as worker_module
from victimcare.core.worker import Presence, ResilientWorker, tasks_recover, worker_alive
from victimcare.intake.tasks import draft_purge_expired_task


@contextmanager
def another_worker(worker_id: str):
    """A worker running elsewhere: it holds its lock (on its own connection or file) until
    the block ends, as a killed process stops holding it."""
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.get_connection_params()
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute(
                "SELECT pg_advisory_lock(%s, hashtext(%s))",
                [worker_module.PRESENCE_LOCK_KEY, worker_id],
            )
            backend = other.info.backend_pid
            yield
        # The server lets the lock go when its process for the connection ends, a moment
        # after the client has gone (as after a SIGKILL).
        with connection.cursor() as cursor:
            for _ in range(100):
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # read afresh in a transaction
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend])
                if cursor.fetchone() is None:
                    break
                time.sleep(0.05)
        return
    presence = Presence(worker_id)
    presence.hold()
    try:
        yield
    finally:
        presence._held.close()  # the lock file stays behind, as after a SIGKILL
        presence._held = None


@pytest.fixture
def database_queue(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VAR_DIR = tmp_path


def running_task(worker_id: str) -> DBTaskResult:
    result = draft_purge_expired_task.enqueue()
    task = DBTaskResult.objects.get(id=result.id)
    task.claim(worker_id)
    return task


@pytest.mark.django_db
def test_a_task_left_running_by_a_worker_that_is_gone_is_put_back_to_run_again(database_queue):
    task = running_task("worker-elsewhere")
    with another_worker("worker-elsewhere"):
        assert worker_alive("worker-elsewhere")
        assert tasks_recover(presence=Presence("worker-here")) == 0
        task.refresh_from_db()
        assert task.status == "RUNNING"  # its worker still runs it
    assert not worker_alive("worker-elsewhere")
    assert tasks_recover(presence=Presence("worker-here")) == 1
    task.refresh_from_db()
    assert task.status == "READY"
    assert task.started_at is None


@pytest.mark.django_db
def test_a_worker_never_takes_its_own_running_task_for_an_orphan(database_queue):
    task = running_task("worker-here")
    assert tasks_recover(presence=Presence("worker-here")) == 0
    task.refresh_from_db()
    assert task.status == "RUNNING"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows_put_back")
@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OperationalError("server closed the connection unexpectedly"), "READY"),
        (ValueError("a bug in the task"), "FAILED"),
    ],
)
def test_a_task_that_lost_its_database_connection_runs_again_and_a_failing_one_fails(
    database_queue, error, status
):
    task = running_task("worker-here")
    ResilientWorker._set_failed(task, error)
    task.refresh_from_db()
    assert task.status == status


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows_put_back")
def test_a_task_that_keeps_losing_its_connection_is_failed_in_the_end(database_queue):
    task = running_task("w1")
    for n in range(2, worker_module.CONNECTION_ATTEMPTS + 1):
        task.claim(f"w{n}")
    ResilientWorker._set_failed(task, OperationalError("server closed the connection"))
    task.refresh_from_db()
    assert task.status == "FAILED"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows_put_back")
def test_the_worker_reconnects_when_its_connection_is_cut_while_asking_for_work(
    database_queue, monkeypatch
):
    """django-tasks' worker exits on a connection error while it claims a task; ours
    reconnects and goes on."""
    calls = []

    def run(self):
        calls.append(1)
        if len(calls) == 1:
            connection.ensure_connection()
            raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(Worker, "run", run)
    monkeypatch.setattr(worker_module.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(worker_module, "_current_worker_id", "")  # put back after the test
    resilient = ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-here",
        excluded_queue_names=[],
    )
    resilient.run()
    assert len(calls) == 2  # asked for work again instead of exiting
