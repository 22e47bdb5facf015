"""Records-system API tokens: shown once, stored hashed, scoped to one force, revocable."""

import pytest

from tests.factories import force_make
from victimcare.accounts.models import ServiceToken
from victimcare.accounts.services import (
    StaffError,
    service_token_check,
    service_token_create,
    service_token_revoke,
)
from victimcare.cli import main

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_a_hash_and_checks_back_to_its_force():
    force = force_make("MPS")
    token = service_token_create(force=force, name="rms")
    stored = ServiceToken.objects.get()
    assert token.split("_", 2)[2] not in stored.secret_hash
    assert service_token_check(token).force == force


@pytest.mark.parametrize(
    "presented", ["", "vc_", "vc_deadbeef_wrong", "Bearer x", "xx_deadbeef_secret"]
)
def test_wrong_tokens_are_refused(presented):
    service_token_create(force=force_make(), name="rms")
    assert service_token_check(presented) is None


def test_a_tampered_secret_is_refused():
    token = service_token_create(force=force_make(), name="rms")
    assert service_token_check(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_a_revoked_token_is_refused_and_the_name_can_be_reused():
    force = force_make()
    token = service_token_create(force=force, name="rms")
    with pytest.raises(StaffError, match="already has an active token"):
        service_token_create(force=force, name="rms")
    assert service_token_revoke(force=force, name="rms") == 1
    assert service_token_check(token) is None
    assert service_token_check(service_token_create(force=force, name="rms")) is not None


def test_the_cli_prints_a_token_once(capsys):
    force_make("MPS")
    assert main(["token", "create", "--force", "MPS", "--name", "rms"]) == 0
    out = capsys.readouterr().out.strip()
    assert service_token_check(out) is not None
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "rms" in listing
    assert out.split("_", 2)[2] not in listing


def test_the_cli_refuses_an_unknown_force(capsys):
    assert main(["token", "create", "--force", "XXX", "--name", "rms"]) == 2
    assert "no force with code 'XXX'" in capsys.readouterr().err
