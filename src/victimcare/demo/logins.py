"""The demo logins: the synthetic staff a demo is signed in as, each with the key of
its authenticator app."""

from __future__ import annotations

from dataclasses import dataclass

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.accounts.services import totp_device_enrol_directly, totp_secret
from victimcare.cases.models import (
    Case,
)
from victimcare.demo.building import DEMO_STAFF_EMAIL_DOMAIN
from victimcare.demo.calibration import calibration
from victimcare.demo.models import DemoWorld


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str
    totp_secret: str = ""
    """Base32 key of the login's authenticator app (empty if it has none yet)."""


def demo_logins_enrol() -> int:
    """Give every named demo login a confirmed authenticator-app device, so that the secret
    printed beside it works at the second sign-in step. Logins that have one keep it (a
    reset login sets up its own at its next sign-in, and its new secret is printed). Returns
    how many were enrolled now."""
    if DemoWorld.objects.first() is None:
        return 0
    usernames = [account["username"] for account in calibration().demo_accounts]
    enrolled = 0
    for user in User.objects.filter(
        username__in=usernames, email__iendswith=f"@{DEMO_STAFF_EMAIL_DOMAIN}"
    ).exclude(totpdevice__confirmed=True):
        totp_device_enrol_directly(user=user, page="victimcare demo")
        enrolled += 1
    return enrolled


def demo_logins() -> list[DemoLogin]:
    """The named demo staff in the database, with what each one sees and the secret of
    their authenticator app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world = DemoWorld.objects.first()
    if world is None:
        return []
    accounts = calibration().demo_accounts
    users = {
        user.username: user
        for user in User.objects.filter(
            username__in=[account["username"] for account in accounts]
        ).select_related("force", "support_organisation")
    }
    devices = {
        device.user_id: device
        for device in TOTPDevice.objects.filter(user__in=users.values(), confirmed=True)
    }
    logins = []
    for account in accounts:
        user = users.get(account["username"])
        if user is None:
            continue
        fields = {
            "force": user.force.name if user.force else "",
            "area": account.get("area", ""),
            "cases": "",
            "forces": "",
            "organisation": user.support_organisation.name if user.support_organisation else "",
        }
        if user.role == Role.OFFICER:
            fields["cases"] = f"{Case.objects.filter(officer_in_charge=user).count():,}"
        if user.role == Role.OVERSIGHT:
            fields["forces"] = str(user.oversees.count())
        logins.append(
            DemoLogin(
                username=user.username,
                role=user.role,
                description=account["description"].format(**fields),
                totp_secret=totp_secret(devices[user.pk]) if user.pk in devices else "",
            )
        )
    return logins
