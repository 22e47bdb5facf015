"""schemathesis attacks /api/v1/ from its OpenAPI document, in-process through the WSGI
app, with a valid records-system token: no input may cause a server error. Bounded to a
small number of examples per operation so it runs in well under a minute."""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.intake.factories import reporting_world
from victimcare.accounts.services import service_token_create

pytestmark = pytest.mark.django_db
EXAMPLES = 60
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


def test_no_generated_request_causes_a_server_error(connections_kept_open):
    from victimcare.config.wsgi import application

    token = service_token_create(force=reporting_world(), name="schemathesis")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures, statuses = [], Counter()

    def attack(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        statuses[(case.path, response.status_code)] += 1
        if response.status_code >= 500:
            failures.append((case.method, case.path, case.body, response.text[:300]))

    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [operation.as_strategy(), *operation.get_strategies_from_examples()]
        for strategy in strategies:
            BOUNDED(given(case=strategy)(attack))()
    assert failures == []
    # The examples in the schema reach the service itself, not only the validation.
    assert statuses[("/api/v1/reports", 201)] >= 1, statuses
