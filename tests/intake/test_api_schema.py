"""schemathesis attacks /api/v1/ from its OpenAPI document, in-process through the WSGI
app, with a valid records-system token, over every operation: no input may cause a
server error, and every answer has a status the document declares for the operation,
with a body matching that status's schema. Bounded to a small number of examples per
operation so it runs in well under a minute."""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from tests.intake.factories import reporting_world
from victimcare.accounts.services import service_token_create

pytestmark = pytest.mark.django_db
EXAMPLES = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def connections_kept_open():
    """Calling the WSGI app directly fires request_started/finished, whose handler would
    close the test's database connection mid-transaction; Django's test client disconnects
    it for the same reason."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_answer_is_declared_and_matches_its_schema_and_none_is_a_server_error(
    connections_kept_open,
):
    from victimcare.config.wsgi import application

    token = service_token_create(force=reporting_world(), name="schemathesis")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures, statuses, operations = [], Counter(), set()

    def attack(case):
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)
        statuses[(case.path, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failure:
            found = "; ".join(str(each).splitlines()[0] for each in failure.exceptions)
            failures.append((case.method, case.path, response.status_code, found, case.body))

    for result in schema.get_all_operations():
        operation = result.ok()
        operations.add((operation.method.upper(), operation.path))  # every operation is attacked
        strategies = [operation.as_strategy(), *operation.get_strategies_from_examples()]
        for strategy in strategies:
            BOUNDED(given(case=strategy)(attack))()
    assert failures == []
    assert {("GET", "/api/v1/forces"), ("POST", "/api/v1/reports")} <= operations, operations
    # The examples in the schema reach the service itself, not only the validation.
    assert statuses[("/api/v1/reports", 201)] >= 1, statuses
