"""Faults under load (a short version of benchmarks/bench_faults.py): with reports coming
in through `victimcare serve`, the worker killed with SIGKILL and every database connection
cut with pg_terminate_backend, no report answered 201 is lost or stored twice, and every
Victim Care Card is delivered exactly once. Also: a lost database connection is a 503 a
client can retry, not a 500."""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from tests.intake.factories import api_body, reporting_world
from victimcare.accounts.services import service_token_create
from victimcare.config.api import DATABASE_LOST

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_faults.py"


def bench_faults():
    spec = importlib.util.spec_from_file_location("bench_faults", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_faults"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_a_lost_database_connection_is_a_503_to_retry_with_the_same_key(client, monkeypatch):
    token = service_token_create(force=reporting_world(), name="rms")

    def cut(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("victimcare.intake.services.api_report_record", cut)
    response = client.post(
        "/api/v1/reports",
        data=json.dumps(api_body()),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"},
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {"detail": DATABASE_LOST}


def test_nothing_is_lost_or_duplicated_when_the_worker_is_killed_and_connections_cut():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("the fault test needs PostgreSQL (pg_terminate_backend); set DATABASE_URL")
    bench = bench_faults()
    stack = bench.Stack(postgres_url=url, suffix=f"faults_{os.getpid()}", web_workers=1)
    stack.start()
    try:
        load = bench.run_faults(
            stack,
            rate=6,
            seconds=4,
            first=0,
            threads=8,
            retries=8,
            kills=1,
            terminations=1,
        )
        _, left = bench.drain(stack, seconds=45)
        found = bench.audit(stack, load.acknowledged)
    finally:
        stack.stop()
    report = "\n".join(bench.describe_audit(found))
    assert stack.worker_kills == 1
    assert stack.connections_cut > 0
    assert len(load.acknowledged) == load.sent, load.first_errors
    assert left == (0, 0), report
    assert found.lost == 0, report
    assert found.duplicated == 0, report
    assert found.messages_expected == found.cases == load.sent
