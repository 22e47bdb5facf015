"""Signing out of Track my case ends the whole session on the server: the old session cookie,
replayed or still in use by a request in flight, opens no Track my case page again."""

import contextlib

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from tests.factories import case_make, force_make
from tests.portal.steps import sign_in

pytestmark = pytest.mark.django_db

VICTIM_PAGES = [
    ("get", "portal:case"),
    ("get", "portal:contact"),
    ("get", "portal:contact-confirm"),
    ("get", "portal:care-card"),
    ("post", "portal:message-send"),
]


@pytest.fixture
def case():
    return case_make(force=force_make("MPS", "Metropolitan Police Service"))


def session_store():
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def with_cookie(client_class, session_key):
    replay = client_class()
    replay.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return replay


def test_signing_out_deletes_the_session_on_the_server(client, case, mailoutbox):
    sign_in(client, case, mailoutbox)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert session_store()().exists(old_key)
    response = client.post(reverse("portal:sign-out"))
    assert response["Location"] == reverse("portal:start")
    assert not session_store()().exists(old_key)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != old_key
    assert "You have signed out" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("method", "route"), VICTIM_PAGES)
def test_the_old_session_cookie_opens_no_page_after_sign_out(
    client, case, mailoutbox, method, route
):
    sign_in(client, case, mailoutbox)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    replay = with_cookie(client.__class__, old_key)
    assert replay.get(reverse("portal:case")).status_code == 200  # the cookie worked before
    client.post(reverse("portal:sign-out"))
    response = getattr(replay, method)(reverse(route), {"body": "x"} if method == "post" else {})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:start")


def test_a_request_in_flight_during_sign_out_cannot_bring_the_session_back(
    client, case, mailoutbox
):
    """A request that loaded the session before sign-out and saves it after (every page
    saves the session to note the victim was seen) must not revive it."""
    sign_in(client, case, mailoutbox)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    in_flight = session_store()(session_key=old_key)
    in_flight["portal_last_seen"] = timezone.now().timestamp()  # loads it, as a page does
    client.post(reverse("portal:sign-out"))
    with contextlib.suppress(UpdateError):  # what the session middleware answers with a 400
        in_flight.save()
    replay = with_cookie(client.__class__, old_key)
    assert replay.get(reverse("portal:case"))["Location"] == reverse("portal:start")
    assert not session_store()().exists(old_key)


def test_signing_in_again_after_sign_out_works(client, case, mailoutbox):
    sign_in(client, case, mailoutbox)
    client.post(reverse("portal:sign-out"))
    sign_in(client, case, mailoutbox)
    assert client.get(reverse("portal:case")).status_code == 200
