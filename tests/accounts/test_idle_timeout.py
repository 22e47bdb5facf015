"""Staff sessions end after STAFF_IDLE_MINUTES (VICTIMCARE_STAFF_IDLE_MINUTES, default 30)
without a request; the sign-in page says why. Activity keeps a session alive."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import staff_make
from victimcare.accounts.middleware import LAST_SEEN_RESOLUTION_SECONDS

pytestmark = pytest.mark.django_db

HOME = reverse("core:staff-home")
SIGN_IN = reverse("accounts:sign-in")
IDLE_MESSAGE = "You were signed out because you had not used victimcare for"


@pytest.fixture
def clock(monkeypatch):
    """The time the idle check sees, moved on by the test."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta):
            self.now += timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def signed_in(client, clock):
    client.force_login(staff_make())
    assert client.get(HOME).status_code == 200  # the first request starts the idle clock
    return client


def test_the_default_idle_limit_is_30_minutes(settings):
    assert settings.STAFF_IDLE_MINUTES == 30


@pytest.mark.parametrize(
    ("idle_limit", "idle", "signed_out"),
    [
        (30, timedelta(minutes=29), False),
        (30, timedelta(minutes=30), False),
        (30, timedelta(minutes=31), True),
        (30, timedelta(hours=3), True),
        (5, timedelta(minutes=4), False),
        (5, timedelta(minutes=6), True),
    ],
)
def test_a_staff_session_ends_after_the_idle_limit(
    signed_in, clock, settings, idle_limit, idle, signed_out
):
    settings.STAFF_IDLE_MINUTES = idle_limit
    clock.advance(seconds=idle.total_seconds())
    response = signed_in.get(HOME)
    if signed_out:
        assert response.status_code == 302
        assert response["Location"].startswith(SIGN_IN)
        assert "_auth_user_id" not in signed_in.session
    else:
        assert response.status_code == 200


def test_the_sign_in_page_says_why_the_session_ended(signed_in, clock):
    clock.advance(minutes=31)
    page = signed_in.get(HOME, follow=True).content.decode()
    assert IDLE_MESSAGE in page
    assert "30 minutes" in page
    assert 'name="password"' in page


def test_activity_keeps_a_staff_session_alive(signed_in, clock):
    """A request every 20 minutes for two hours: never idle for 30."""
    for _ in range(6):
        clock.advance(minutes=20)
        assert signed_in.get(HOME).status_code == 200


def test_the_last_activity_is_written_at_most_once_a_minute(signed_in, clock):
    """So a busy staff page does not write its session on every request."""
    first = signed_in.session["staff_last_seen"]
    clock.advance(seconds=LAST_SEEN_RESOLUTION_SECONDS - 1)
    signed_in.get(HOME)
    assert signed_in.session["staff_last_seen"] == first
    clock.advance(seconds=1)
    signed_in.get(HOME)
    assert signed_in.session["staff_last_seen"] == first + LAST_SEEN_RESOLUTION_SECONDS


def test_victims_pages_are_not_timed_by_the_staff_limit(client, clock):
    """An anonymous visitor's session carries no staff clock."""
    client.get(reverse("core:landing"))
    clock.advance(hours=2)
    assert client.get(reverse("core:landing")).status_code == 200
    assert "staff_last_seen" not in client.session
