"""What POST /api/v1/reports writes, and in how many statements: the case and its victim,
the idempotency record, the Victims' Code clock, the follow-up task; logs without
personal data."""

import json
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.intake.factories import api_body, reporting_world
from victimcare.accounts import api_auth
from victimcare.accounts.services import service_token_create
from victimcare.care.models import CaseClock, Obligation
from victimcare.cases.models import Case
from victimcare.intake.api import ReportIn
from victimcare.intake.models import IdempotencyRecord
from victimcare.intake.services import request_fingerprint

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


@pytest.fixture
def token():
    api_auth._CHECKED.clear()
    return service_token_create(force=reporting_world(), name="rms")


def post(client, token, body, **headers):
    return client.post(
        URL,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def test_a_report_writes_its_case_clock_and_idempotency_record(client, token):
    response = post(client, token, api_body(), **{"Idempotency-Key": "k-1"})
    assert response.status_code == 201
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.victims.get().personal_details.given_name == "Bo"
    assert CaseClock.objects.filter(case=case).exists()
    assert Obligation.objects.filter(case=case).count() >= 3
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.case_id, record.force_id) == ("k-1", case.pk, case.force_id)
    assert record.created_at.tzinfo is not None
    assert record.request_hash == request_fingerprint(ReportIn(**api_body()).dict())
    retry = post(client, token, api_body(), **{"Idempotency-Key": "k-1"})
    assert retry.json() == response.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_the_follow_up_is_queued_in_the_database_for_the_worker(client, token, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    response = post(client, token, api_body(wants_visit=False))
    assert response.status_code == 201
    case = Case.objects.get()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "victimcare.intake.tasks.report_follow_up_task"
    assert queued.args_kwargs == {"args": [case.pk, "no", None, True], "kwargs": {}}
    assert queued.status == "READY"
    assert not case.events.filter(kind="visit_offered").exists()  # not yet: the worker does it


def test_a_failed_report_queues_nothing_and_leaves_no_rows(client, token, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    response = post(client, token, api_body(area="atlantis"))
    assert response.status_code == 422
    assert not Case.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement count is PostgreSQL's")
def test_a_report_takes_eight_statements_on_postgresql(client, token, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    post(client, token, api_body(), **{"Idempotency-Key": "warm"})  # the token is checked
    with CaptureQueriesContext(connection) as queries:
        response = post(client, token, api_body(), **{"Idempotency-Key": "k-2"})
    assert response.status_code == 201
    statements = [q["sql"].split()[0] for q in queries]
    # idempotency look-up, crime type and area, reference; then in one transaction (the
    # test's own gives savepoints instead of BEGIN and COMMIT): case and victim, clock,
    # obligations, follow-up task, idempotency record.
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == [
        "SELECT",
        "SELECT",
        "INSERT",
        "WITH",
        "INSERT",
        "INSERT",
        "INSERT",
        "INSERT",
    ], [q["sql"][:80] for q in queries]
    assert statements.count("SAVEPOINT") == 1  # the report's own transaction only


def test_the_log_names_the_case_and_never_the_victim(client, token, caplog):
    with caplog.at_level(logging.INFO, logger="victimcare"):
        response = post(client, token, api_body())
    assert response.status_code == 201
    text = " ".join(record.getMessage() for record in caplog.records)
    assert response.json()["reference"] in text
    for personal in ("Bo", "Example", "bo@example.com", "07700 900456"):
        assert personal not in text


def test_the_follow_up_row_is_the_one_the_task_backend_writes(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from victimcare.cases._prepared import task_enqueue
    from victimcare.intake.tasks import report_follow_up_task

    before = timezone.now()
    task_enqueue(report_follow_up_task, 7, "yes", None, True)
    report_follow_up_task.enqueue(7, "yes", None, True)
    ours, theirs = DBTaskResult.objects.order_by("enqueued_at")
    fields = [f.attname for f in DBTaskResult._meta.concrete_fields]
    different = [name for name in fields if getattr(ours, name) != getattr(theirs, name)]
    assert sorted(different) == ["enqueued_at", "id"]
    assert ours.enqueued_at >= before
    assert ours.id != theirs.id
    assert ours.task.func is report_follow_up_task.func  # the worker can load and run it


def test_with_another_task_backend_the_follow_up_is_enqueued_by_it(client, token):
    # The intake tests run the immediate backend: the follow-up happens at once.
    response = post(client, token, api_body(wants_visit=True))
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.events.filter(kind="visit_accepted").exists()


@pytest.mark.django_db(transaction=True)  # the worker closes the database connection
def test_the_worker_runs_the_follow_up_queued_by_a_report(client, settings, migrated_rows_put_back):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from victimcare.care.services import calendar_fill, rule_sets_load

    rule_sets_load()  # an earlier transactional test's flush may have emptied them
    calendar_fill()
    api_auth._CHECKED.clear()
    token = service_token_create(force=reporting_world(), name="rms")
    from django.core.management import call_command

    response = post(client, token, api_body(wants_visit=False))
    case = Case.objects.get(reference=response.json()["reference"])
    call_command("db_worker", batch=True, verbosity=0)
    assert case.events.filter(kind="visit_declined").exists()
    assert case.events.filter(kind="care_card_sent").exists()
