"""The worker's schedule: each job once a period, however many workers or restarts;
outcomes recorded and logged with counts only."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import QuerySet
from django_tasks_db.models import DBTaskResult

from victimcare import schedule
from victimcare.cli import main
from victimcare.core.models import ScheduledRun
from victimcare.schedule import JOBS, period_start, scheduled_job_task, scheduled_runs_claim

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 9, 47, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("every", "start"),
    [
        (timedelta(minutes=5), datetime(2026, 12, 2, 9, 45, tzinfo=UTC)),
        (timedelta(hours=1), datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        (timedelta(days=1), datetime(2026, 12, 2, tzinfo=UTC)),
    ],
)
def test_a_period_starts_on_a_multiple_of_its_length_from_the_epoch(every, start):
    assert period_start(every=every, now=NOW) == start
    assert period_start(every=every, now=start) == start
    assert period_start(every=every, now=start + every - timedelta(seconds=1)) == start


def queued_jobs() -> list[str]:
    return sorted(
        row.args_kwargs["args"][0]
        for row in DBTaskResult.objects.filter(task_path=scheduled_job_task.module_path)
    )


def test_every_job_is_queued_once_a_period_however_often_the_schedule_is_checked():
    first = scheduled_runs_claim(now=NOW)
    assert sorted(run.job for run in first) == sorted(job.name for job in JOBS)
    # A second worker, or this one restarted, in the same periods: nothing more.
    assert scheduled_runs_claim(now=NOW) == []
    assert scheduled_runs_claim(now=NOW + timedelta(minutes=2)) == []
    assert queued_jobs() == sorted(job.name for job in JOBS)
    # Five minutes on, only the five-minute jobs are due again.
    later = scheduled_runs_claim(now=NOW + timedelta(minutes=5))
    assert sorted(run.job for run in later) == ["care-breaches", "care-compliance-figures"]
    assert ScheduledRun.objects.filter(job="care-breaches").count() == 2


def test_two_workers_claiming_the_same_period_at_once_queue_the_job_once(monkeypatch):
    """The unique (job, period) row decides: a claim that saw no row, then lost the race,
    queues nothing."""
    scheduled_runs_claim(now=NOW)
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)  # both saw no claim yet
    assert scheduled_runs_claim(now=NOW) == []
    assert queued_jobs() == sorted(job.name for job in JOBS)


def test_a_message_queued_after_the_scheduled_jobs_is_sent_before_them():
    from victimcare.notifications.tasks import notification_deliver_task

    scheduled_runs_claim(now=NOW)
    notification_deliver_task.enqueue(1)
    assert DBTaskResult.objects.ready().first().task_path == notification_deliver_task.module_path


def test_a_scheduled_job_records_its_outcome_with_counts_only(caplog):
    (run,) = [r for r in scheduled_runs_claim(now=NOW) if r.job == "drafts-purge"]
    with caplog.at_level(logging.INFO, logger="victimcare.schedule"):
        outcome = scheduled_job_task.call("drafts-purge", run.period_start.isoformat())
    run.refresh_from_db()
    assert run.succeeded is True
    assert run.finished_at is not None
    assert run.outcome == outcome == "0 expired report drafts deleted"
    assert "scheduled job drafts-purge done" in caplog.text


def test_a_failed_job_is_recorded_and_logged_by_its_kind_never_its_message(monkeypatch, caplog):
    def fails() -> str:
        raise ValueError("Ada Testperson, ada@example.com")

    job = schedule.JOBS_BY_NAME["care-breaches"]
    monkeypatch.setitem(
        schedule.JOBS_BY_NAME, job.name, schedule.Job(job.name, job.every, fails, "")
    )
    (run,) = [r for r in scheduled_runs_claim(now=NOW) if r.job == "care-breaches"]
    with caplog.at_level(logging.INFO), pytest.raises(ValueError, match="Ada Testperson"):
        scheduled_job_task.call("care-breaches", run.period_start.isoformat())
    run.refresh_from_db()
    assert run.succeeded is False
    assert run.outcome == "failed: ValueError"
    assert "ada@example.com" not in caplog.text
    assert "Ada" not in caplog.text


def test_task_results_prune_deletes_only_what_is_old_enough():
    now = datetime.now(tz=UTC)
    old = ScheduledRun.objects.create(
        job="care-breaches", period_start=now - timedelta(days=31), claimed_at=now
    )
    recent = ScheduledRun.objects.create(
        job="care-breaches", period_start=now - timedelta(days=1), claimed_at=now
    )
    schedule.task_results_prune()
    assert list(ScheduledRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ScheduledRun.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db(transaction=True)  # the worker closes the database connection
def test_worker_batch_runs_the_jobs_due_and_no_schedule_leaves_them_out(migrated_rows_put_back):
    assert main(["worker", "--batch", "--no-schedule"]) == 0
    assert not ScheduledRun.objects.exists()
    assert main(["worker", "--batch"]) == 0
    runs = ScheduledRun.objects.all()
    assert sorted(run.job for run in runs) == sorted(job.name for job in JOBS)
    assert all(run.succeeded for run in runs), [(r.job, r.outcome) for r in runs]
