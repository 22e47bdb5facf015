"""A worker remembers a records-system token it has checked for API_TOKEN_CACHE_SECONDS:
a revoked token stops working within that time, and a wrong one is never remembered."""

import json

import pytest

from tests.factories import force_make
from tests.intake.factories import api_body, reporting_world
from victimcare.accounts import api_auth
from victimcare.accounts.models import ServiceToken
from victimcare.accounts.services import service_token_create, service_token_revoke

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The cache's clock, moved on by hand; the cache starts empty."""
    now = [1000.0]
    monkeypatch.setattr(api_auth, "_clock", lambda: now[0])
    api_auth._CHECKED.clear()
    yield now
    api_auth._CHECKED.clear()


def post(client, token):
    return client.post(
        URL,
        data=json.dumps(api_body()),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_revoked_token_stops_working_within_the_cache_time(client, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 5
    force = reporting_world()
    token = service_token_create(force=force, name="rms")
    assert post(client, token).status_code == 201
    service_token_revoke(force=force, name="rms")
    clock[0] += 4
    assert post(client, token).status_code == 201  # still remembered
    clock[0] += 1.5
    assert post(client, token).status_code == 401
    assert post(client, token).status_code == 401


def test_a_checked_token_is_not_looked_up_again_until_the_cache_time_is_up(
    client, clock, settings, django_assert_num_queries
):
    settings.API_TOKEN_CACHE_SECONDS = 5
    token = service_token_create(force=reporting_world(), name="rms")
    assert api_auth.token_check_cached(token) is not None
    with django_assert_num_queries(0):
        found = api_auth.token_check_cached(token)
    assert found.force.code == "MPS"  # the force came with the token
    clock[0] += 5
    with django_assert_num_queries(1):
        api_auth.token_check_cached(token)


def test_a_wrong_token_is_never_remembered(client, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 5
    token = service_token_create(force=reporting_world(), name="rms")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert post(client, tampered).status_code == 401
    assert post(client, token).status_code == 201
    assert post(client, tampered).status_code == 401
    assert len(api_auth._CHECKED) == 1


def test_with_no_cache_time_a_revocation_takes_effect_at_once(client, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    force = reporting_world()
    token = service_token_create(force=force, name="rms")
    assert post(client, token).status_code == 201
    service_token_revoke(force=force, name="rms")
    assert post(client, token).status_code == 401
    assert not api_auth._CHECKED


def test_a_token_is_still_only_good_for_its_own_force(client, settings):
    settings.API_TOKEN_CACHE_SECONDS = 5
    reporting_world()
    other = service_token_create(force=force_make("GMP"), name="rms")
    assert ServiceToken.objects.count() == 1
    response = post(client, other)
    assert response.status_code == 422  # Hackney is not a GMP area
    assert "area" in json.dumps(response.json())
