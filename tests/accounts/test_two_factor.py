"""Two-factor sign-in for every staff role: an authenticator app set up at the first
sign-in, its code (or a single-use recovery code) after the password, no staff page
before it, resets by an administrator of the staff member's force, every step audited.

These tests go through the real pages with real codes (client.force_login would skip
them: see tests/conftest.py)."""

import re

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, force_make, staff_make, totp_code, totp_device_make
from victimcare.accounts.constants import AuditAction, Role
from victimcare.accounts.forms import CODE_NOT_SIX_DIGITS, CODE_WRONG, RECOVERY_CODE_WRONG
from victimcare.accounts.models import User
from victimcare.accounts.services import (
    RECOVERY_CODE_COUNT,
    TwoFactorError,
    two_factor_reset,
)
from victimcare.audit.models import AuditRecord

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
CODE = reverse("accounts:two-factor")
RECOVERY = reverse("accounts:two-factor-recovery")
ENROL = reverse("accounts:two-factor-enrol")
RECOVERY_CODES = reverse("accounts:two-factor-recovery-codes")
HOME = reverse("core:staff-home")


def password(client, user, **extra):
    return client.post(SIGN_IN, {"username": user.username, "password": PASSWORD, **extra})


def secret_on_page(page: str) -> str:
    match = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', page)
    assert match, "the set-up page shows no key"
    return match.group(1).replace(" ", "")


def enrol(client, user) -> list[str]:
    """First sign-in through the pages; returns the recovery codes shown."""
    assert password(client, user)["Location"] == ENROL
    secret = secret_on_page(client.get(ENROL).content.decode())
    response = client.post(ENROL, {"code": totp_code(secret)})
    assert response["Location"] == RECOVERY_CODES
    page = client.get(RECOVERY_CODES).content.decode()
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


def records(action, **filters):
    return AuditRecord.objects.filter(action=action, **filters)


# --- set-up at the first sign-in ------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_role_sets_up_an_authenticator_app_at_its_first_sign_in(client, role):
    user = staff_make(role)
    codes = enrol(client, user)
    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    assert client.get(HOME).status_code == 200
    assert TOTPDevice.objects.get(user=user).confirmed
    assert StaticToken.objects.filter(device__user=user).count() == RECOVERY_CODE_COUNT
    assert records(AuditAction.TWO_FACTOR_ENROL, user=user, subject=user).count() == 1


def test_the_set_up_page_offers_a_key_to_type_a_link_and_a_qr_code(client):
    user = staff_make()
    password(client, user)
    page = client.get(ENROL).content.decode()
    secret = secret_on_page(page)
    assert len(secret) == 32
    assert re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>', page)
    assert f"otpauth://totp/victimcare%3A{user.username}?secret={secret}" in page
    assert re.search(r'<svg role="img" aria-label="QR code[^"]*"', page)
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page


def test_leaving_the_set_up_page_and_coming_back_offers_the_same_key(client):
    user = staff_make()
    password(client, user)
    first = secret_on_page(client.get(ENROL).content.decode())
    client.post(reverse("accounts:sign-out"))
    password(client, user)
    assert secret_on_page(client.get(ENROL).content.decode()) == first


def test_recovery_codes_are_shown_once(client):
    user = staff_make()
    enrol(client, user)
    again = client.get(RECOVERY_CODES)
    assert again.status_code == 302
    assert again["Location"] == HOME


