"""Sign-in: Argon2 hashes, a lockout after repeated failures, and no hint whether a
username exists."""

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"


def sign_in(client, username, password):
    return client.post(SIGN_IN, {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = staff_make()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_staff_sign_in_reaches_the_staff_home(client):
    user = staff_make()
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:staff-home")


def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    user = staff_make()
    wrong_password = sign_in(client, user.username, "not-the-password")
    unknown_user = sign_in(client, "nobody.at.all", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert b"Enter a correct username and password" in wrong_password.content

    def strip(response):
        page = response.content.decode().replace(user.username, "").replace("nobody.at.all", "")
        page = re.sub(r' nonce="[^"]+"', "", page)  # each page's own CSP nonce
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    assert strip(wrong_password) == strip(unknown_user)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_out_even_the_right_password(client):
    user = staff_make()
    for _ in range(3):
        sign_in(client, user.username, "not-the-password")
    locked = sign_in(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert b"too many failed attempts" in locked.content.lower()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_unknown_usernames_are_locked_out_the_same_way(client):
    for _ in range(3):
        sign_in(client, "nobody.at.all", "not-the-password")
    assert sign_in(client, "nobody.at.all", "x").status_code == 429
