import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.demo.models import DemoWorld

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_with_the_reason_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unavailable: could not connect to server",
    }


def test_every_page_says_demo_data_is_synthetic_when_the_demo_world_is_loaded(client):
    DemoWorld.objects.create(scale="small", seed=1, built_at=timezone.now())
    assert b"Demonstration data: synthetic" in client.get("/").content
    assert b"Demonstration data: synthetic" in client.get("/sign-in/").content
    client.force_login(staff_make(Role.OFFICER))
    assert b"Demonstration data: synthetic" in client.get(reverse("core:staff-home")).content


def test_no_demo_banner_without_the_demo_world(client):
    assert b"Demonstration data" not in client.get("/").content


def test_header_carries_the_staff_members_force_not_gov_uk_branding(client):
    client.force_login(staff_make(Role.OFFICER, force=force_make("MPS", "Metropolitan Police")))
    page = client.get(reverse("core:staff-home")).content.decode()
    assert "Metropolitan Police" in page
    assert "GOV.UK" not in page
    assert "govuk-logo" not in page
    assert "crown" not in page.lower()


def test_unknown_pages_get_a_plain_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
