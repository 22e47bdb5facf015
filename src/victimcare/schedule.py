"""The worker's schedule: the jobs that run by themselves, without cron.

Every worker started without ``--no-schedule`` checks the schedule every
``CHECK_SECONDS`` (and once as it starts). A job due in the current period is claimed by
writing its ``core.ScheduledRun`` row for (job, period) and, in the same transaction,
enqueuing ``scheduled_job_task``; the unique constraint on (job, period) lets one claim
win, so two workers, or a worker restarted, never run a job twice in one period, on
SQLite and PostgreSQL alike. Periods are aligned to the epoch (UTC): a job due every
five minutes runs in each five-minute slot; a daily one once each UTC day.

The task runs the job on whichever worker takes it, records how it ended on the row and
logs the outcome: counts only, never personal data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from victimcare.care.services import obligations_mark_breached
from victimcare.care.services.compliance import compliance_snapshots_refresh
from victimcare.care.services.digest import breach_digest_send
from victimcare.core.models import ScheduledRun
from victimcare.intake.services import draft_purge_expired
from victimcare.surveys.services import fieldwork_update

logger = logging.getLogger(__name__)

# How often a worker looks for due jobs: a job runs at most this late in its period.
CHECK_SECONDS = 30
# Finished background tasks (and records of scheduled runs) kept this long, then deleted.
TASK_RESULTS_KEPT = timedelta(days=14)
SCHEDULED_RUNS_KEPT = timedelta(days=30)


def breaches_mark() -> str:
    return f"{obligations_mark_breached():,} obligations newly marked breached"


def compliance_snapshots() -> str:
    return f"{compliance_snapshots_refresh():,} forces' compliance figures worked out again"


def breach_digest() -> str:
    return f"{breach_digest_send():,} breach digests queued for supervisors"


def survey_fieldwork_update() -> str:
    result = fieldwork_update()
    return f"{result['reminded']:,} reminders sent, {result['expired']:,} expired links closed"


def drafts_purge() -> str:
    return f"{draft_purge_expired():,} expired report drafts deleted"


def task_results_prune() -> str:
    now = timezone.now()
    tasks, _ = (
        DBTaskResult.objects.finished().filter(finished_at__lte=now - TASK_RESULTS_KEPT).delete()
    )
    runs, _ = ScheduledRun.objects.filter(period_start__lte=now - SCHEDULED_RUNS_KEPT).delete()
    return f"{tasks:,} finished task results and {runs:,} scheduled-run records deleted"


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], str]  # returns a one-line outcome: counts only
    what: str


JOBS: tuple[Job, ...] = (
    Job(
        "care-breaches",
        timedelta(minutes=5),
        breaches_mark,
        "mark overdue Victims' Code obligations breached, raising an alert each "
        "(`victimcare care breaches`)",
    ),
    Job(
        "care-compliance-figures",
        timedelta(minutes=5),
        compliance_snapshots,
        "work out each force's compliance figures for the last year again, so that the "
        "compliance page shows them at once",
    ),
    Job(
        "care-breach-digest",
        timedelta(days=1),
        breach_digest,
        "email each supervisor the deadlines missed in their team (or force) in the last day: "
        "counts only",
    ),
    Job(
        "survey-fieldwork",
        timedelta(hours=1),
        survey_fieldwork_update,
        "send the survey reminders that are due and close expired survey links, every force "
        "(`victimcare survey invite`)",
    ),
    Job(
        "drafts-purge",
        timedelta(days=1),
        drafts_purge,
        "delete online report drafts past their 7 days (`victimcare drafts purge`)",
    ),
    Job(
        "task-results-prune",
        timedelta(days=1),
        task_results_prune,
        "delete finished background-task results after 14 days and these run records after 30",
    ),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


def period_start(*, every: timedelta, now: datetime) -> datetime:
    """Start of the period ``now`` falls in, periods of ``every`` counted from the epoch."""
    seconds = int(every.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)


def scheduled_runs_claim(*, now: datetime | None = None) -> list[ScheduledRun]:
    """Claim every job due in its current period and queue it for a worker; returns the
    runs claimed here (none for a job another worker, or an earlier start, claimed)."""
    now = now or timezone.now()
    claimed = []
    for job in JOBS:
        start = period_start(every=job.every, now=now)
        if ScheduledRun.objects.filter(job=job.name, period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, period_start=start, claimed_at=now)
                scheduled_job_task.enqueue(job.name, start.isoformat())
        except IntegrityError:  # claimed at the same moment by another worker
            continue
        logger.info(
            "scheduled job %s queued for the period from %s", job.name, f"{start:%Y-%m-%d %H:%M}Z"
        )
        claimed.append(run)
    return claimed


# Below every other task: a message waiting beside a scheduled job goes first.
SCHEDULED_JOB_PRIORITY = -10


@task(priority=SCHEDULED_JOB_PRIORITY)
def scheduled_job_task(job: str, period_start: str) -> str:
    """Run a claimed scheduled job and record how it ended on its ScheduledRun row."""
    run = ScheduledRun.objects.get(job=job, period_start=datetime.fromisoformat(period_start))
    started = time.monotonic()
    try:
        outcome = JOBS_BY_NAME[job].run()
    except Exception as error:
        # The exception's type only: its message could quote data.
        _scheduled_run_finish(run=run, succeeded=False, outcome=f"failed: {type(error).__name__}")
        logger.error(
            "scheduled job %s failed after %.1fs: %s",
            job,
            time.monotonic() - started,
            type(error).__name__,
        )
        raise
    _scheduled_run_finish(run=run, succeeded=True, outcome=outcome)
    logger.info("scheduled job %s done in %.1fs: %s", job, time.monotonic() - started, outcome)
    return outcome


@transaction.atomic
def _scheduled_run_finish(*, run: ScheduledRun, succeeded: bool, outcome: str) -> None:
    run.finished_at = timezone.now()
    run.succeeded = succeeded
    run.outcome = outcome[:200]
    run.save(update_fields=["finished_at", "succeeded", "outcome"])


class ScheduleThread(threading.Thread):
    """Checks the schedule beside the task worker, in the worker's own process. A daemon:
    the worker's exit (on SIGTERM or Ctrl-C) ends it."""

    def __init__(self, *, check_seconds: float = CHECK_SECONDS) -> None:
        super().__init__(name="victimcare-schedule", daemon=True)
        self.check_seconds = check_seconds
        self.stopped = threading.Event()

    def run(self) -> None:
        logger.info(
            "schedule on: %s",
            ", ".join(f"{job.name} every {_every(job.every)}" for job in JOBS),
        )
        while True:
            try:
                scheduled_runs_claim()
            except Exception as error:  # noqa: BLE001 (a database hiccup: try again at the next check)
                logger.warning("schedule check failed: %s", type(error).__name__)
            finally:
                connection.close()  # this thread's own connection; none held while idle
            if self.stopped.wait(self.check_seconds):
                return


def _every(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    if seconds % 86400 == 0:
        return "day" if seconds == 86400 else f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return "hour" if seconds == 3600 else f"{seconds // 3600} hours"
    return f"{seconds // 60} minutes"
