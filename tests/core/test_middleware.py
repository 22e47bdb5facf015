"""NUL characters never reach the database: PostgreSQL text cannot hold them."""

import pytest
from django.http import HttpResponse

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


# --- The client's address and HTTPS through trusted proxies only --------------------------

FORWARDED = [
    # (trusted proxies, X-Forwarded-For, address the site uses)
    (0, "203.0.113.9", "127.0.0.1"),  # no proxy configured: the header is anyone's to write
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left entry is the client's claim
    (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    (2, "203.0.113.9", "127.0.0.1"),  # fewer hops than proxies: not from the proxies
    (1, "not-an-address", "127.0.0.1"),
    (1, "2001:db8::7", "2001:db8::7"),
]


@pytest.mark.parametrize(("count", "header", "address"), FORWARDED)
def test_the_client_address_comes_from_the_trusted_proxies_only(
    rf, settings, count, header, address
):
    from victimcare.core.middleware import TrustedProxyMiddleware

    settings.TRUSTED_PROXY_COUNT = count
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse("ok")

    request = rf.get("/", HTTP_X_FORWARDED_FOR=header, REMOTE_ADDR="127.0.0.1")
    TrustedProxyMiddleware(view)(request)
    assert seen["address"] == address


def test_sign_in_lockouts_count_the_forwarded_address_behind_a_trusted_proxy(client, settings):
    """django-axes records the victim-side address, so one person's failures do not lock
    out everyone behind the same proxy."""
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        "/sign-in/",
        {"username": "nobody", "password": "wrong-password"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]


def test_behind_a_trusted_proxy_forwarded_https_counts_as_secure(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/healthz", HTTP_X_FORWARDED_PROTO="http").status_code == 301
