from django.db import models


class ScheduledRun(models.Model):
    """One run of one of the worker's scheduled jobs (see victimcare/schedule.py).

    A job runs once a period: the row for (job, period) is the claim, so two workers, or
    one restarted, never run a job twice in a period (the unique constraint decides, on
    SQLite and PostgreSQL alike). ``outcome`` holds counts only, never personal data.
    """

    job = models.CharField(max_length=40)
    period_start = models.DateTimeField()
    claimed_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(null=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-period_start", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="scheduled_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} for the period from {self.period_start:%Y-%m-%d %H:%M}"
