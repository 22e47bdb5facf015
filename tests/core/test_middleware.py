"""NUL characters never reach the database: PostgreSQL text cannot hold them."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "data", "content_type"),
    [
        ("/sign-in/", "username=a%00b&password=x", "application/x-www-form-urlencoded"),
        ("/api/v1/reports", '{"summary": "a\\u0000b"}', "application/json"),
        ("/api/v1/reports", '{"summary": "a\\U0000B"}', "application/json"),
    ],
)
def test_a_body_with_a_nul_character_is_a_400(client, path, data, content_type):
    response = client.post(path, data=data, content_type=content_type)
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_a_query_string_with_a_nul_character_is_a_400(client):
    assert client.get("/staff/?q=MPS%00").status_code == 400


def test_ordinary_requests_pass(client):
    assert client.get("/healthz").status_code == 200
