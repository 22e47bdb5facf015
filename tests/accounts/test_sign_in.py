"""Sign-in: Argon2 hashes, a lockout after repeated failures (wrong passwords and wrong
codes) that nobody can clear for someone else's account, and no hint whether a username
exists."""

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, staff_make, totp_code, totp_device_make

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"


def sign_in(client, username, password):
    return client.post(SIGN_IN, {"username": username, "password": password})


def sign_in_fully(client, user):
    """Password, then the code from the user's authenticator app; then sign out."""
    device = totp_device_make(user)
    assert sign_in(client, user.username, PASSWORD)["Location"] == reverse("accounts:two-factor")
    response = client.post(reverse("accounts:two-factor"), {"code": totp_code(device)})
    assert response["Location"] == reverse("core:staff-home"), "the code was refused"
    client.post(reverse("accounts:sign-out"))


def wrong_code(client):
    return client.post(reverse("accounts:two-factor"), {"code": "000000"})


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = staff_make()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_staff_sign_in_reaches_the_staff_home_after_the_password_and_the_code(client):
    user = staff_make()
    device = totp_device_make(user)
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two-factor")
    response = client.post(reverse("accounts:two-factor"), {"code": totp_code(device)})
    assert response["Location"] == reverse("core:staff-home")
    assert client.get(reverse("core:staff-home")).status_code == 200


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


@override_settings(AXES_FAILURE_LIMIT=3)
def test_signing_in_to_another_account_never_clears_the_failures_against_an_account(client):
    """The interleaving attack: with a valid login for A, an attacker alternates guesses at
    B's password with complete sign-ins as A from the same address. B still locks at the
    limit."""
    attacker, target = staff_make(), staff_make()
    sign_in(client, target.username, "guess-1")
    sign_in_fully(client, attacker)
    sign_in(client, target.username, "guess-2")
    sign_in_fully(client, attacker)
    sign_in(client, target.username, "guess-3")
    assert sign_in(client, target.username, PASSWORD).status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failures_from_one_address_lock_it_whatever_the_usernames(client):
    """The per-address limit: guesses spread over several accounts lock the address, for
    every account, and a good sign-in in between does not clear them."""
    own = staff_make()
    sign_in(client, "somebody.one", "guess")
    sign_in(client, "somebody.two", "guess")
    sign_in_fully(client, own)
    sign_in(client, "somebody.three", "guess")
    fresh = staff_make()
    assert sign_in(client, fresh.username, PASSWORD).status_code == 429
    elsewhere = client.post(
        SIGN_IN, {"username": fresh.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert elsewhere.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_lockout_and_end_the_half_signed_in_session(client):
    user = staff_make()
    totp_device_make(user)
    sign_in(client, user.username, PASSWORD)
    assert wrong_code(client).status_code == 200
    assert wrong_code(client).status_code == 200
    locked = wrong_code(client)
    assert locked.status_code == 429
    assert b"too many failed attempts" in locked.content.lower()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, user.username, PASSWORD).status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_password_alone_does_not_clear_wrong_codes(client):
    """Knowing the password is not enough to reset the count of wrong codes: only a
    complete sign-in clears it."""
    user = staff_make()
    totp_device_make(user)
    for _ in range(2):
        sign_in(client, user.username, PASSWORD)
        wrong_code(client)
        client.post(reverse("accounts:sign-out"))
    sign_in(client, user.username, PASSWORD)
    assert wrong_code(client).status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_complete_sign_in_clears_only_the_accounts_own_failures(client):
    user, other = staff_make(), staff_make()

    def sign_in_from(address, username, password):
        return client.post(
            SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=address
        )

    sign_in(client, user.username, "typo-1")
    sign_in(client, user.username, "typo-2")
    sign_in_from("192.0.2.7", other.username, "guess-1")
    sign_in_fully(client, user)
    sign_in(client, user.username, "typo-3")
    sign_in(client, user.username, "typo-4")
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("accounts:sign-out"))
    # The other account's failure is still counted: two more, from other addresses,
    # lock the account wherever its owner signs in from.
    sign_in_from("192.0.2.8", other.username, "guess-2")
    sign_in_from("192.0.2.9", other.username, "guess-3")
    assert sign_in_from("192.0.2.10", other.username, PASSWORD).status_code == 429