def test_a_wrong_code_at_set_up_keeps_the_key_and_is_audited(client):
    user = staff_make()
    password(client, user)
    secret = secret_on_page(client.get(ENROL).content.decode())
    response = client.post(ENROL, {"code": "000000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert str(CODE_WRONG) in page
    assert secret_on_page(page) == secret
    assert not TOTPDevice.objects.get(user=user).confirmed
    assert records(AuditAction.TWO_FACTOR_FAILURE, user=user).count() == 1


def test_a_set_up_user_is_asked_for_the_code_and_cannot_set_up_again(client):
    user = staff_make()
    totp_device_make(user)
    assert password(client, user)["Location"] == CODE
    assert client.get(ENROL)["Location"] == CODE


# --- the code after the password ------------------------------------------------------


def test_no_staff_page_before_the_code(client):
    user = staff_make(Role.ADMINISTRATOR)
    totp_device_make(user)
    password(client, user)
    for url in (HOME, reverse("audit:log"), "/admin/", reverse("api-v1:forces")):
        response = client.get(url)
        assert response.status_code in (302, 401), url
        assert (
            response.status_code == 401
            or "sign-in" in response["Location"]
            or (response["Location"].startswith("/admin/login/"))
        )
    # The sign-in page sends the half-signed-in session on to the code.
    assert client.get(SIGN_IN)["Location"] == CODE


def test_the_code_page_follows_the_next_page_asked_for(client):
    user = staff_make(Role.ADMINISTRATOR)
    device = totp_device_make(user)
    audit = reverse("audit:log")
    response = password(client, user, next=audit)
    assert response["Location"] == f"{CODE}?next={audit.replace('/', '%2F')}"
    response = client.post(response["Location"], {"code": totp_code(device), "next": audit})
    assert response["Location"] == audit


def test_the_code_page_never_sends_staff_to_another_site(client):
    user = staff_make()
    device = totp_device_make(user)
    password(client, user)
    response = client.post(CODE, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response["Location"] == HOME


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the 6-digit code"),
        ("12345", CODE_NOT_SIX_DIGITS),
        ("abcdef", CODE_NOT_SIX_DIGITS),
    ],
)
def test_a_malformed_code_is_explained_and_not_counted(client, typed, message):
    user = staff_make()
    totp_device_make(user)
    password(client, user)
    page = client.post(CODE, {"code": typed}).content.decode()
    assert "There is a problem" in page
    assert str(message) in page
    assert 'href="#id_code"' in page
    assert not records(AuditAction.TWO_FACTOR_FAILURE, user=user).exists()


def test_a_wrong_code_is_refused_and_audited(client):
    user = staff_make()
    totp_device_make(user)
    password(client, user)
    page = client.post(CODE, {"code": "000000"}).content.decode()
    assert str(CODE_WRONG) in page
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(HOME).status_code == 302
    assert records(AuditAction.TWO_FACTOR_FAILURE, user=user, subject=user).count() == 1


def test_a_code_works_once(client):
    user = staff_make()
    device = totp_device_make(user)
    code = totp_code(device)
    password(client, user)
    assert client.post(CODE, {"code": code})["Location"] == HOME
    client.post(reverse("accounts:sign-out"))
    password(client, user)
    assert client.post(CODE, {"code": code}).status_code == 200


def test_the_code_is_accepted_with_spaces(client):
    user = staff_make()
    device = totp_device_make(user)
    code = totp_code(device)
    password(client, user)
    assert client.post(CODE, {"code": f"{code[:3]} {code[3:]}"})["Location"] == HOME


def test_verifying_gives_the_session_a_new_key(client):
    user = staff_make()
    device = totp_device_make(user)
    password(client, user)
    before = client.session.session_key
    client.post(CODE, {"code": totp_code(device)})
    assert client.session.session_key != before


# --- recovery codes -------------------------------------------------------------------


def test_a_recovery_code_signs_in_once_and_its_use_is_audited(client):
    user = staff_make()
    codes = enrol(client, user)
    client.post(reverse("accounts:sign-out"))
    password(client, user)
    response = client.post(RECOVERY, {"code": codes[0].upper()})
    assert response["Location"] == HOME
    assert "9 recovery codes left" in client.get(HOME).content.decode()
    assert records(AuditAction.RECOVERY_CODE_USE, user=user).count() == 1
    client.post(reverse("accounts:sign-out"))
    password(client, user)
    page = client.post(RECOVERY, {"code": codes[0]}).content.decode()
    assert str(RECOVERY_CODE_WRONG) in page
    assert records(AuditAction.TWO_FACTOR_FAILURE, user=user).count() == 1


def test_another_users_recovery_code_does_not_work(client):
    owner, other = staff_make(), staff_make()
    codes = enrol(client, owner)
    client.post(reverse("accounts:sign-out"))
    totp_device_make(other)
    StaticDevice.objects.create(user=other, name="Recovery codes")
    password(client, other)
    assert client.post(RECOVERY, {"code": codes[0]}).status_code == 200
    assert StaticToken.objects.filter(device__user=owner).count() == RECOVERY_CODE_COUNT


# --- resets ---------------------------------------------------------------------------


def reset_by(actor_role=Role.ADMINISTRATOR, *, same_force=True, superuser=False):
    mps, gmp = force_make("MPS"), force_make("GMP")
    target = staff_make(Role.OFFICER, force=mps)
    totp_device_make(target)
    actor = staff_make(actor_role, force=mps if same_force else gmp)
    if superuser:
        User.objects.filter(pk=actor.pk).update(is_superuser=True)
        actor.refresh_from_db()
    return actor, target


@pytest.mark.parametrize(
    ("actor_role", "same_force", "superuser", "allowed"),
    [
        (Role.ADMINISTRATOR, True, False, True),
        (Role.ADMINISTRATOR, False, False, False),
        (Role.SUPERVISOR, True, False, False),
        (Role.OFFICER, False, True, True),
    ],
    ids=["own-force-admin", "other-force-admin", "supervisor", "superuser"],
)
def test_an_administrator_resets_staff_of_their_own_force_and_a_superuser_anyone(
    actor_role, same_force, superuser, allowed
):
    actor, target = reset_by(actor_role, same_force=same_force, superuser=superuser)
    if allowed:
        two_factor_reset(user=target, by=actor, page="/admin/")
        assert not TOTPDevice.objects.filter(user=target).exists()
        assert records(AuditAction.TWO_FACTOR_RESET, user=actor, subject=target).count() == 1
    else:
        with pytest.raises(TwoFactorError, match="Only an administrator of"):
            two_factor_reset(user=target, by=actor, page="/admin/")
        assert TOTPDevice.objects.filter(user=target).exists()


def test_the_admin_action_resets_and_the_user_sets_up_again_at_next_sign_in(client):
    admin_user, target = reset_by()
    other_force_user = staff_make(Role.OFFICER, force=force_make("GMP"))
    totp_device_make(other_force_user)
    target_client = type(client)()
    target_client.force_login(target)
    assert target_client.get(HOME).status_code == 200
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "two_factor_reset_action", "_selected_action": [target.pk, other_force_user.pk]},
        follow=True,
    )
    assert "Two-factor sign-in reset for" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=target).exists()
    # The other force's officer is outside the administrator's list: untouched.
    assert TOTPDevice.objects.filter(user=other_force_user).exists()
    # The target's open session no longer counts as verified: on to set-up.
    assert target_client.get(HOME)["Location"].startswith(SIGN_IN)
    assert target_client.get(SIGN_IN)["Location"] == ENROL


def test_the_admin_site_signs_in_through_the_staff_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next=/admin/"


def test_the_audit_log_shows_sign_in_security_records_of_the_force(client):
    admin_user, target = reset_by()
    two_factor_reset(user=target, by=admin_user, page="/admin/")
    client.force_login(admin_user)
    page = client.get(reverse("audit:log")).content.decode()
    assert "Reset two-factor sign-in" in page
    assert target.username in page


def test_before_the_code_the_layout_links_to_no_staff_page_but_offers_sign_out(client):
    """A password alone opens no staff page, so the code step shows no links to them."""
    officer = staff_make(Role.OFFICER, force=force_make("MPS"))
    totp_device_make(officer)
    client.force_login(officer, otp_verified=False)
    page = client.get(CODE).content.decode()
    assert f'href="{HOME}"' not in page
    assert f'href="{reverse("care:worklist")}"' not in page
    assert "Sign out" in page
    client.force_login(officer)
    assert f'href="{reverse("care:worklist")}"' in client.get(HOME).content.decode()
