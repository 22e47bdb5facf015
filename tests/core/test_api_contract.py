"""The JSON API's contract with its callers: a body not sent as JSON is a 415 on every
operation that takes one, and the OpenAPI document lists every status an operation can
answer, with the body it answers with."""

import re

import pytest

from tests.intake.factories import reporting_world
from victimcare.accounts.services import service_token_create
from victimcare.config.api import UNSUPPORTED_MEDIA_TYPE, api, is_json_media_type

pytestmark = pytest.mark.django_db


def _openapi() -> dict:
    return api.get_openapi_schema(path_prefix="/api/v1")


def _operations(methods: set[str]) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, item in _openapi()["paths"].items()
        for method in item
        if method in methods
    ]


BODY_OPERATIONS = _operations({"post", "put", "patch"})
ALL_OPERATIONS = _operations({"get", "post", "put", "patch", "delete"})


@pytest.fixture
def token():
    return service_token_create(force=reporting_world(), name="contract")


def test_there_are_body_operations_to_check():
    assert ("post", "/api/v1/reports") in BODY_OPERATIONS
    assert ("post", "/api/v1/cases/{reference}/events") in BODY_OPERATIONS


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "text/json"],
)
@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_a_body_not_sent_as_json_is_answered_415(client, token, method, path, content_type):
    url = re.sub(r"\{[^}]+\}", "MPS-26-000001", path)
    response = getattr(client, method)(
        url, '{"type": "note"}', content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 415, response.content
    assert response.json() == {"detail": UNSUPPORTED_MEDIA_TYPE}


@pytest.mark.parametrize(
    ("content_type", "json"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON", True),
        ("application/merge-patch+json", True),
        ("application/vnd.victimcare.v1+json", True),
        ("text/plain", False),
        ("text/json", False),
        ("application/jsonp", False),
        ("multipart/form-data; boundary=x", False),
        ("", False),
    ],
)
def test_json_is_application_json_or_a_json_suffix(content_type, json):
    assert is_json_media_type(content_type) is json


def test_a_body_that_is_not_json_text_is_a_400_not_a_415(client, token):
    response = client.post(
        "/api/v1/reports",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(("method", "path"), ALL_OPERATIONS)
def test_every_operation_declares_its_error_answers_with_a_body_schema(method, path):
    """401 with authentication; 404 and 422 with a path parameter; 400, 415 and 422 with
    a body; each with its JSON schema."""
    operation = _openapi()["paths"][path][method]
    responses = {str(status): answer for status, answer in operation["responses"].items()}
    wanted = set()
    if operation.get("security"):
        wanted |= {"401"}
    if "{" in path:
        wanted |= {"404", "422"}
    if "requestBody" in operation:
        wanted |= {"400", "415", "422"}
    assert wanted <= set(responses), (method, path, sorted(responses))
    for status in wanted:
        assert "schema" in responses[status]["content"]["application/json"], (path, status)
